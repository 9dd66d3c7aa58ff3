"""Copies of a work order's state on the rows the KPIs count, kept right on every flush.

The timeliness and satisfaction KPIs count milestones and ratings, but whether a row counts
depends on its order: cancelled orders and duplicates are left out, and so are the unmet
pausable milestones of an order on hold now. Reading that from ``work_order`` means joining
every milestone or rating of the period to its order; instead each milestone carries its
order's organisation (``org_id``), whether the order counts (``counted``) and whether it is on
hold now (``order_held``), each service report whether its order counts (``counted``), and each
complaint when its complaint order was received (``received_at``) and whether it counts, so each
KPI is one index range scan (see README, "KPIs").

A session listener keeps the copies right in the same flush as the change: when an order's
status or ``duplicate_of_id`` changes — a transition of ``dispatch/orders/lifecycle.py``
(cancel, hold, resume, reopen), a duplicate linked or unlinked — and when a milestone, a
service report or a complaint is added. Bulk inserts that bypass the ORM (the benchmarks) write the copies
themselves.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from dispatch.complaints.models import Complaint
from dispatch.orders.models import Milestone, Status, WorkOrder
from dispatch.reports.models import ServiceReport


def counts(order: WorkOrder) -> bool:
    """Whether the KPIs count the order's milestones and ratings at all."""
    return order.status is not Status.CANCELLED and order.duplicate_of_id is None


def _copy_to_milestone(milestone: Milestone, order: WorkOrder) -> None:
    milestone.org_id = order.org_id
    milestone.counted = counts(order)
    milestone.order_held = order.status is Status.ON_HOLD


def _order_of(session: Session, row, relation: str, key: str) -> WorkOrder | None:
    order = getattr(row, relation)
    if order is None and getattr(row, key) is not None:
        order = session.get(WorkOrder, getattr(row, key))
    return order


def _state_changed(order: WorkOrder) -> bool:
    """Whether a change of the order's status or duplicate link changes a copy: whether it
    counts, or whether it is on hold (most changes, queued → offered → accepted…, change
    neither, and cost nothing here). When the old value is not known, it may have."""
    state = inspect(order)
    before = {}
    for name in ("status", "duplicate_of_id"):
        history = state.attrs[name].history
        if not history.has_changes():
            before[name] = getattr(order, name)
        elif history.deleted:
            before[name] = history.deleted[0]
        else:
            return True  # set without its old value loaded
    was_counted = before["status"] is not Status.CANCELLED and before["duplicate_of_id"] is None
    was_held = before["status"] is Status.ON_HOLD
    return was_counted != counts(order) or was_held != (order.status is Status.ON_HOLD)


@event.listens_for(Session, "before_flush")
def keep_copies(session: Session, flush_context, instances) -> None:
    changed: list[WorkOrder] = []
    for row in list(session.new) + list(session.dirty):
        if isinstance(row, WorkOrder):
            if row in session.new or _state_changed(row):
                changed.append(row)
        elif isinstance(row, Milestone) and row in session.new:
            order = _order_of(session, row, "order", "order_id")
            if order is not None:
                _copy_to_milestone(row, order)
        elif isinstance(row, ServiceReport) and row in session.new:
            order = _order_of(session, row, "order", "work_order_id")
            if order is not None:
                row.counted = counts(order)
        elif isinstance(row, Complaint) and row in session.new:
            order = _order_of(session, row, "order", "work_order_id")
            if order is not None:
                row.received_at, row.counted = order.reported_at, counts(order)
    for order in changed:
        for milestone in order.milestones:
            _copy_to_milestone(milestone, order)
        if order.id is not None:
            flag = counts(order)
            for report in session.scalars(
                sa.select(ServiceReport).where(
                    ServiceReport.work_order_id == order.id, ServiceReport.counted != flag
                )
            ):
                report.counted = flag
            for complaint in session.scalars(
                sa.select(Complaint).where(Complaint.work_order_id == order.id, Complaint.counted != flag)
            ):
                complaint.counted = flag
