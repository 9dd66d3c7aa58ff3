"""The deadline jobs: a warning before a milestone is breached, an escalation once it is.

Each is "claim the due milestones, act, commit" (``dispatch.db.claim``): the warning claims on
``warned_at``, the escalation on ``escalated_at`` (setting ``breached_at`` with it), in the same
transaction as the SMS it writes to the outbox. A claimed row no longer matches, a row another
worker holds is skipped, and a rollback un-claims — so each happens exactly once per milestone
whatever the number of workers.

Left alone: met milestones, milestones waiting for their start event, orders closed or
cancelled, and pausable milestones while their order is on hold (their due time is moved when
the order resumes). A milestone whose due time moves later is armed again by the recompute.

The engine computes and records; it sends nothing. Each warning and breach is a signal
(``signals.deadline_warning``, ``signals.deadline_breached``) in the same transaction, and
assignment's notices (:mod:`dispatch.assign.notices`) text the people concerned:

- Warning (``warn_at`` reached, due time not yet): the assigned technician and the order's
  owner (each when they have a phone); the supervisor on duty when neither can be reached.
- Escalation (due time passed, not met): the supervisor on duty (the roster).
"""

from __future__ import annotations

import logging
from datetime import datetime

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from dispatch import clock, signals
from dispatch.db import claim, sqlite_writer
from dispatch.extensions import db
from dispatch.orders import lifecycle
from dispatch.orders.lifecycle import Actor
from dispatch.orders.models import FINAL, Channel, Milestone, Status, WorkOrder
from dispatch.sla.audit import iso

log = logging.getLogger(__name__)

JOB_ACTOR = Actor(Channel.SCHEDULED)


def _live() -> list[sa.ColumnElement[bool]]:
    """Milestones the jobs may act on: open, with a due time, on a live (not paused) order."""
    order_running = (
        sa.select(WorkOrder.id)
        .where(
            WorkOrder.id == Milestone.order_id,
            WorkOrder.status.not_in(FINAL),
            sa.or_(Milestone.pausable.is_(False), WorkOrder.status != Status.ON_HOLD),
        )
        .exists()
    )
    return [Milestone.met_at.is_(None), Milestone.due_at.is_not(None), order_running]


def warn_due(session: Session, now: datetime | None = None, limit: int = 100) -> int:
    """Claim the milestones past their warning time and warn about each. Flushes; returns the count."""
    now = now or clock.now()
    ids = claim(
        session,
        Milestone,
        [*_live(), Milestone.warned_at.is_(None), Milestone.warn_at <= now, Milestone.due_at > now],
        {"warned_at": now},
        order_by=[Milestone.warn_at, Milestone.id],
        limit=limit,
    )
    for milestone_id in ids:
        milestone = session.get(Milestone, milestone_id, populate_existing=True)
        order = milestone.order
        recipients = _told(signals.deadline_warning.send(order, milestone=milestone))
        lifecycle.record(
            session,
            order,
            "sla_warning",
            JOB_ACTOR,
            data={
                "milestone": milestone.name,
                "due_at": iso(milestone.due_at),
                "to": recipients,
            },
        )
        if not recipients:
            log.warning("%s: %s due soon and nobody to warn", order.reference, milestone.name)
    return len(ids)


def escalate_breaches(session: Session, now: datetime | None = None, limit: int = 100) -> int:
    """Claim the milestones past their due time, mark them breached and tell the supervisor on
    duty. Flushes; returns the count."""
    now = now or clock.now()
    ids = claim(
        session,
        Milestone,
        [*_live(), Milestone.escalated_at.is_(None), Milestone.due_at < now],
        {"escalated_at": now, "breached_at": sa.func.coalesce(Milestone.breached_at, Milestone.due_at)},
        order_by=[Milestone.due_at, Milestone.id],
        limit=limit,
    )
    for milestone_id in ids:
        milestone = session.get(Milestone, milestone_id, populate_existing=True)
        order = milestone.order
        recipients = _told(signals.deadline_breached.send(order, milestone=milestone))
        lifecycle.record(
            session,
            order,
            "sla_breach",
            JOB_ACTOR,
            data={
                "milestone": milestone.name,
                "due_at": iso(milestone.due_at),
                "to": recipients,
            },
        )
        if not recipients:
            log.warning("%s: %s breached and no supervisor on duty to tell", order.reference, milestone.name)
    return len(ids)


def _told(answers) -> list[dict]:
    """Everyone the receivers of a deadline signal told, from their return values."""
    return [person for _receiver, told in answers for person in (told or [])]


def _run(step, app: Flask) -> int:
    """One claimed batch in a writer transaction, committed (the scheduled jobs' shape)."""
    token = sqlite_writer.set(True)
    try:
        db.session.rollback()  # start a fresh (writer) transaction
        count = step(db.session, limit=int(app.config["SLA_BATCH_SIZE"]))
        db.session.commit()
        return count
    finally:
        sqlite_writer.reset(token)


def run_warnings(app: Flask, worker: str) -> int:
    """The scheduled job: warn before breaches."""
    return _run(warn_due, app)


def run_escalations(app: Flask, worker: str) -> int:
    """The scheduled job: escalate breaches."""
    return _run(escalate_breaches, app)
