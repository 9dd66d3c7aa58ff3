"""The warehouse's documents that move new parts: goods receipts, requisitions and their issue,
field purchases, shipments to service stations, transfers and stock counts.

Every operation checks everything before it writes anything, flushes, and never commits.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from dispatch import clock
from dispatch.assign.models import Technician
from dispatch.auth.models import Role, User
from dispatch.orders.models import WorkOrder
from dispatch.parts import ledger, locations, notices
from dispatch.parts.errors import NotAllowed, PartsError
from dispatch.parts.ledger import Move
from dispatch.parts.models import (
    DocKind,
    DocState,
    DocumentLine,
    LocationKind,
    Part,
    PartDocument,
    StockLocation,
)

Lines = Iterable[tuple[Part, int]]
APPROVERS = (Role.SUPERVISOR, Role.ADMIN)


def _lines(lines: Lines) -> list[tuple[Part, int]]:
    checked = [(part, ledger.quantity(qty)) for part, qty in lines]
    if not checked:
        raise PartsError(_("A document needs at least one part."))
    return checked


def _add_lines(document: PartDocument, lines: list[tuple[Part, int]], booked: bool) -> None:
    for part, qty in lines:
        document.lines.append(
            DocumentLine(
                part_id=part.id, part_number=part.number, quantity=qty, booked_quantity=qty if booked else 0
            )
        )


def _same_org(org_id: int, *things) -> None:
    if any(t is not None and t.org_id != org_id for t in things):
        raise PartsError(_("That belongs to another organisation."))


def receive_goods(
    session: Session, org_id: int, supplier: StockLocation, lines: Lines, user: User | None, note: str = ""
) -> PartDocument:
    """备用件接收单: supplier → central warehouse."""
    lines = _lines(lines)
    if supplier.kind is not LocationKind.SUPPLIER:
        raise PartsError(_("Goods are received from a supplier."))
    _same_org(org_id, supplier, user, *(p for p, _q in lines))
    doc = ledger.new_document(
        session,
        org_id,
        DocKind.RECEIPT,
        DocState.BOOKED,
        created_by_id=user.id if user else None,
        reason=note,
        location_id=supplier.id,
    )
    target = locations.warehouse(session, org_id)
    ledger.move_many(session, doc, [Move(p, supplier, target, q, "goods receipt") for p, q in lines])
    _add_lines(doc, lines, booked=True)
    session.flush()
    return doc


def request_parts(
    session: Session,
    tech: Technician,
    order: WorkOrder | None,
    lines: Lines,
    requested_by: User | None = None,
    note: str = "",
) -> PartDocument:
    """领料单: a technician (or a dispatcher for them) asks for parts for a job."""
    lines = _lines(lines)
    _same_org(tech.org_id, order, requested_by, *(p for p, _q in lines))
    van = locations.of_technician(session, tech)
    requester = requested_by.id if requested_by else tech.user_id
    doc = ledger.new_document(
        session,
        tech.org_id,
        DocKind.REQUISITION,
        DocState.REQUESTED,
        technician_id=tech.id,
        work_order_id=order.id if order else None,
        location_id=van.id,
        created_by_id=requester,
        reason=note,
    )
    _add_lines(doc, lines, booked=False)
    session.flush()
    return doc


def ask_for_job(
    session: Session, tech: Technician, order: WorkOrder, code: str, quantity: object, via: str
) -> tuple[PartDocument, Part]:
    """A technician asks for parts for his job by part number or nickname — the one operation
    behind the SMS word and the mobile page's form (``via`` says which, kept as the note).
    Raises UnknownPart (with the nearest numbers) or PartsError; writes nothing then."""
    from dispatch.parts import catalog

    part = catalog.find(session, tech.org_id, code)
    return request_parts(session, tech, order, [(part, quantity)], note=via), part


def is_own(document: PartDocument, user: User) -> bool:
    """Whether ``user`` asked for the requisition, or is the technician it is for."""
    return user.id == document.created_by_id or (
        document.technician is not None and document.technician.user_id == user.id
    )


def _approver(document: PartDocument, user: User) -> None:
    if not user.has_role(*APPROVERS) or user.org_id != document.org_id:
        raise NotAllowed(_("Only a supervisor of the organisation approves this."))
    if is_own(document, user):
        raise PartsError(_("Nobody approves their own requisition: another supervisor must."))


def approve(session: Session, document: PartDocument, user: User) -> PartDocument:
    if document.kind is not DocKind.REQUISITION or document.state is not DocState.REQUESTED:
        raise PartsError(_("Only a requisition waiting for approval can be approved."))
    _approver(document, user)
    document.state = DocState.APPROVED
    document.approved_by_id = user.id
    session.flush()
    notices.approved(session, document)
    return document


def reject(session: Session, document: PartDocument, user: User, reason: str) -> PartDocument:
    if document.kind is not DocKind.REQUISITION or document.state is not DocState.REQUESTED:
        raise PartsError(_("Only a requisition waiting for approval can be rejected."))
    _approver(document, user)
    document.state = DocState.REJECTED
    document.approved_by_id = user.id
    document.data = {**document.data, "rejected": reason}
    session.flush()
    notices.refused(session, document, reason)
    return document


def issue(session: Session, document: PartDocument, user: User | None) -> PartDocument:
    """The warehouse issues an approved requisition to the technician's van (issues only against
    a requisition). All lines or nothing: a shortage refuses the whole issue."""
    if document.kind is not DocKind.REQUISITION or document.state is not DocState.APPROVED:
        raise PartsError(_("Only an approved requisition can be issued."))
    _same_org(document.org_id, user)
    source = locations.warehouse(session, document.org_id)
    ledger.book_date(session, document.org_id)
    document.booked_on = ledger.today()
    ledger.move_many(
        session,
        document,
        [
            Move(
                line.part,
                source,
                document.location,
                line.quantity,
                "issue",
                work_order_id=document.work_order_id,
            )
            for line in document.lines
        ],
    )
    for line in document.lines:
        line.booked_quantity = line.quantity
    document.state = DocState.BOOKED
    document.data = {**document.data, "issued_by": user.id if user else None}
    session.flush()
    notices.issued(session, document)
    return document


def cancel(session: Session, document: PartDocument, user: User, reason: str) -> PartDocument:
    """An approved requisition that will not be issued (the warehouse cannot fill it, or it is
    no longer needed) is void, with the reason. Nothing was booked for it, so nothing moves; the
    technician, told it was approved, is told it is refused and why."""
    if document.kind is not DocKind.REQUISITION or document.state is not DocState.APPROVED:
        raise PartsError(_("Only an approved requisition not yet issued can be cancelled."))
    if not reason.strip():
        raise PartsError(_("Give the reason for cancelling the requisition."))
    _same_org(document.org_id, user)
    document.state = DocState.VOID
    document.data = {**document.data, "cancelled": reason.strip(), "cancelled_by": user.id}
    session.flush()
    notices.refused(session, document, reason)
    return document


def field_purchase(
    session: Session,
    tech: Technician,
    supplier: StockLocation,
    lines: Lines,
    receipt_ref: str,
    cost_cents: int,
    user: User | None,
    order: WorkOrder | None = None,
) -> PartDocument:
    """Parts a technician bought in the field, booked in against their receipt: supplier → van."""
    lines = _lines(lines)
    if not receipt_ref.strip():
        raise PartsError(_("A field purchase is booked against its receipt: give the receipt number."))
    if cost_cents < 0:
        raise PartsError(_("An amount cannot be negative."))
    _same_org(tech.org_id, supplier, user, order, *(p for p, _q in lines))
    van = locations.of_technician(session, tech)
    doc = ledger.new_document(
        session,
        tech.org_id,
        DocKind.FIELD_PURCHASE,
        DocState.BOOKED,
        technician_id=tech.id,
        location_id=van.id,
        work_order_id=order.id if order else None,
        created_by_id=user.id if user else None,
        data={"receipt": receipt_ref.strip(), "cost_cents": cost_cents},
    )
    ledger.move_many(session, doc, [Move(p, supplier, van, q, "field purchase") for p, q in lines])
    _add_lines(doc, lines, booked=True)
    session.flush()
    return doc


def ship_to_station(
    session: Session, station: StockLocation, lines: Lines, postage_cents: int, handler: User
) -> PartDocument:
    """Parts mailed to a service station (its own ledger). The clerk who books the shipment is its
    handler and signs the postage and freight by booking it; a supervisor, another person, signs
    it off with ``sign_postage``."""
    lines = _lines(lines)
    if station.kind is not LocationKind.STATION:
        raise PartsError(_("A shipment goes to a service station."))
    if postage_cents < 0:
        raise PartsError(_("An amount cannot be negative."))
    _same_org(station.org_id, handler, *(p for p, _q in lines))
    doc = ledger.new_document(
        session,
        station.org_id,
        DocKind.SHIPMENT,
        DocState.REQUESTED,
        location_id=station.id,
        technician_id=station.technician_id,
        created_by_id=handler.id,
        handler_signed_by_id=handler.id,
        postage_cents=postage_cents,
        data={"handler_signed_at": clock.now().isoformat()},
    )
    source = locations.warehouse(session, station.org_id)
    ledger.move_many(session, doc, [Move(p, source, station, q, "shipment") for p, q in lines])
    _add_lines(doc, lines, booked=True)
    session.flush()
    return doc


def sign_postage(session: Session, document: PartDocument, supervisor: User) -> PartDocument:
    if document.kind is not DocKind.SHIPMENT or document.state is not DocState.REQUESTED:
        raise PartsError(_("Only a shipment waiting for sign-off can be signed."))
    if not supervisor.has_role(*APPROVERS) or supervisor.org_id != document.org_id:
        raise NotAllowed(_("Only a supervisor of the organisation approves this."))
    if supervisor.id == document.handler_signed_by_id:
        raise PartsError(_("The handler and the supervisor who sign the postage must be two people."))
    document.supervisor_signed_by_id = supervisor.id
    document.approved_by_id = supervisor.id
    document.data = {**document.data, "supervisor_signed_at": clock.now().isoformat()}
    document.state = DocState.BOOKED
    session.flush()
    return document


def transfer(
    session: Session,
    source: StockLocation,
    target: StockLocation,
    lines: Lines,
    user: User | None,
    reason: str,
) -> PartDocument:
    """Between held places: unused parts back from a van, a station's parts back to the warehouse."""
    lines = _lines(lines)
    if not (source.held and target.held):
        raise PartsError(_("A transfer moves parts between the company's own places."))
    _same_org(source.org_id, target, user, *(p for p, _q in lines))
    doc = ledger.new_document(
        session,
        source.org_id,
        DocKind.TRANSFER,
        DocState.BOOKED,
        location_id=source.id,
        technician_id=source.technician_id,
        created_by_id=user.id if user else None,
        reason=reason,
    )
    ledger.move_many(session, doc, [Move(p, source, target, q, reason or "transfer") for p, q in lines])
    _add_lines(doc, lines, booked=True)
    session.flush()
    return doc


def stock_count(
    session: Session, location: StockLocation, counted: dict[Part, int], reason: str, user: User | None
) -> PartDocument:
    """盘点: what was counted on the shelf becomes the ledger's figure, each difference an
    adjusting entry with the reason given (required)."""
    if not reason.strip():
        raise PartsError(_("A stock count's adjustments need a reason."))
    if not location.held:
        raise PartsError(_("Only the company's own places are counted."))
    for part, qty in counted.items():
        if qty != 0:
            ledger.quantity(qty)
        _same_org(location.org_id, part)
    adjust = locations.single(session, location.org_id, LocationKind.ADJUSTMENT)
    doc = ledger.new_document(
        session,
        location.org_id,
        DocKind.STOCK_COUNT,
        DocState.BOOKED,
        location_id=location.id,
        created_by_id=user.id if user else None,
        reason=reason,
    )
    moves = []
    for part, qty in counted.items():
        have = ledger.on_hand_of(session, location.id, part.id)
        doc.lines.append(
            DocumentLine(
                part_id=part.id,
                part_number=part.number,
                quantity=max(qty, 0) or 0,
                booked_quantity=qty - have,
                note=f"ledger {have}, counted {qty}",
            )
        )
        if qty > have:
            moves.append(Move(part, adjust, location, qty - have, reason))
        elif qty < have:
            moves.append(Move(part, location, adjust, have - qty, reason))
    ledger.move_many(session, doc, moves)
    session.flush()
    return doc
