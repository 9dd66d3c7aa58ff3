"""The monthly close (3.7.5): every returned part gets a disposition, then the month is locked;
the closing report per location.

Dispositions: scrap (shelf → scrap), refurbish and restock (shelf → warehouse), supplier claim
(the part stays on the shelf until its claim is sent, then shelf → supplier).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from dispatch import clock
from dispatch.auth.models import Role, User
from dispatch.parts import ledger, locations
from dispatch.parts.errors import NotAllowed, PartsError
from dispatch.parts.ledger import Move
from dispatch.parts.models import DocKind, DocState, DocumentLine, LocationKind, StockLocation, StockMove
from dispatch.parts.returns_models import Disposition, MonthClose, ReturnedPart

CLOSERS = (Role.WAREHOUSE, Role.SUPERVISOR, Role.ADMIN)


def month_bounds(month: str) -> tuple[date, date]:
    """First day of ``month`` ("YYYY-MM") and first day of the next. Raises PartsError."""
    try:
        year, mon = (int(x) for x in month.split("-"))
        start = date(year, mon, 1)
    except ValueError:
        raise PartsError(_("A month is written YYYY-MM, not %(month)s.") % {"month": month}) from None
    end = date(year + mon // 12, mon % 12 + 1, 1)
    return start, end


def dispose(session: Session, returned: ReturnedPart, disposition: Disposition, user: User) -> None:
    if returned.disposition is not Disposition.PENDING:
        raise PartsError(_("This part has already been dealt with."))
    if user.org_id != returned.org_id or not user.has_role(*CLOSERS):
        raise NotAllowed(_("That belongs to another organisation."))
    if disposition is Disposition.CLAIM and not (returned.part.warranty and returned.part.supplier_id):
        raise PartsError(_("Only a warranty part with a supplier can be claimed."))
    if disposition in (Disposition.SCRAP, Disposition.REFURBISH):
        target = (
            locations.single(session, returned.org_id, LocationKind.SCRAP)
            if disposition is Disposition.SCRAP
            else locations.warehouse(session, returned.org_id)
        )
        doc = ledger.new_document(
            session,
            returned.org_id,
            DocKind.DISPOSITION,
            DocState.BOOKED,
            created_by_id=user.id,
            work_order_id=returned.work_order_id,
            reason=disposition.value,
        )
        ledger.move(
            session,
            doc,
            Move(
                returned.part,
                locations.returns_shelf(session, returned.org_id),
                target,
                returned.quantity,
                disposition.value,
                returned.serial,
            ),
        )
        doc.lines.append(
            DocumentLine(
                part_id=returned.part_id,
                part_number=returned.part.number,
                quantity=returned.quantity,
                booked_quantity=returned.quantity,
                serial=returned.serial,
            )
        )
    returned.disposition = disposition
    returned.disposed_at = clock.now()
    session.flush()


def pending(session: Session, org_id: int, before: date | None = None) -> list[ReturnedPart]:
    query = sa.select(ReturnedPart).where(
        ReturnedPart.org_id == org_id, ReturnedPart.disposition == Disposition.PENDING
    )
    parts = list(session.scalars(query.order_by(ReturnedPart.received_at)))
    if before is not None:
        parts = [p for p in parts if clock.local(p.received_at).date() < before]
    return parts


def close_month(session: Session, org_id: int, month: str, user: User) -> MonthClose:
    """Lock ``month``: refused while a part received in it (or before) has no disposition, for a
    month not yet ended (closed, it would refuse every entry of the days still to come), and for a
    month already closed."""
    start, end = month_bounds(month)
    if user.org_id != org_id or not user.has_role(*CLOSERS):
        raise NotAllowed(_("That belongs to another organisation."))
    if end > ledger.today():
        raise PartsError(
            _("%(month)s has not ended: a month can be closed from the first day of the next one.")
            % {"month": month}
        )
    if ledger.is_closed(session, org_id, month):
        raise PartsError(_("The month %(month)s is closed: no entry may be dated in it.") % {"month": month})
    waiting = pending(session, org_id, before=end)
    if waiting:
        raise PartsError(
            _("%(count)s returned parts still need a disposition before the close.") % {"count": len(waiting)}
        )
    closed = MonthClose(org_id=org_id, month=month, closed_by_id=user.id)
    session.add(closed)
    session.flush()
    return closed


@dataclass
class LocationMonth:
    location: StockLocation
    opening: int
    received: int
    sent: int

    @property
    def closing(self) -> int:
        return self.opening + self.received - self.sent


def closing_report(session: Session, org_id: int, month: str) -> list[LocationMonth]:
    """Per held location: units at the start of the month, received and sent in it, at its end."""
    start, end = month_bounds(month)
    places = locations.of_org(
        session, org_id, LocationKind.WAREHOUSE, LocationKind.VAN, LocationKind.STATION, LocationKind.RETURNS
    )
    report = []
    for place in places:

        def total(column, lo: date | None, hi: date, place=place) -> int:
            query = sa.select(sa.func.coalesce(sa.func.sum(StockMove.quantity), 0)).where(
                column == place.id, StockMove.booked_on < hi
            )
            if lo is not None:
                query = query.where(StockMove.booked_on >= lo)
            return int(session.scalar(query))

        opening = total(StockMove.to_location_id, None, start) - total(
            StockMove.from_location_id, None, start
        )
        report.append(
            LocationMonth(
                place,
                opening,
                total(StockMove.to_location_id, start, end),
                total(StockMove.from_location_id, start, end),
            )
        )
    return report
