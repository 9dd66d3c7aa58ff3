"""Offers: a job proposed by SMS to the best candidate, answered by reply, moved on when it lapses.

- ``dispatch_order`` offers a queued order to the next candidate — or, for a broadcast (types in
  ``[assign] broadcast_types``, or any order already at risk), to the top ``broadcast_size`` at
  once. The order goes ``queued → offered``, each offer SMS is written to the outbox in the same
  transaction, and the offer times out after a delay that depends on how urgent the job is.
- ``accept`` / ``decline``: the first acceptance wins (the order row is locked, and versions and
  a unique index stop a second winner); the other technicians of a broadcast are told it is taken.
- A declined, expired or undelivered offer moves the job on to the next candidate (``lapse``) —
  with the planner on, the one a re-plan without that technician gives it to; nobody left → the
  dispatcher is alerted and the order waits, queued.

Operations flush, never commit. Every state change of the order goes through the lifecycle.
"""

from __future__ import annotations

import enum
import logging
import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from dispatch import clock
from dispatch.assign import alerts, texts
from dispatch.assign.models import JobCode, Offer, OfferState, Technician
from dispatch.assign.ranking import Candidate, Policy, candidates_for, load_roster, target_milestone
from dispatch.orders import lifecycle
from dispatch.orders.lifecycle import Actor
from dispatch.orders.models import Status, WorkOrder
from dispatch.sla.rules import UnknownType
from dispatch.sla.service import rulebook
from dispatch.sms import outbox

log = logging.getLogger(__name__)

#: Outbox kinds of the messages this module sends.
OFFER_KIND = "offer"
#: Open job codes per organisation beyond which codes get four digits instead of three.
THREE_DIGIT_LIMIT = 450


@dataclass(frozen=True)
class OfferPolicy:
    """Timeouts, alerting and broadcasting (config/settings.toml ``[assign]``)."""

    auto_dispatch: bool = True
    urgent_window_min: float = 60
    normal_window_min: float = 480
    timeout_urgent_s: float = 180
    timeout_normal_s: float = 600
    timeout_relaxed_s: float = 1800
    alert_share: float = 0.5
    broadcast_size: int = 3
    broadcast_types: frozenset[str] = frozenset({"safety_accident"})

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> OfferPolicy:
        share = float(config.get("ASSIGN_ALERT_SHARE", 0.5))
        if not 0 < share <= 1:
            raise ValueError("[assign] alert_share must be in (0, 1]")
        types = str(config.get("ASSIGN_BROADCAST_TYPES", "safety_accident"))
        return cls(
            auto_dispatch=bool(config.get("ASSIGN_AUTO_DISPATCH", True)),
            urgent_window_min=float(config.get("ASSIGN_URGENT_WINDOW_MIN", 60)),
            normal_window_min=float(config.get("ASSIGN_NORMAL_WINDOW_MIN", 480)),
            timeout_urgent_s=float(config.get("ASSIGN_OFFER_TIMEOUT_URGENT_S", 180)),
            timeout_normal_s=float(config.get("ASSIGN_OFFER_TIMEOUT_NORMAL_S", 600)),
            timeout_relaxed_s=float(config.get("ASSIGN_OFFER_TIMEOUT_RELAXED_S", 1800)),
            alert_share=share,
            broadcast_size=max(int(config.get("ASSIGN_BROADCAST_SIZE", 3)), 1),
            broadcast_types=frozenset(t.strip() for t in types.split(",") if t.strip()),
        )

    def timeout(self, minutes_left: float | None) -> timedelta:
        """How long an offer waits for its answer, given the minutes left before the deadline."""
        if minutes_left is not None and minutes_left <= self.urgent_window_min:
            return timedelta(seconds=self.timeout_urgent_s)
        if minutes_left is not None and minutes_left <= self.normal_window_min:
            return timedelta(seconds=self.timeout_normal_s)
        return timedelta(seconds=self.timeout_relaxed_s)


def policies(config: Mapping[str, Any] | None = None) -> tuple[Policy, OfferPolicy]:
    config = config if config is not None else current_app.config
    return Policy.from_config(config), OfferPolicy.from_config(config)


def skills_for(order: WorkOrder) -> tuple[str, ...]:
    try:
        return rulebook().type(order.type_code).skills
    except UnknownType:
        return ()


def ranked(
    session: Session,
    order: WorkOrder,
    *,
    now: datetime | None = None,
    limit: int | None = None,
    exclude: Iterable[int] = (),
) -> list[Candidate]:
    """The order's candidates as a dispatcher sees them (console, API, a hand-picked offer):
    ranked by the configured policy over a fresh roster, so a roster edit shows at once."""
    now = now or clock.now()
    ranking, _policy = policies()
    return candidates_for(
        session,
        order,
        now=now,
        policy=ranking,
        skills=skills_for(order),
        exclude=exclude,
        limit=limit,
        roster=load_roster(session, order.org_id, now),
    )


def auto_dispatch_enabled(order: WorkOrder, config: Mapping[str, Any] | None = None) -> bool:
    """Whether a queued order is offered without a dispatcher: globally and for its type."""
    if not OfferPolicy.from_config(config if config is not None else current_app.config).auto_dispatch:
        return False
    try:
        return rulebook().type(order.type_code).auto_dispatch
    except UnknownType:
        return False


def lock_order(session: Session, order_id: int) -> WorkOrder:
    """The order, re-read and locked (FOR UPDATE on PostgreSQL; SQLite's writer transaction
    already serialises), so two answers to the same job are decided one after the other."""
    return session.scalars(
        sa.select(WorkOrder)
        .where(WorkOrder.id == order_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def fresh(session: Session, offer: Offer) -> Offer:
    return session.get(Offer, offer.id, populate_existing=True)


def pending_offers(session: Session, order: WorkOrder) -> list[Offer]:
    return list(
        session.scalars(
            sa.select(Offer)
            .where(Offer.work_order_id == order.id, Offer.state == OfferState.PENDING)
            .order_by(Offer.id)
            .execution_options(populate_existing=True)
        )
    )


def at_risk(order: WorkOrder, now: datetime) -> bool:
    """Past its warning time on any open milestone (or already warned about)."""
    return any(
        m.met_at is None and (m.warned_at is not None or (m.warn_at is not None and m.warn_at <= now))
        for m in order.milestones
    )


def wants_broadcast(order: WorkOrder, policy: OfferPolicy, now: datetime) -> bool:
    return order.type_code in policy.broadcast_types or at_risk(order, now)


# -- job codes ---------------------------------------------------------------------------------


def job_code(session: Session, order: WorkOrder) -> str:
    """The order's short code, allocated on first need: 3 digits (4 when many jobs are open),
    unique in the organisation among open jobs — the unique constraints decide a race (the
    INSERT takes nothing when the code, or a code for this order, is already there)."""
    if order.job_code is not None:
        held = _held_code(session, order)
        if held is not None:
            return held
    taken = _taken_codes(session, order.org_id)
    low, high = (100, 999) if len(taken) < THREE_DIGIT_LIMIT else (1000, 9999)
    table = JobCode.__table__
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    for _attempt in range(50):
        code = str(random.randint(low, high))
        if code in taken:
            continue
        taken.add(code)
        claim = insert(table).values(org_id=order.org_id, code=code, work_order_id=order.id)
        claim = claim.on_conflict_do_nothing().returning(table.c.code)
        # On the connection: the claim needs none of the session's pending rows flushed first.
        # (RETURNING, not rowcount: PostgreSQL's driver gives no row count for this statement.)
        if session.connection().execute(claim).first() is not None:
            order.job_code = code
            return code
        with session.no_autoflush:  # another transaction took the code, or gave this order one
            held = _held_code(session, order)
        if held is not None:
            return held
    raise RuntimeError(f"no free job code for organisation {order.org_id}")


def _held_code(session: Session, order: WorkOrder) -> str | None:
    held = session.scalar(sa.select(JobCode.code).where(JobCode.work_order_id == order.id))
    if held is not None and order.job_code != held:
        order.job_code = held
    return held


def _taken_codes(session: Session, org_id: int) -> set[str]:
    """The organisation's codes in use, read once a transaction: a re-plan that offers hundreds
    of jobs reads them once, not once a job. Codes taken meanwhile by others are refused by the
    INSERT and added here."""
    transaction = session.connection().get_transaction()
    cached = session.info.get("job_codes_taken")
    if cached is None or cached[0] is not transaction:
        cached = session.info["job_codes_taken"] = (transaction, {})
    by_org = cached[1]
    if org_id not in by_org:
        by_org[org_id] = set(session.scalars(sa.select(JobCode.code).where(JobCode.org_id == org_id)))
    return by_org[org_id]


def release_job_code(session: Session, order: WorkOrder) -> None:
    session.execute(sa.delete(JobCode).where(JobCode.work_order_id == order.id))


# -- offering ----------------------------------------------------------------------------------


def offered_before(session: Session, order: WorkOrder) -> set[int]:
    return set(session.scalars(sa.select(Offer.technician_id).where(Offer.work_order_id == order.id)))


def dispatch_order(
    session: Session,
    order: WorkOrder,
    actor: Actor,
    *,
    broadcast: bool | None = None,
    now: datetime | None = None,
    config: Mapping[str, Any] | None = None,
) -> list[Offer]:
    """Offer a queued order to the next candidate (or the top N for a broadcast). Flushes.

    Technicians already offered this order are skipped. Returns the offers made; an empty list
    when nobody fits (the dispatcher is alerted, the order stays queued).
    """
    now = now or clock.now()
    ranking, policy = policies(config)
    if broadcast is None:
        broadcast = wants_broadcast(order, policy, now)
    size = policy.broadcast_size if broadcast else 1
    found = candidates_for(
        session,
        order,
        now=now,
        policy=ranking,
        skills=skills_for(order),
        exclude=offered_before(session, order),
        limit=size,
    )
    if not found:
        alerts.raise_alert(
            session,
            order,
            alerts.NO_CANDIDATES,
            alerts.NO_CANDIDATES_MESSAGE,
        )
        return []
    return make_offers(session, order, found, actor, broadcast=broadcast and size > 1, now=now, policy=policy)


def make_offers(
    session: Session,
    order: WorkOrder,
    found: list[Candidate],
    actor: Actor,
    *,
    broadcast: bool,
    now: datetime,
    policy: OfferPolicy,
    technicians: Mapping[int, Any] | None = None,
    flush: bool = True,
) -> list[Offer]:
    """Offer ``order`` to each of ``found``: the offers and their SMS, one flush for all
    (``flush=False``: the caller's next flush, for a caller offering many jobs at once).
    ``technicians``: rows with ``id``, ``phone`` and ``language`` already read (the planner's),
    so that none is loaded again."""
    with session.no_autoflush:  # the order's milestones are in the database: nothing to flush first
        target = target_milestone(order)
    code = job_code(session, order)
    minutes_left = (target.due_at - now).total_seconds() / 60 if target else None
    expires_at = now + policy.timeout(minutes_left)
    lifecycle.transition(
        session,
        order,
        "offer",
        actor,
        data={"technician_ids": [c.technician_id for c in found], "broadcast": broadcast, "code": code},
    )
    made = []
    for candidate in found:
        tech = (technicians or {}).get(candidate.technician_id)
        if tech is None:
            with session.no_autoflush:
                tech = session.get(Technician, candidate.technician_id)
        offer = Offer(
            org_id=order.org_id,
            work_order_id=order.id,
            technician_id=tech.id,
            broadcast=broadcast,
            stands_in_for_id=candidate.stands_in_for_id,
            distance_km=None if candidate.eta_min == float("inf") else round(candidate.distance_km, 2),
            eta_min=None if candidate.eta_min == float("inf") else round(candidate.eta_min, 1),
            can_meet=candidate.can_meet,
            created_at=now,
            expires_at=expires_at,
        )
        session.add(offer)
        body = texts.offer_text(
            order,
            code,
            tech.language,
            distance_km=offer.distance_km,
            due_at=target.due_at if target else None,
            broadcast=broadcast,
            now=now,
        )
        message = outbox.send(
            session,
            OFFER_KIND,
            to=tech.phone,
            text=body,
            order=order,
            technician_id=tech.id,
            language=tech.language,
            params=texts.job_params(
                order, code, due_at=target.due_at if target else None, distance_km=offer.distance_km, now=now
            ),
            flush=False,  # goes in with the offer that points at it, in the flush below
        )
        offer.outbox_message = message
        made.append(offer)
    if flush:
        session.flush()
    return made


class Answer(enum.StrEnum):
    """How an answer to an offer turned out."""

    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    TAKEN = "taken"
    #: Declined, withdrawn or undelivered before this answer came.
    CLOSED = "closed"


def _closed_answer(offer: Offer) -> Answer:
    if offer.state is OfferState.TAKEN:
        return Answer.TAKEN
    if offer.state is OfferState.EXPIRED:
        return Answer.EXPIRED
    if offer.state is OfferState.ACCEPTED:
        return Answer.ACCEPTED
    return Answer.CLOSED


def accept(
    session: Session, offer: Offer, actor: Actor, *, now: datetime | None = None, note: str | None = None
):
    """The technician takes the job, unless the offer is no longer open. Returns an Answer.

    The order row is locked first, so of two simultaneous acceptances the second sees the first's
    result (the job taken) rather than racing it.
    """
    now = now or clock.now()
    order = lock_order(session, offer.work_order_id)
    offer = fresh(session, offer)
    if offer.state is not OfferState.PENDING:
        return _closed_answer(offer)
    if offer.expires_at <= now:
        lapse(session, offer, OfferState.EXPIRED, "timeout", actor=Actor.system(), now=now)
        return Answer.EXPIRED
    if order.status not in (Status.QUEUED, Status.OFFERED):
        offer.state, offer.answered_at = OfferState.TAKEN, now
        return Answer.TAKEN
    offer.state, offer.answered_at = OfferState.ACCEPTED, now
    order.assignee_id = offer.technician_id
    lifecycle.transition(
        session,
        order,
        "accept",
        actor,
        note=note,
        data={"offer_id": offer.id, "technician_id": offer.technician_id, "code": order.job_code},
    )
    close_others(session, order, keep=offer, state=OfferState.TAKEN, now=now)
    session.flush()
    return Answer.ACCEPTED


def close_others(
    session: Session, order: WorkOrder, *, keep: Offer | None, state: OfferState, now: datetime
) -> list[Offer]:
    """Close the order's other open offers and tell those technicians (taken / withdrawn)."""
    closed = []
    for other in pending_offers(session, order):
        if keep is not None and other.id == keep.id:
            continue
        other.state, other.answered_at = state, now
        tech = other.technician
        code = order.job_code or "?"
        body = (
            texts.taken_text(code, tech.language)
            if state is OfferState.TAKEN
            else texts.withdrawn_text(code, tech.language)
        )
        kind = "offer_taken" if state is OfferState.TAKEN else "offer_withdrawn"
        outbox.send(
            session,
            kind,
            to=tech.phone,
            text=body,
            order=order,
            technician_id=tech.id,
            language=tech.language,
        )
        closed.append(other)
    return closed


def decline(session: Session, offer: Offer, reason: str | None, actor: Actor, *, now: datetime | None = None):
    """The technician says no: the offer is closed and the job moves on. Returns an Answer."""
    now = now or clock.now()
    lock_order(session, offer.work_order_id)
    offer = fresh(session, offer)
    if offer.state is not OfferState.PENDING:
        return _closed_answer(offer)
    lapse(session, offer, OfferState.DECLINED, (reason or "")[:200] or None, actor=actor, now=now)
    return Answer.DECLINED


def lapse(
    session: Session,
    offer: Offer,
    state: OfferState,
    reason: str | None,
    *,
    actor: Actor,
    now: datetime | None = None,
) -> list[Offer]:
    """Close ``offer`` as declined / expired / undelivered and move the job on when it was the
    last open offer: back to queued, then to the next candidate. Returns the new offers."""
    now = now or clock.now()
    if offer.state is OfferState.PENDING:
        offer.state, offer.answered_at, offer.reason = state, now, reason
    order = offer.order
    lifecycle.record(
        session,
        order,
        f"offer_{state.value}",
        actor,
        note=reason,
        data={"offer_id": offer.id, "technician_id": offer.technician_id},
    )
    session.flush()
    return move_on(session, order, now=now)


def move_on(session: Session, order: WorkOrder, *, now: datetime) -> list[Offer]:
    """An offered order with no open offer left goes back to queued and to the next candidate."""
    if order.status is not Status.OFFERED or pending_offers(session, order):
        return []
    lifecycle.transition(session, order, "offer_lapsed", Actor.system())
    from dispatch.plan import service as plan_service

    if plan_service.enabled() and order.lat is not None and order.lon is not None:
        return plan_service.on_offer_lapsed(session, order, now=now)
    return dispatch_order(session, order, Actor.system(), now=now)
