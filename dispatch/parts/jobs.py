"""What a job does to the ledger: consumption booked from a submitted service report, reversed
when the report is voided, old parts expected back, and the write-off (销帐) of what was issued.

These are plain operations over report lines (``ReportLine``); ``dispatch.parts.hooks`` is the
single place that calls them from the service reports' signals.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from dispatch.assign.models import Technician
from dispatch.auth.models import User
from dispatch.orders.models import WorkOrder
from dispatch.parts import catalog, ledger, locations, returns
from dispatch.parts.documents import APPROVERS
from dispatch.parts.errors import NotAllowed, PartsError, UnknownPart
from dispatch.parts.ledger import Move
from dispatch.parts.models import DocKind, DocState, DocumentLine, LocationKind, Part, PartDocument, StockMove
from dispatch.parts.returns_models import ExpectedReturn


@dataclass(frozen=True)
class ReportLine:
    """One part line of a service report, as the ledger needs it."""

    part_number: str
    quantity: int
    old_part_returns: bool = False
    serial_fitted: str | None = None
    serial_removed: str | None = None


def book_consumption(
    session: Session,
    order: WorkOrder,
    lines: Iterable[ReportLine],
    *,
    report_id: int | None,
    technician: Technician | None,
    on: date | None = None,
) -> PartDocument | None:
    """Consumption (van → customer) of a submitted report, once per report; old parts expected.

    The customer's report is never refused for the warehouse's sake: a line naming a part the
    catalog does not know, or more than the van holds, is booked as far as it can be and the
    difference shows on the reconciliation as a quantity that does not match.

    ``on``: the day the work was done. When that month is closed already, the consumption is a
    late document: booked today, in the open month, keeping its own date as a reference."""
    if report_id is not None and session.scalar(
        sa.select(PartDocument.id).where(
            PartDocument.kind == DocKind.CONSUMPTION,
            PartDocument.report_id == report_id,
            PartDocument.state == DocState.BOOKED,
        )
    ):
        return None
    lines = [line for line in lines if line.quantity and line.quantity > 0]
    if not lines:
        return None
    technician = technician or (session.get(Technician, order.assignee_id) if order.assignee_id else None)
    van = locations.of_technician(session, technician) if technician else None
    customers = locations.single(session, order.org_id, LocationKind.CUSTOMER)
    doc = ledger.new_document(
        session,
        order.org_id,
        DocKind.CONSUMPTION,
        DocState.BOOKED,
        on=on,
        late=True,
        work_order_id=order.id,
        technician_id=technician.id if technician else None,
        location_id=van.id if van else None,
        report_id=report_id,
    )
    taken: dict[int, int] = defaultdict(int)
    # Packed before the report was submitted (or before this revision): already on its way.
    packed = returns.packed_times(session, order.id)
    for line in lines:
        try:
            part = catalog.find(session, order.org_id, line.part_number)
        except UnknownPart:
            part = None
        booked = 0
        if part is not None and van is not None:
            available = ledger.on_hand_of(session, van.id, part.id) - taken[part.id]
            booked = max(0, min(int(line.quantity), available))
            if booked:
                ledger.move(
                    session, doc, Move(part, van, customers, booked, "consumption", line.serial_fitted)
                )
                taken[part.id] += booked
        doc.lines.append(
            DocumentLine(
                part_id=part.id if part else None,
                part_number=line.part_number[:40],
                quantity=int(line.quantity),
                booked_quantity=booked,
                serial=line.serial_fitted,
            )
        )
        if part is not None and (line.old_part_returns or part.returns_required):
            session.add(
                ExpectedReturn(
                    org_id=order.org_id,
                    work_order_id=order.id,
                    part_id=part.id,
                    quantity=int(line.quantity),
                    report_id=report_id,
                    technician_id=technician.id if technician else None,
                    serial_removed=line.serial_removed,
                    serial_fitted=line.serial_fitted,
                    packed_at=packed.get(catalog.normalise_number(part.number)),
                )
            )
    session.flush()
    return doc


def reverse_consumption(session: Session, report_id: int) -> PartDocument | None:
    """A voided report gives its consumption back (customer → van) and withdraws the old parts
    it expected but that have not arrived; the next revision books afresh."""
    doc = session.scalar(
        sa.select(PartDocument).where(
            PartDocument.kind == DocKind.CONSUMPTION,
            PartDocument.report_id == report_id,
            PartDocument.state == DocState.BOOKED,
        )
    )
    if doc is None:
        return None
    back = [
        Move(m.part, m.to_location, m.from_location, m.quantity, "consumption reversed", m.serial)
        for m in doc.moves
    ]
    reversal = ledger.new_document(
        session,
        doc.org_id,
        DocKind.CONSUMPTION,
        DocState.VOID,
        late=True,
        work_order_id=doc.work_order_id,
        technician_id=doc.technician_id,
        location_id=doc.location_id,
        reason=f"reverses {doc.number}",
    )
    ledger.move_many(session, reversal, back)
    doc.state = DocState.VOID
    for expected in session.scalars(sa.select(ExpectedReturn).where(ExpectedReturn.report_id == report_id)):
        if expected.received_quantity == 0:
            expected.cancelled = True
    session.flush()
    return reversal


def job_figures(session: Session, order_id: int) -> dict[int, dict[str, int]]:
    """Per part id: issued to the van for the job, consumed, sent back unused, written off."""
    figures: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    rows = session.execute(
        sa.select(PartDocument.kind, PartDocument.state, StockMove.part_id, sa.func.sum(StockMove.quantity))
        .join(PartDocument, PartDocument.id == StockMove.document_id)
        .where(StockMove.work_order_id == order_id)
        .group_by(PartDocument.kind, PartDocument.state, StockMove.part_id)
    )
    for kind, state, part_id, total in rows:
        if kind is DocKind.REQUISITION:
            figures[part_id]["issued"] += int(total)
        elif kind is DocKind.CONSUMPTION and state is DocState.BOOKED:
            figures[part_id]["consumed"] += int(total)
        elif kind is DocKind.TRANSFER:
            figures[part_id]["sent_back"] += int(total)
    written = session.execute(
        sa.select(DocumentLine.part_id, sa.func.sum(DocumentLine.quantity))
        .join(PartDocument, PartDocument.id == DocumentLine.document_id)
        .where(PartDocument.kind == DocKind.WRITE_OFF, PartDocument.work_order_id == order_id)
        .group_by(DocumentLine.part_id)
    )
    for part_id, total in written:
        figures[part_id]["written_off"] += int(total)
    return figures


#: Tells the write-off the state of a job's current service report ("approved", …) or None.
#: ``dispatch.parts.hooks`` sets it to read the service reports.
report_state: Callable[[Session, int], str | None] = lambda session, order_id: None  # noqa: E731


def write_off(
    session: Session,
    order: WorkOrder,
    user: User,
    *,
    exception_reason: str = "",
    approver: User | None = None,
) -> PartDocument:
    """销帐 of what the job consumed and was not yet written off.

    Needs the job's service report approved by a supervisor (signed where its type requires)
    and every old part that must come back received. Otherwise only as a documented exception:
    a reason and a supervisor's approval. Raises PartsError / NotAllowed; writes nothing then."""
    if user.org_id != order.org_id:
        raise NotAllowed(_("That belongs to another organisation."))
    figures = job_figures(session, order.id)
    due = {
        pid: f["consumed"] - f["written_off"]
        for pid, f in figures.items()
        if f["consumed"] > f["written_off"]
    }
    if not due:
        raise PartsError(_("Nothing of job %(ref)s is left to write off.") % {"ref": order.reference})
    missing = []
    if report_state(session, order.id) != "approved":
        missing.append(_("the service report is not signed and approved"))
    outstanding = session.scalar(
        sa.select(sa.func.count())
        .select_from(ExpectedReturn)
        .where(
            ExpectedReturn.work_order_id == order.id,
            ExpectedReturn.cancelled.is_(False),
            ExpectedReturn.received_quantity < ExpectedReturn.quantity,
        )
    )
    if outstanding:
        missing.append(_("the old part has not come back"))
    if missing and not exception_reason.strip():
        raise PartsError(
            _(
                "No write-off for job %(ref)s: %(why)s. Only a documented exception approved by "
                "a supervisor can do it."
            )
            % {"ref": order.reference, "why": "; ".join(missing)}
        )
    if missing and (approver is None or not approver.has_role(*APPROVERS) or approver.org_id != order.org_id):
        raise NotAllowed(_("An exception must be approved by a supervisor of the organisation."))
    doc = ledger.new_document(
        session,
        order.org_id,
        DocKind.WRITE_OFF,
        DocState.BOOKED,
        late=True,
        work_order_id=order.id,
        technician_id=order.assignee_id,
        created_by_id=user.id,
        approved_by_id=approver.id if missing else None,
        exception=bool(missing),
        reason=exception_reason.strip() if missing else "",
        data={"missing": missing},
    )
    for part_id, qty in sorted(due.items()):
        number = session.get(Part, part_id).number
        doc.lines.append(DocumentLine(part_id=part_id, part_number=number, quantity=qty, booked_quantity=qty))
    session.flush()
    return doc
