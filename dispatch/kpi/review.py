"""What moved the KPIs: breached milestones with their causes, and moved deadlines to review."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from dispatch import clock
from dispatch.kpi.measures import Period, timeliness_rows
from dispatch.orders.models import Event, Milestone, WorkOrder
from dispatch.sla.models import DueChange

LIMIT = 200


def breaches(session: Session, org_id: int, period: Period, now: datetime | None = None) -> list[dict]:
    """Counted milestones not met in time, latest due first, each with its cause: the last
    thing that happened on the order before the due time (what it was waiting on), and how late
    it was met (or that it is still open)."""
    now = now or clock.now()
    sub = timeliness_rows(org_id, period, now).where(
        sa.not_(sa.and_(Milestone.met_at.is_not(None), Milestone.met_at <= Milestone.due_at))
    )
    sub = sub.subquery()
    last = (
        sa.select(Event.id)
        .where(Event.order_id == Milestone.order_id, Event.at <= Milestone.due_at)
        .order_by(Event.at.desc(), Event.id.desc())
        .limit(1)
        .correlate(Milestone)
        .scalar_subquery()
    )
    rows = session.execute(
        sa.select(WorkOrder, Milestone, Event)
        .join(Milestone, Milestone.order_id == WorkOrder.id)
        .join(sub, sub.c.milestone_id == Milestone.id)
        .outerjoin(Event, Event.id == last)
        .order_by(Milestone.due_at.desc())
        .limit(LIMIT)
    ).all()
    return [
        {
            "order": order,
            "milestone": milestone,
            "last_event": event,
            "late_by_h": (
                round(((milestone.met_at or now) - milestone.due_at).total_seconds() / 3600, 1)
                if milestone.due_at
                else None
            ),
        }
        for order, milestone, event in rows
    ]


def due_changes(session: Session, org_id: int, period: Period) -> list[DueChange]:
    """Deadlines moved in the period (reclassified, paused, set by hand, …), unreviewed first."""
    return list(
        session.scalars(
            sa.select(DueChange)
            .where(
                DueChange.org_id == org_id,
                DueChange.created_at >= period.start,
                DueChange.created_at < period.end,
                DueChange.reason != "placed",
            )
            .order_by(DueChange.reviewed_at.is_not(None), DueChange.created_at.desc())
            .limit(LIMIT)
        )
    )
