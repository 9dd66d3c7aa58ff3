"""Old parts coming back: the technician says one is packed, the warehouse receives it on the
returned-parts shelf (customer → shelf) by typing or scanning its number and serial.

A receipt is matched to what a job expected (same part, its serial first); a part nobody
expected, or a serial that is not the one removed, is received all the same and listed as a
discrepancy. The same serial twice is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from dispatch import clock
from dispatch.auth.models import User
from dispatch.orders import lifecycle
from dispatch.orders.lifecycle import Actor
from dispatch.orders.models import Event, WorkOrder
from dispatch.parts import catalog, ledger, locations
from dispatch.parts.errors import PartsError
from dispatch.parts.ledger import Move
from dispatch.parts.models import DocKind, DocState, DocumentLine, LocationKind
from dispatch.parts.returns_models import ExpectedReturn, ReturnedPart


def outstanding(
    session: Session, org_id: int, *, work_order_id: int | None = None, technician_id: int | None = None
) -> list[ExpectedReturn]:
    query = sa.select(ExpectedReturn).where(
        ExpectedReturn.org_id == org_id,
        ExpectedReturn.cancelled.is_(False),
        ExpectedReturn.received_quantity < ExpectedReturn.quantity,
    )
    if work_order_id is not None:
        query = query.where(ExpectedReturn.work_order_id == work_order_id)
    if technician_id is not None:
        query = query.where(ExpectedReturn.technician_id == technician_id)
    return list(session.scalars(query.order_by(ExpectedReturn.expected_at, ExpectedReturn.id)))


#: The timeline's record that the technician packed old parts; ``data["parts"]`` their numbers.
PACKED_EVENT = "old_part_packed"

#: The part numbers of a job's draft service report whose old part comes back, in line order.
#: ``dispatch.parts.hooks`` sets it to read the service reports.
draft_old_parts: Callable[[Session, int], list[str]] = lambda session, order_id: []  # noqa: E731


def mark_packed(session: Session, order: WorkOrder, actor: Actor, now: datetime | None = None) -> int:
    """The technician packed the job's old parts: returns how many expected parts that covers
    (none before the service report is submitted: see ``note_packed_before_report``)."""
    found = outstanding(session, order.org_id, work_order_id=order.id)
    for expected in found:
        expected.packed_at = now or clock.now()
    if found:
        lifecycle.record(session, order, PACKED_EVENT, actor, data={"parts": [e.part.number for e in found]})
    session.flush()
    return len(found)


def note_packed_before_report(session: Session, order: WorkOrder, actor: Actor) -> list[str]:
    """The technician packed old parts before the job's service report is submitted, so nothing
    is expected back yet: the job's timeline keeps which parts of the draft are packed, and the
    returns the submitted report books are marked packed from it (``packed_times``). Returns
    those part numbers; empty when the draft has no old part to bring back."""
    numbers = list(dict.fromkeys(draft_old_parts(session, order.id)))
    if numbers:
        lifecycle.record(session, order, PACKED_EVENT, actor, data={"parts": numbers})
        session.flush()
    return numbers


def packed_times(session: Session, order_id: int) -> dict[str, datetime]:
    """Per part number (``catalog.normalise_number``), when the technician last said the job's
    old part of it is packed."""
    times: dict[str, datetime] = {}
    events = session.scalars(
        sa.select(Event).where(Event.order_id == order_id, Event.kind == PACKED_EVENT).order_by(Event.id)
    )
    for event in events:
        for number in event.data.get("parts", []):
            times[catalog.normalise_number(number)] = event.at
    return times


def receive(
    session: Session, org_id: int, part_text: str, serial: str | None, user: User | None, note: str = ""
) -> ReturnedPart:
    """Receive one old part onto the returns shelf. Raises UnknownPart (with the nearest
    numbers) or PartsError (serial missing or received before); writes nothing then."""
    part = catalog.find(session, org_id, part_text)
    serial = (serial or "").strip().upper() or None
    if part.serial_tracked and not serial:
        raise PartsError(
            _("Part %(part)s is tracked by serial: type or scan its serial.") % {"part": part.number}
        )
    if serial and session.scalar(
        sa.select(ReturnedPart.id).where(
            ReturnedPart.org_id == org_id, ReturnedPart.part_id == part.id, ReturnedPart.serial == serial
        )
    ):
        raise PartsError(
            _("Serial %(serial)s of %(part)s has already been received.")
            % {"serial": serial, "part": part.number}
        )
    candidates = [e for e in outstanding(session, org_id) if e.part_id == part.id]
    match = next((e for e in candidates if serial and (e.serial_removed or "").upper() == serial), None)
    match = match or next(iter(candidates), None)
    doc = ledger.new_document(
        session,
        org_id,
        DocKind.RETURN_RECEIPT,
        DocState.BOOKED,
        work_order_id=match.work_order_id if match else None,
        technician_id=match.technician_id if match else None,
        created_by_id=user.id if user else None,
        reason=note,
    )
    source = locations.single(session, org_id, LocationKind.CUSTOMER)
    ledger.move(
        session,
        doc,
        Move(
            part,
            source,
            locations.returns_shelf(session, org_id),
            1,
            "old part back",
            serial,
            match.work_order_id if match else None,
        ),
    )
    doc.lines.append(
        DocumentLine(part_id=part.id, part_number=part.number, quantity=1, booked_quantity=1, serial=serial)
    )
    if match is not None:
        match.received_quantity += 1
    returned = ReturnedPart(
        org_id=org_id,
        part_id=part.id,
        serial=serial,
        work_order_id=match.work_order_id if match else None,
        expected_return_id=match.id if match else None,
        document_id=doc.id,
        note=note,
        unexpected=match is None,
        serial_mismatch=bool(
            match and match.serial_removed and serial and match.serial_removed.upper() != serial
        ),
    )
    session.add(returned)
    session.flush()
    return returned


def tag_payload(returned: ReturnedPart) -> str:
    """What the tag's QR code holds: part number, serial and the receipt, scannable back."""
    return "|".join((returned.part.number, returned.serial or "-", returned.document.number))


def tag_svg(returned: ReturnedPart) -> str:
    import segno

    return segno.make(tag_payload(returned), error="m").svg_inline(scale=4)
