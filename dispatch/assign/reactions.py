"""How assignment plugs into the rest: signal receivers, the inbound SMS handler, the offer sweep.

``init_app`` (called from ``create_app``) registers the technician classifier and handler with
the inbound pipe and connects the receivers:

- an order *queued* is offered automatically when its type allows (``auto_dispatch`` in
  config/sla.toml, and ``[assign] auto_dispatch``) — to the technician the planner puts it with
  (``[plan] enabled``; dispatch/plan/service.py), else to the best-ranked candidate — in the same
  transaction, so the offer SMS commits with the queueing or not at all; a failure there leaves
  the order queued, never breaks the intake that queued it;
- a transition that changes a technician's day (done, cancelled, on hold, on the way, …) asks
  for a re-plan of the organisation;
- an order closed or cancelled gives its job code back and withdraws its open offers; one
  unassigned or reopened withdraws the acceptance that gave it away;
- an offer SMS given up by the outbox (refused, undelivered) moves the job to the next candidate.

``run_sweep`` is the worker job: offers past their timeout → the next candidate; offered orders
left without an open offer (a worker that died halfway) → the next candidate; orders nobody has
accepted within the configured share of their window → an alert for the dispatcher.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session, object_session

from dispatch import clock, signals
from dispatch.assign import alerts, commands, notices, offers, roster
from dispatch.assign.models import Offer, OfferState
from dispatch.db import claim, sqlite_writer
from dispatch.extensions import db
from dispatch.orders.lifecycle import Actor
from dispatch.orders.models import FINAL, Status, WorkOrder
from dispatch.plan import service as plan_service
from dispatch.sms import directory, inbound
from dispatch.sms.models import OutboxMessage

log = logging.getLogger(__name__)

#: Expired offers handled per sweep run (the rest wait for the next run, a few seconds later).
SWEEP_BATCH = 100


def init_app(app: Flask) -> None:
    inbound.register_classifier(commands.classify)
    inbound.register_handler(inbound.TECHNICIAN, commands.handle)
    directory.register_directory(roster.sms_senders)
    notices.connect()
    signals.order_transitioned.connect(on_transition)
    signals.order_transitioned.connect(plan_service.on_transition)
    signals.outbox_failed.connect(on_outbox_failed)


def on_transition(order: WorkOrder, event) -> None:
    session = object_session(order)
    if session is None:
        return
    if event.kind == "queue" and offers.auto_dispatch_enabled(order):
        if plan_service.enabled() and order.lat is not None and order.lon is not None:
            plan_service.on_new_report(session, order)  # the worker places and offers it
            return
        try:
            with session.begin_nested():
                offers.dispatch_order(session, order, Actor.system())
        except Exception:
            log.exception("automatic dispatch of %s failed; it waits for a dispatcher", order.reference)
    elif event.kind in ("unassign", "reopen"):
        # The job is open again: the acceptance that gave it away no longer holds.
        for offer in session.scalars(
            sa.select(Offer).where(Offer.work_order_id == order.id, Offer.state == OfferState.ACCEPTED)
        ):
            offer.state, offer.reason = OfferState.WITHDRAWN, event.kind
    elif event.to_status in FINAL:
        offers.close_others(session, order, keep=None, state=OfferState.WITHDRAWN, now=clock.now())
        offers.release_job_code(session, order)


def on_outbox_failed(message: OutboxMessage) -> None:
    if message.kind != offers.OFFER_KIND:
        return
    session = object_session(message)
    if session is None:
        return
    offer = session.scalar(
        sa.select(Offer).where(Offer.outbox_message_id == message.id, Offer.state == OfferState.PENDING)
    )
    if offer is None:
        return
    offers.lock_order(session, offer.work_order_id)
    offers.lapse(
        session,
        offers.fresh(session, offer),
        OfferState.UNDELIVERED,
        f"SMS not delivered: {message.error_code or message.last_error or 'unknown'}"[:200],
        actor=Actor.system(),
    )


def _expire(session: Session, offer_id: int) -> None:
    offer = session.get(Offer, offer_id)
    offers.lock_order(session, offer.work_order_id)
    offers.lapse(session, offers.fresh(session, offer), OfferState.EXPIRED, "timeout", actor=Actor.system())


def run_sweep(app: Flask, worker: str) -> dict[str, int]:
    """One run of the offer sweep; safe in several workers (claimed rows, unique alerts)."""
    session = db.session
    report = {"expired": 0, "repaired": 0, "alerts": 0}
    token = sqlite_writer.set(True)
    try:
        session.rollback()
        now = clock.now()
        # Claim-and-mark commits at once: a late acceptance then sees the offer expired, and no
        # offer row stays locked while the order rows are.
        ids = claim(
            session,
            Offer,
            [Offer.state == OfferState.PENDING, Offer.expires_at <= now],
            {
                "state": OfferState.EXPIRED,
                "answered_at": now,
                "reason": "timeout",
                "version": Offer.version + 1,
            },
            order_by=[Offer.expires_at, Offer.id],
            limit=SWEEP_BATCH,
        )
        session.commit()
        for offer_id in ids:
            _in_own_transaction(session, lambda oid=offer_id: _expire(session, oid))
            report["expired"] += 1
        stuck = session.scalars(
            sa.select(WorkOrder.id).where(
                WorkOrder.status == Status.OFFERED,
                ~sa.exists().where(Offer.work_order_id == WorkOrder.id, Offer.state == OfferState.PENDING),
            )
        ).all()
        for order_id in stuck:
            _in_own_transaction(
                session,
                lambda oid=order_id: offers.move_on(session, offers.lock_order(session, oid), now=now),
            )
            report["repaired"] += 1
        policy = offers.OfferPolicy.from_config(app.config)
        report["alerts"] = alerts.sweep(session, clock.now(), policy.alert_share)
        session.commit()
        return report
    finally:
        sqlite_writer.reset(token)


def _in_own_transaction(session: Session, work) -> None:
    try:
        work()
        session.commit()
    except Exception:
        log.exception("offer sweep: one job could not be moved on; it is retried next run")
        session.rollback()
