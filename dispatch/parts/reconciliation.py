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
    order: WorkOrder | None = None
    part: Part | None = None
    technician: Technician | None = None
    discrepancies: list[str] = field(default_factory=list)

    @property
    def still_out(self) -> int:
        return max(0, self.issued - self.sent_back - self.written_off)


@dataclass
class Discrepancy:
    kind: str  #: old_part_late, quantity_mismatch, unexpected_return, serial_mismatch, van_closed_job
    since: datetime
    work_order: WorkOrder | None
    part: Part | None
    detail: str = ""
    document: PartDocument | None = None

    def age_days(self, now: datetime) -> int:
        return max(0, (now - self.since) // timedelta(days=1))


_KIND_FIGURE = {
    DocKind.REQUISITION: "issued",
    DocKind.RETURN_RECEIPT: "returned",
    DocKind.TRANSFER: "sent_back",
}


def month(session: Session, org_id: int, month_text: str) -> list[Line]:
    start, end = month_bounds(month_text)
    active = (
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
    lines: dict[tuple[int, int], Line] = {}

    def line(order_id: int, part_id: int) -> Line:
        return lines.setdefault((order_id, part_id), Line(order_id, part_id))

    rows = session.execute(
        sa.select(
            StockMove.work_order_id,
            StockMove.part_id,
            PartDocument.kind,
            PartDocument.state,
            sa.func.sum(StockMove.quantity),
        )
        .join(PartDocument, PartDocument.id == StockMove.document_id)
        .where(StockMove.work_order_id.in_(active), StockMove.booked_on < end)
        .group_by(StockMove.work_order_id, StockMove.part_id, PartDocument.kind, PartDocument.state)
    )
    for order_id, part_id, kind, state, total in rows:
        if kind is DocKind.CONSUMPTION:
            if state is DocState.BOOKED:
                line(order_id, part_id).consumed += int(total)
        elif kind in _KIND_FIGURE:
            figure = _KIND_FIGURE[kind]
            target = line(order_id, part_id)
            setattr(target, figure, getattr(target, figure) + int(total))
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
    _fill(session, lines)
    return sorted(
        lines.values(), key=lambda x: (x.order.reference if x.order else "", x.part.number if x.part else "")
    )


def _fill(session: Session, lines: dict[tuple[int, int], Line]) -> None:
    order_ids = sorted({k[0] for k in lines})
    part_ids = sorted({k[1] for k in lines})
    orders: dict[int, WorkOrder] = {}
    for chunk in range(0, len(order_ids), 900):
        orders.update(
            {
                o.id: o
                for o in session.scalars(
                    sa.select(WorkOrder).where(WorkOrder.id.in_(order_ids[chunk : chunk + 900]))
                )
            }
        )
    parts: dict[int, Part] = {}
    for chunk in range(0, len(part_ids), 900):
        parts.update(
            {
                p.id: p
                for p in session.scalars(sa.select(Part).where(Part.id.in_(part_ids[chunk : chunk + 900])))
            }
        )
    techs = {
        t.id: t
        for t in session.scalars(
            sa.select(Technician).where(
                Technician.id.in_({o.assignee_id for o in orders.values() if o.assignee_id})
            )
        )
    }
    for (order_id, part_id), item in lines.items():
        item.order = orders.get(order_id)
        item.part = parts.get(part_id)
        item.technician = techs.get(item.order.assignee_id) if item.order and item.order.assignee_id else None


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
    session: Session, org_id: int, return_days: int, now: datetime | None = None
) -> list[Discrepancy]:
    """Everything that does not add up today, oldest first."""
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
    found.extend(_vans_holding_closed_jobs(session, org_id))
    return sorted(found, key=lambda d: d.since)


def _vans_holding_closed_jobs(session: Session, org_id: int) -> list[Discrepancy]:
    rows = session.execute(
        sa.select(
            StockMove.work_order_id,
            StockMove.part_id,
            PartDocument.kind,
            PartDocument.state,
            sa.func.sum(StockMove.quantity),
        )
        .join(PartDocument, PartDocument.id == StockMove.document_id)
        .join(WorkOrder, WorkOrder.id == StockMove.work_order_id)
        .where(
            StockMove.org_id == org_id,
            WorkOrder.status.in_([Status.CLOSED, Status.CANCELLED]),
            PartDocument.kind.in_([DocKind.REQUISITION, DocKind.CONSUMPTION, DocKind.TRANSFER]),
        )
        .group_by(StockMove.work_order_id, StockMove.part_id, PartDocument.kind, PartDocument.state)
    )
    held: dict[tuple[int, int], int] = defaultdict(int)
    for order_id, part_id, kind, state, total in rows:
        if kind is DocKind.REQUISITION:
            held[(order_id, part_id)] += int(total)
        elif kind is DocKind.TRANSFER or state is DocState.BOOKED:
            held[(order_id, part_id)] -= int(total)
    found = []
    for (order_id, part_id), qty in held.items():
        if qty > 0:
            order = session.get(WorkOrder, order_id)
            found.append(
                Discrepancy(
                    "van_closed_job",
                    order.closed_at or order.updated_at,
                    order,
                    session.get(Part, part_id),
                    str(qty),
                )
            )
    return found
