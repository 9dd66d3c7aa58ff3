"""The dispatcher's queue: open orders sorted by their next due milestone, filtered and searched.

One SELECT for a page: the orders joined to their next unmet milestone (a window function picks
the earliest due per order) and to the assignee's name, so a page of 50 rows costs one query
plus the count, whatever the number of open orders.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from dispatch import clock
from dispatch.assign.models import Technician
from dispatch.orders.models import FINAL, Milestone, Status, WorkOrder

PAGE_SIZE = 50


@dataclass(frozen=True)
class QueueFilter:
    type_code: str | None = None
    status: str | None = None
    zone: str | None = None
    technician_id: int | None = None
    at_risk_only: bool = False
    search: str | None = None
    statuses: tuple[Status, ...] = field(default=())

    @classmethod
    def from_args(cls, args) -> QueueFilter:
        status = args.get("status") or None
        if status is not None and status not in {s.value for s in Status}:
            status = None
        return cls(
            type_code=args.get("type") or None,
            status=status,
            zone=args.get("zone") if args.get("zone") in ("built_up", "outside") else None,
            technician_id=args.get("technician", type=int),
            at_risk_only=args.get("at_risk") in ("1", "on", "true"),
            search=(args.get("q") or "").strip()[:100] or None,
        )


@dataclass(frozen=True)
class QueueRow:
    order: WorkOrder
    assignee_name: str | None
    next_name: str | None
    next_due_at: datetime | None
    next_warn_at: datetime | None

    def state(self, now: datetime) -> str:
        """on_track, at_risk (past the warning share), breached, or none (no clock running)."""
        if self.next_due_at is None:
            return "none"
        if now > self.next_due_at:
            return "breached"
        if self.next_warn_at is not None and now >= self.next_warn_at:
            return "at_risk"
        return "on_track"


def next_milestones(org_id: int) -> sa.Subquery:
    """Per open order of ``org_id``: its unmet milestone due first (name, due_at, warn_at)."""
    ranked = (
        sa.select(
            Milestone.order_id,
            Milestone.name,
            Milestone.due_at,
            Milestone.warn_at,
            sa.func.row_number()
            .over(partition_by=Milestone.order_id, order_by=(Milestone.due_at, Milestone.id))
            .label("rn"),
        )
        .join(WorkOrder, WorkOrder.id == Milestone.order_id)
        .where(
            WorkOrder.org_id == org_id,
            WorkOrder.status.not_in(FINAL),
            Milestone.met_at.is_(None),
            Milestone.due_at.is_not(None),
        )
        .subquery("ranked")
    )
    return (
        sa.select(ranked.c.order_id, ranked.c.name, ranked.c.due_at, ranked.c.warn_at)
        .where(ranked.c.rn == 1)
        .subquery("next_due")
    )


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def queue_query(org_id: int, flt: QueueFilter, now: datetime | None = None) -> sa.Select:
    now = now or clock.now()
    nxt = next_milestones(org_id)
    query = (
        sa.select(WorkOrder, Technician.name, nxt.c.name, nxt.c.due_at, nxt.c.warn_at)
        .outerjoin(nxt, nxt.c.order_id == WorkOrder.id)
        .outerjoin(Technician, Technician.id == WorkOrder.assignee_id)
        .where(WorkOrder.org_id == org_id, WorkOrder.status.not_in(FINAL))
    )
    if flt.statuses:
        query = query.where(WorkOrder.status.in_(flt.statuses))
    if flt.type_code:
        query = query.where(WorkOrder.type_code == flt.type_code)
    if flt.status:
        query = query.where(WorkOrder.status == Status(flt.status))
    if flt.zone:
        query = query.where(WorkOrder.zone == flt.zone)
    if flt.technician_id:
        query = query.where(WorkOrder.assignee_id == flt.technician_id)
    if flt.at_risk_only:
        query = query.where(nxt.c.warn_at <= now)
    if flt.search:
        query = query.where(_search_clause(flt.search))
    # Orders with no running clock go last; ties by report time, oldest first.
    return query.order_by(nxt.c.due_at.is_(None), nxt.c.due_at, WorkOrder.reported_at, WorkOrder.id)


def _search_clause(text: str) -> sa.ColumnElement[bool]:
    """A reference (WO-2026-000123, or its number), a phone number (any digits of it), an address."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    clauses = [
        WorkOrder.reference.ilike(f"%{escaped}%", escape="\\"),
        WorkOrder.address.ilike(f"%{escaped}%", escape="\\"),
    ]
    digits = _digits(text)
    if len(digits) >= 4:
        # Numbers are stored in E.164: 13812345678 is found as +8613812345678.
        clauses.append(WorkOrder.reporter_phone.like(f"%{digits.lstrip('0')}%"))
    return sa.or_(*clauses)


@dataclass(frozen=True)
class QueuePage:
    rows: list[QueueRow]
    page: int
    pages: int
    total: int

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def queue_page(
    session: Session, org_id: int, flt: QueueFilter, page: int = 1, per_page: int = PAGE_SIZE
) -> QueuePage:
    query = queue_query(org_id, flt)
    total = session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery())) or 0
    pages = max((total + per_page - 1) // per_page, 1)
    page = min(max(page, 1), pages)
    result = session.execute(query.limit(per_page).offset((page - 1) * per_page))
    rows = [QueueRow(o, tech, name, due, warn) for o, tech, name, due, warn in result]
    return QueuePage(rows, page, pages, total)


def queue_row(session: Session, org_id: int, order_id: int) -> QueueRow | None:
    """One order's row (for a live update of a single line)."""
    query = queue_query(org_id, QueueFilter()).where(WorkOrder.id == order_id)
    found = session.execute(query).first()
    return QueueRow(*found) if found else None
