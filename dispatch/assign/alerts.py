"""Alerts for the dispatcher: jobs nobody has accepted in time, jobs nobody could be offered.

Stored (``DispatchAlert``) so the console can list them; raised once per order and kind (a unique
constraint), so the sweep may run in several workers. ``open_alerts`` is what the console shows.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dispatch import clock
from dispatch.assign.models import DispatchAlert
from dispatch.errors import NotFound
from dispatch.orders.models import Milestone, Status, WorkOrder

NO_ACCEPTANCE = "no_acceptance"
NO_CANDIDATES = "no_candidates"
#: The stored message of a NO_CANDIDATES alert (shown translated by ``message_of``).
NO_CANDIDATES_MESSAGE = (
    "Nobody who may still be asked is free to take this job (whoever declined it or let its offer "
    "time out is not asked again): assign it by hand."
)
#: Statuses in which nobody has taken the job yet.
WAITING = (Status.QUEUED, Status.OFFERED)


def raise_alert(
    session: Session, order: WorkOrder, kind: str, message: str, data: dict | None = None
) -> DispatchAlert | None:
    """Store an alert for ``order`` unless one of this kind is already open. Flushes."""
    existing = session.scalar(
        sa.select(DispatchAlert).where(DispatchAlert.work_order_id == order.id, DispatchAlert.kind == kind)
    )
    if existing is not None:
        if existing.acknowledged_at is None:
            return None
        # Acknowledged earlier, and it happened again: raise it anew.
        existing.acknowledged_at, existing.acknowledged_by_id = None, None
        existing.created_at, existing.message, existing.data = clock.now(), message, dict(data or {})
        session.flush()
        return existing
    alert = DispatchAlert(
        org_id=order.org_id,
        work_order_id=order.id,
        kind=kind,
        message=message,
        data=dict(data or {}),
        created_at=clock.now(),
    )
    try:
        with session.begin_nested():
            session.add(alert)
    except IntegrityError:
        return None  # raised by another worker at the same moment
    return alert


def describe(alert: DispatchAlert) -> str:
    """The alert in the reader's language (the stored message is the English one, for logs)."""
    if alert.kind == NO_ACCEPTANCE:
        return _("Nobody has accepted this job yet.")
    if alert.kind == NO_CANDIDATES:
        return _(
            "Nobody who may still be asked is free to take this job (whoever declined it or let "
            "its offer time out is not asked again): assign it by hand."
        )
    return alert.message


def open_alerts(session: Session, org_id: int) -> list[DispatchAlert]:
    """The organisation's unacknowledged alerts, newest first, for orders still waiting."""
    return list(
        session.scalars(
            sa.select(DispatchAlert)
            .join(WorkOrder, WorkOrder.id == DispatchAlert.work_order_id)
            .where(
                DispatchAlert.org_id == org_id,
                DispatchAlert.acknowledged_at.is_(None),
                WorkOrder.status.in_(WAITING),
            )
            .order_by(DispatchAlert.created_at.desc(), DispatchAlert.id.desc())
        )
    )


def acknowledge(session: Session, org_id: int, alert_id: int, user_id: int | None) -> DispatchAlert:
    alert = session.get(DispatchAlert, alert_id)
    if alert is None or alert.org_id != org_id:
        raise NotFound(_("No such alert."), alert_id=alert_id)
    alert.acknowledged_at, alert.acknowledged_by_id = clock.now(), user_id
    session.flush()
    return alert


def late_orders(session: Session, now: datetime, share: float) -> Iterable[tuple[WorkOrder, Milestone]]:
    """Waiting orders whose on-site deadline has used up ``share`` of its window."""
    rows = session.execute(
        sa.select(WorkOrder, Milestone)
        .join(Milestone, Milestone.order_id == WorkOrder.id)
        .where(
            WorkOrder.status.in_(WAITING),
            Milestone.name.in_(("arrive", "warning_sign")),
            Milestone.met_at.is_(None),
            Milestone.due_at.isnot(None),
        )
        .order_by(WorkOrder.id, Milestone.due_at)
    ).all()
    seen = set()
    for order, milestone in rows:
        if order.id in seen:
            continue
        window = milestone.due_at - order.reported_at
        if now >= order.reported_at + window * share:
            seen.add(order.id)
            yield order, milestone


def sweep(session: Session, now: datetime, share: float) -> int:
    """Alert the dispatcher about every waiting order past ``share`` of its window. Flushes."""
    raised = 0
    for order, milestone in late_orders(session, now, share):
        alert = raise_alert(
            session,
            order,
            NO_ACCEPTANCE,
            "Nobody has accepted this job yet.",
            {"milestone": milestone.name, "due_at": milestone.due_at.isoformat()},
        )
        raised += alert is not None
    return raised
