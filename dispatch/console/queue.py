"""The dispatcher's queue: open orders sorted by their next due milestone, filtered and searched.

A page costs five queries whatever the number of open orders: the count, the page's order ids
sorted by their next due time (``WorkOrder.next_due_at``, kept by the deadline engine and
indexed with the organisation), those orders with their assignees, the names of their next
milestones, and the offers still waiting for an answer (who holds an offered job, since when and
until when).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm
from sqlalchemy.orm import Session

from dispatch import clock
from dispatch.assign.models import Offer, OfferState
from dispatch.console.holders import pending_holders
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
    #: Technicians an open offer of the job waits on (console.holders.Holder), oldest first.
    holders: tuple = ()

    def state(self, now: datetime) -> str:
        """on_track, at_risk (past the warning share), breached, or none (no clock running)."""
        if self.next_due_at is None:
            return "none"
        if now > self.next_due_at:
            return "breached"
        if self.next_warn_at is not None and now >= self.next_warn_at:
            return "at_risk"
        return "on_track"


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _filtered(query: sa.Select, org_id: int, flt: QueueFilter, now: datetime) -> sa.Select:
    query = query.where(WorkOrder.org_id == org_id, WorkOrder.status.not_in(FINAL))
    if flt.statuses:
        query = query.where(WorkOrder.status.in_(flt.statuses))
    if flt.type_code:
        query = query.where(WorkOrder.type_code == flt.type_code)
    if flt.status:
        query = query.where(WorkOrder.status == Status(flt.status))
    if flt.zone:
        query = query.where(WorkOrder.zone == flt.zone)
    if flt.technician_id:
        # His jobs: those he holds and those offered to him that wait for his answer.
        offered_to_him = sa.exists().where(
            Offer.work_order_id == WorkOrder.id,
            Offer.technician_id == flt.technician_id,
            Offer.state == OfferState.PENDING,
        )
        query = query.where(sa.or_(WorkOrder.assignee_id == flt.technician_id, offered_to_him))
    if flt.at_risk_only:
        # At risk or breached: some running milestone is past its warning time.
        query = query.where(WorkOrder.next_warn_at <= now)
    if flt.search:
        query = query.where(_search_clause(flt.search, org_id))
    return query


def queue_query(org_id: int, flt: QueueFilter, now: datetime | None = None) -> sa.Select:
    """Order ids soonest due first (``WorkOrder.next_due_at``, kept by the deadline engine);
    orders with no running clock last, ties by report time — the order of the index
    (org_id, next_due_at, reported_at, id)."""
    now = now or clock.now()
    query = _filtered(sa.select(WorkOrder.id), org_id, flt, now)
    return query.order_by(WorkOrder.next_due_at.asc().nulls_last(), WorkOrder.reported_at, WorkOrder.id)


#: Digits of a reference's number (WO-2026-000123): a search of this many digits or fewer, and
#: nothing else, is read as a reference number first.
REFERENCE_DIGITS = 6


def _search_clause(text: str, org_id: int) -> sa.ColumnElement[bool]:
    """A reference (WO-2026-000123), a phone number (any four or more of its digits), an address.

    Digits alone, six or fewer, are a reference's number, leading zeros or not (3, 03 and
    000003 find WO-2026-000003): when an open order of the organisation has that number, only
    it is found; otherwise they are looked for in phone numbers (four or more) and addresses.
    Digits alone are never looked for inside references (2026 is in every one of the year).
    """
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    only_digits = text.isascii() and text.isdigit()
    clauses = [WorkOrder.address.ilike(f"%{escaped}%", escape="\\")]
    if not only_digits:
        # Digits alone are no part of a reference to look for anywhere in it: every one has the
        # year's digits.
        clauses.append(WorkOrder.reference.ilike(f"%{escaped}%", escape="\\"))
    number = _digits(text).lstrip("0")
    if len(number) >= 4:
        # Numbers are stored in E.164: 13812345678 is found as +8613812345678.
        clauses.append(WorkOrder.reporter_phone.like(f"%{number}%"))
    if not (only_digits and len(text) <= REFERENCE_DIGITS and number):
        return sa.or_(*clauses)
    reference = f"%-{number.zfill(REFERENCE_DIGITS)}"
    other = sa.orm.aliased(WorkOrder)
    number_is_open = sa.exists().where(
        other.org_id == org_id, other.status.not_in(FINAL), other.reference.like(reference)
    )
    return sa.or_(WorkOrder.reference.like(reference), sa.and_(~number_is_open, sa.or_(*clauses)))


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


def _next_names(session: Session, order_ids: list[int]) -> dict[int, str]:
    """The name of the unmet milestone due first of each order, for a page of orders, in one
    query (the times themselves are on the order)."""
    found: dict[int, str] = {}
    if not order_ids:
        return found
    for order_id, name in session.execute(
        sa.select(Milestone.order_id, Milestone.name)
        .where(Milestone.order_id.in_(order_ids), Milestone.met_at.is_(None), Milestone.due_at.is_not(None))
        .order_by(Milestone.order_id, Milestone.due_at, Milestone.id)
    ):
        found.setdefault(order_id, name)
    return found


def _rows(session: Session, ids: list[int]) -> list[QueueRow]:
    orders = {
        o.id: o
        for o in session.scalars(
            sa.select(WorkOrder).where(WorkOrder.id.in_(ids)).options(sa.orm.joinedload(WorkOrder.assignee))
        )
    }
    names = _next_names(session, ids)
    waiting = pending_holders(session, ids)
    out = []
    for order_id in ids:
        order = orders[order_id]
        out.append(
            QueueRow(
                order,
                order.assignee.name if order.assignee else None,
                names.get(order_id),
                order.next_due_at,
                order.next_warn_at,
                tuple(waiting.get(order_id, ())),
            )
        )
    return out


def queue_page(
    session: Session, org_id: int, flt: QueueFilter, page: int = 1, per_page: int = PAGE_SIZE
) -> QueuePage:
    """A page of the queue in five queries whatever the number of open orders (see the module)."""
    now = clock.now()
    count = _filtered(sa.select(sa.func.count(WorkOrder.id)), org_id, flt, now)
    total = session.scalar(count) or 0
    pages = max((total + per_page - 1) // per_page, 1)
    page = min(max(page, 1), pages)
    ids = list(session.scalars(queue_query(org_id, flt, now).limit(per_page).offset((page - 1) * per_page)))
    return QueuePage(_rows(session, ids), page, pages, total)


def queue_row(session: Session, org_id: int, order_id: int) -> QueueRow | None:
    """One order's row (for a live update of a single line); None once it left the queue."""
    ids = list(session.scalars(queue_query(org_id, QueueFilter()).where(WorkOrder.id == order_id)))
    return _rows(session, ids)[0] if ids else None
