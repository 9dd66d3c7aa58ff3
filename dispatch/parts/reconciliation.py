"""Reconciliation — the warehouse's home page: per job and part, what was issued, consumed,
returned, written off and is still out; the discrepancies with their age.

Lines cover the jobs with any movement or write-off booked in the month; their figures are
cumulative up to the month's end, so a job issued in one month and finished in the next
reads whole.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from dispatch import clock
from dispatch.assign.models import AssigneeKind, Technician
from dispatch.orders.models import Status, WorkOrder
from dispatch.parts.closing import month_bounds
from dispatch.parts.models import DocKind, DocState, DocumentLine, Part, PartDocument, StockMove
from dispatch.parts.returns_models import Disposition, ExpectedReturn, ReturnedPart

#: The export's fixed column keys, in order (the CSV's first row; documented in the README).
COLUMNS = (
    "month",
    "work_order",
    "technician",
    "station",
    "part_number",
    "part_name",
    "issued",
    "consumed",
    "returned",
    "written_off",
    "still_out",
    "discrepancies",
)

#: Each discrepancy's name in the reader's language: the warehouse's pages, its workbook and the
#: monthly report all say the same.
DISCREPANCY_LABEL = {
    "old_part_late": _l("old part not back"),
    "quantity_mismatch": _l("quantities do not match"),
    "unexpected_return": _l("returned part nobody expected"),
    "serial_mismatch": _l("serial is not the one fitted"),
    "van_closed_job": _l("van holds stock for a closed job"),
}


def discrepancy_label(kind: str) -> str:
    return str(DISCREPANCY_LABEL.get(kind, kind))


@dataclass
class Line:
    work_order_id: int
    part_id: int
    issued: int = 0
    consumed: int = 0
    returned: int = 0
    written_off: int = 0
    sent_back: int = 0
    #: Filled by ``month``: the order, the part, the technician or station.
    order: OrderRef | None = None
    part: PartRef | None = None
    technician: Technician | None = None
    discrepancies: list[str] = field(default_factory=list)

    @property
    def still_out(self) -> int:
        return max(0, self.issued - self.sent_back - self.written_off)


@dataclass
class Discrepancy:
    kind: str  #: old_part_late, quantity_mismatch, unexpected_return, serial_mismatch, van_closed_job
    since: datetime
    work_order: OrderRef | WorkOrder | None
    part: PartRef | Part | None
    detail: str = ""
    document: PartDocument | None = None

    def age_days(self, now: datetime) -> int:
        return max(0, (now - self.since) // timedelta(days=1))


@dataclass(frozen=True)
class OrderRef:
    """What a reconciliation line needs of its work order (rows, not mapped objects: a month can
    hold tens of thousands of lines)."""

    id: int
    reference: str
    assignee_id: int | None


@dataclass(frozen=True)
class PartRef:
    id: int
    number: str
    name_zh: str
    name_en: str

    def name(self, locale: str) -> str:
        return self.name_zh if locale.startswith("zh") else self.name_en


def _active(org_id: int, month_text: str):
    """The jobs with a movement or a write-off booked in the month."""
    start, end = month_bounds(month_text)
    return (
        sa.select(StockMove.work_order_id)
        .where(
            StockMove.org_id == org_id,
            StockMove.booked_on >= start,
            StockMove.booked_on < end,
            StockMove.work_order_id.is_not(None),
        )
        .union(
            sa.select(PartDocument.work_order_id).where(
                PartDocument.org_id == org_id,
                PartDocument.kind == DocKind.WRITE_OFF,
                PartDocument.booked_on >= start,
                PartDocument.booked_on < end,
            )
        )
    )


def month(session: Session, org_id: int, month_text: str) -> list[Line]:
    _start, end = month_bounds(month_text)
    active = _active(org_id, month_text)
    lines: dict[tuple[int, int], Line] = {}

    def line(order_id: int, part_id: int) -> Line:
        found = lines.get((order_id, part_id))
        if found is None:
            found = lines[(order_id, part_id)] = Line(order_id, part_id)
        return found

    # Summed in SQL, one row per job and part: a month at a million movements is ~100 000 rows
    # of movements, which Python need not see one by one.
    kind, state, qty = PartDocument.kind, PartDocument.state, StockMove.quantity
    rows = session.execute(
        sa.select(
            StockMove.work_order_id,
            StockMove.part_id,
            sa.func.sum(sa.case((kind == DocKind.REQUISITION, qty), else_=0)),
            sa.func.sum(
                sa.case((sa.and_(kind == DocKind.CONSUMPTION, state == DocState.BOOKED), qty), else_=0)
            ),
            sa.func.sum(sa.case((kind == DocKind.RETURN_RECEIPT, qty), else_=0)),
            sa.func.sum(sa.case((kind == DocKind.TRANSFER, qty), else_=0)),
        )
        .join(PartDocument, PartDocument.id == StockMove.document_id)
        .where(StockMove.work_order_id.in_(active), StockMove.booked_on < end)
        .group_by(StockMove.work_order_id, StockMove.part_id)
    )
    for order_id, part_id, issued, consumed, returned, sent_back in rows:
        if issued or consumed or returned or sent_back:
            target = line(order_id, part_id)
            target.issued += int(issued)
            target.consumed += int(consumed)
            target.returned += int(returned)
            target.sent_back += int(sent_back)
    written = session.execute(
        sa.select(PartDocument.work_order_id, DocumentLine.part_id, sa.func.sum(DocumentLine.quantity))
        .join(PartDocument, PartDocument.id == DocumentLine.document_id)
        .where(
            PartDocument.org_id == org_id,
            PartDocument.kind == DocKind.WRITE_OFF,
            PartDocument.work_order_id.in_(active),
            PartDocument.booked_on < end,
        )
        .group_by(PartDocument.work_order_id, DocumentLine.part_id)
    )
    for order_id, part_id, total in written:
        line(order_id, part_id).written_off += int(total)
    orders = {
        row[0]: OrderRef(*row)
        for row in session.execute(
            sa.select(WorkOrder.id, WorkOrder.reference, WorkOrder.assignee_id).where(
                WorkOrder.id.in_(active)
            )
        )
    }
    parts = {
        row[0]: PartRef(*row)
        for row in session.execute(
            sa.select(Part.id, Part.number, Part.name_zh, Part.name_en).where(Part.org_id == org_id)
        )
    }
    _fill(session, lines, orders, parts, _holders(session, active, end))
    return sorted(
        lines.values(), key=lambda x: (x.order.reference if x.order else "", x.part.number if x.part else "")
    )


def order_refs(session: Session, ids) -> dict[int, OrderRef]:
    ids = sorted(set(ids))
    found: dict[int, OrderRef] = {}
    for start in range(0, len(ids), 900):
        rows = session.execute(
            sa.select(WorkOrder.id, WorkOrder.reference, WorkOrder.assignee_id).where(
                WorkOrder.id.in_(ids[start : start + 900])
            )
        )
        found.update({row[0]: OrderRef(*row) for row in rows})
    return found


def part_refs(session: Session, ids) -> dict[int, PartRef]:
    ids = sorted(set(ids))
    found: dict[int, PartRef] = {}
    for start in range(0, len(ids), 900):
        rows = session.execute(
            sa.select(Part.id, Part.number, Part.name_zh, Part.name_en).where(
                Part.id.in_(ids[start : start + 900])
            )
        )
        found.update({row[0]: PartRef(*row) for row in rows})
    return found


def _holders(session: Session, active, end) -> dict[tuple[int, int], int]:
    """Whose van or station holds each job's part: the technician (or station) of the latest
    requisition issued for it; without an issue, of the latest consumption booked from a van."""
    kind = PartDocument.kind
    rows = session.execute(
        sa.select(
            StockMove.work_order_id,
            StockMove.part_id,
            PartDocument.technician_id,
            kind,
            sa.func.max(StockMove.id),
        )
        .join(PartDocument, PartDocument.id == StockMove.document_id)
        .where(
            StockMove.work_order_id.in_(active),
            StockMove.booked_on < end,
            PartDocument.technician_id.is_not(None),
            kind.in_([DocKind.REQUISITION, DocKind.CONSUMPTION]),
        )
        .group_by(StockMove.work_order_id, StockMove.part_id, PartDocument.technician_id, kind)
    )
    latest: dict[tuple[int, int], tuple[bool, int, int]] = {}
    for order_id, part_id, technician_id, doc_kind, move_id in rows:
        rank = (doc_kind == DocKind.REQUISITION, move_id, technician_id)
        if rank > latest.get((order_id, part_id), (False, 0, 0)):
            latest[(order_id, part_id)] = rank
    return {pair: rank[2] for pair, rank in latest.items()}


def _fill(
    session: Session,
    lines: dict[tuple[int, int], Line],
    orders: dict[int, OrderRef],
    parts: dict[int, PartRef],
    holders: dict[tuple[int, int], int],
) -> None:
    wanted = set(holders.values()) | {o.assignee_id for o in orders.values() if o.assignee_id}
    techs = {t.id: t for t in session.scalars(sa.select(Technician).where(Technician.id.in_(wanted)))}
    for (order_id, part_id), item in lines.items():
        item.order = orders.get(order_id)
        item.part = parts.get(part_id)
        # The parts are chased where they went; the job's assignee only when no van took them.
        holder = holders.get((order_id, part_id)) or (item.order.assignee_id if item.order else None)
        item.technician = techs.get(holder) if holder else None


def by_technician(lines: list[Line]) -> list[tuple[Technician | None, dict[str, int]]]:
    """The lines summed per technician or service station."""
    totals: dict[int | None, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    who: dict[int | None, Technician | None] = {}
    for item in lines:
        key = item.technician.id if item.technician else None
        who[key] = item.technician
        for name in ("issued", "consumed", "returned", "written_off", "still_out"):
            totals[key][name] += getattr(item, name)
    return sorted(
        ((who[k], dict(v)) for k, v in totals.items()),
        key=lambda pair: (pair[0] is None, pair[0].code if pair[0] else ""),
    )


def is_station(tech: Technician | None) -> bool:
    return tech is not None and tech.kind is AssigneeKind.STATION


def discrepancies(
    session: Session, org_id: int, return_days: int, now: datetime | None = None, *, month: str | None = None
) -> list[Discrepancy]:
    """Everything that does not add up today, oldest first. With ``month``, a van's stock for a
    closed job is looked for among the jobs that moved parts in that month only."""
    now = now or clock.now()
    found: list[Discrepancy] = []
    late = now - timedelta(days=return_days)
    for expected in session.scalars(
        sa.select(ExpectedReturn).where(
            ExpectedReturn.org_id == org_id,
            ExpectedReturn.cancelled.is_(False),
            ExpectedReturn.received_quantity < ExpectedReturn.quantity,
            ExpectedReturn.expected_at <= late,
        )
    ):
        found.append(
            Discrepancy(
                "old_part_late",
                expected.expected_at,
                expected.work_order,
                expected.part,
                f"{expected.outstanding}"
                + (f" · {expected.serial_removed}" if expected.serial_removed else ""),
            )
        )
    short = session.execute(
        sa.select(PartDocument, DocumentLine)
        .join(DocumentLine, DocumentLine.document_id == PartDocument.id)
        .where(
            PartDocument.org_id == org_id,
            PartDocument.kind == DocKind.CONSUMPTION,
            PartDocument.state == DocState.BOOKED,
            DocumentLine.booked_quantity < DocumentLine.quantity,
        )
    )
    for document, doc_line in short:
        found.append(
            Discrepancy(
                "quantity_mismatch",
                document.created_at,
                document.work_order,
                doc_line.part,
                f"{doc_line.part_number}: {doc_line.quantity} / {doc_line.booked_quantity}",
                document,
            )
        )
    for returned in session.scalars(
        sa.select(ReturnedPart).where(
            ReturnedPart.org_id == org_id,
            ReturnedPart.disposition == Disposition.PENDING,
            sa.or_(ReturnedPart.unexpected.is_(True), ReturnedPart.serial_mismatch.is_(True)),
        )
    ):
        kind = "unexpected_return" if returned.unexpected else "serial_mismatch"
        detail = returned.serial or ""
        if returned.serial_mismatch and returned.expected is not None:
            detail = f"{returned.serial} ≠ {returned.expected.serial_removed}"
        found.append(
            Discrepancy(
                kind, returned.received_at, returned.work_order, returned.part, detail, returned.document
            )
        )
    found.extend(_vans_holding_closed_jobs(session, org_id, month))
    return sorted(found, key=lambda d: d.since)


def _vans_holding_closed_jobs(session: Session, org_id: int, month: str | None) -> list[Discrepancy]:
    kind, state, qty = PartDocument.kind, PartDocument.state, StockMove.quantity
    # Issued for the job, less what came back unused and what the job consumed (booked).
    held_sum = sa.func.sum(
        sa.case(
            (kind == DocKind.REQUISITION, qty),
            (sa.or_(kind == DocKind.TRANSFER, state == DocState.BOOKED), -qty),
            else_=0,
        )
    )
    query = (
        sa.select(StockMove.work_order_id, StockMove.part_id, WorkOrder.closed_at, held_sum)
        .join(PartDocument, PartDocument.id == StockMove.document_id)
        .join(WorkOrder, WorkOrder.id == StockMove.work_order_id)
        .where(
            WorkOrder.org_id == org_id,
            WorkOrder.status.in_([Status.CLOSED, Status.CANCELLED]),
            kind.in_([DocKind.REQUISITION, DocKind.CONSUMPTION, DocKind.TRANSFER]),
        )
        .group_by(StockMove.work_order_id, StockMove.part_id, WorkOrder.closed_at)
        .having(held_sum > 0)
    )
    if month is not None:
        query = query.where(StockMove.work_order_id.in_(_active(org_id, month)))
    held: dict[tuple[int, int], int] = {}
    closed: dict[int, datetime] = {}
    for order_id, part_id, closed_at, total in session.execute(query):
        closed[order_id] = closed_at
        held[(order_id, part_id)] = int(total)
    open_pairs = [pair for pair, qty in held.items() if qty > 0]
    orders = order_refs(session, (p[0] for p in open_pairs))
    parts = part_refs(session, (p[1] for p in open_pairs))
    now = clock.now()
    return [
        Discrepancy("van_closed_job", closed[o] or now, orders[o], parts[p], str(held[(o, p)]))
        for o, p in open_pairs
    ]
