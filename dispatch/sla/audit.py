"""Moved deadlines: every change of a due time is on the order's timeline and in the review queue.

A due time is a commitment to the public, so it is never moved silently: ``record_due_change``
writes a ``due_changed`` event (who, why, the old and the new time, ``needs_review``) and a
:class:`~dispatch.sla.models.DueChange` row that stays in the supervisor's queue until reviewed.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from dispatch import clock
from dispatch.auth.models import User
from dispatch.errors import ConflictError, NotFound
from dispatch.orders import lifecycle
from dispatch.orders.lifecycle import Actor
from dispatch.orders.models import WorkOrder
from dispatch.sla.models import DueChange


def iso(moment: datetime | None) -> str | None:
    """A stored time as ISO 8601 in the configured zone, to the second (None stays None)."""
    return clock.local(moment).isoformat(timespec="seconds") if moment else None


def record_due_change(
    session: Session,
    order: WorkOrder,
    milestone: str,
    old_due_at: datetime | None,
    new_due_at: datetime | None,
    *,
    actor: Actor,
    reason: str,
    note: str | None = None,
    rule: str | None = None,
    breached_at: datetime | None = None,
) -> DueChange:
    """The timeline event and the review-queue row for one moved due time. Flushes."""
    data = {
        "milestone": milestone,
        "old_due_at": iso(old_due_at),
        "new_due_at": iso(new_due_at),
        "reason": reason,
        "rule": rule,
        "needs_review": True,
    }
    if breached_at is not None:
        data["breached_at"] = iso(breached_at)
    event = lifecycle.record(session, order, "due_changed", actor, note=note, data=data)
    session.flush()  # the review row points at the event
    change = DueChange(
        org_id=order.org_id,
        order_id=order.id,
        event_id=event.id,
        milestone=milestone,
        old_due_at=old_due_at,
        new_due_at=new_due_at,
        reason=reason,
        note=note,
        actor_user_id=actor.user_id,
        created_at=event.at,
    )
    session.add(change)
    session.flush()
    return change


def pending_reviews(session: Session, org_id: int, limit: int = 200) -> list[DueChange]:
    """The organisation's moved deadlines not yet reviewed, oldest first."""
    return list(
        session.scalars(
            sa.select(DueChange)
            .where(DueChange.org_id == org_id, DueChange.reviewed_at.is_(None))
            .order_by(DueChange.created_at, DueChange.id)
            .limit(limit)
        )
    )


def acknowledge(session: Session, org_id: int, change_id: int, reviewer: User) -> DueChange:
    """Mark one moved deadline as reviewed by ``reviewer``. Flushes.

    Raises NotFound for another organisation's change, ConflictError when it was already reviewed.
    """
    change = session.get(DueChange, change_id)
    if change is None or change.org_id != org_id:
        raise NotFound(_("No such deadline change."), id=change_id)
    if change.reviewed_at is not None:
        raise ConflictError(_("This deadline change was already reviewed."), id=change_id)
    change.reviewed_at = clock.now()
    change.reviewed_by_id = reviewer.id
    session.flush()
    return change


def as_dict(change: DueChange) -> dict:
    order = change.order
    return {
        "id": change.id,
        "reference": order.reference,
        "type": order.type_code,
        "milestone": change.milestone,
        "old_due_at": iso(change.old_due_at),
        "new_due_at": iso(change.new_due_at),
        "reason": change.reason,
        "note": change.note,
        "actor_user_id": change.actor_user_id,
        "actor_channel": change.event.channel.value,
        "at": iso(change.created_at),
        "reviewed_at": iso(change.reviewed_at),
        "reviewed_by_id": change.reviewed_by_id,
    }
