"""The stock locations of an organisation: created on first use, one per role.

The warehouse, the returned-parts shelf, scrap, customers and adjustments exist once per
organisation; every technician has a van and every partner service station a location of its
own (its separate ledger, 3.7.6); suppliers are created from the catalog.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from dispatch.assign.models import AssigneeKind, Technician
from dispatch.parts.models import LocationKind, StockLocation

#: The single locations of an organisation: kind → (code, name).
SINGLES = {
    LocationKind.WAREHOUSE: ("WH", "中心仓库 Central warehouse"),
    LocationKind.RETURNS: ("RET", "旧件架 Returned-parts shelf"),
    LocationKind.SCRAP: ("SCRAP", "报废 Scrap"),
    LocationKind.CUSTOMER: ("CUST", "客户 Customers"),
    LocationKind.ADJUSTMENT: ("ADJ", "盘点调整 Stock-count adjustments"),
}


#: Each kind of place in the reader's language. A single place's stored name carries both
#: languages (it is a record, not a label): pages and refusals name it by its kind instead.
KIND_LABEL = {
    "warehouse": _l("central warehouse"),
    "van": _l("van"),
    "station": _l("service station"),
    "returns": _l("returned-parts shelf"),
    "scrap": _l("scrap"),
    "supplier": _l("supplier"),
    "customer": _l("customers"),
    "adjustment": _l("adjustments"),
}


def display_name(place: StockLocation | None) -> str:
    """An organisation's one warehouse, shelf or scrap by its kind in the reader's language; a
    van, station or supplier by its kind and its own name."""
    if place is None:
        return ""
    kind = str(KIND_LABEL.get(place.kind.value, place.kind.value))
    return kind if place.kind in SINGLES else f"{kind} · {place.name}"


def single(session: Session, org_id: int, kind: LocationKind) -> StockLocation:
    code, name = SINGLES[kind]
    found = session.scalar(
        sa.select(StockLocation).where(StockLocation.org_id == org_id, StockLocation.code == code)
    )
    if found is None:
        found = StockLocation(org_id=org_id, kind=kind, code=code, name=name)
        session.add(found)
        session.flush()
    return found


def warehouse(session: Session, org_id: int) -> StockLocation:
    return single(session, org_id, LocationKind.WAREHOUSE)


def returns_shelf(session: Session, org_id: int) -> StockLocation:
    return single(session, org_id, LocationKind.RETURNS)


def of_technician(session: Session, tech: Technician) -> StockLocation:
    """The technician's van, or the service station's own stock."""
    found = session.scalar(sa.select(StockLocation).where(StockLocation.technician_id == tech.id))
    if found is None:
        station = tech.kind is AssigneeKind.STATION
        found = StockLocation(
            org_id=tech.org_id,
            kind=LocationKind.STATION if station else LocationKind.VAN,
            code=("ST-" if station else "VAN-") + tech.code,
            name=tech.name,
            technician_id=tech.id,
        )
        session.add(found)
        session.flush()
    return found


def supplier(session: Session, org_id: int, name: str) -> StockLocation:
    code = "SUP-" + name.strip()[:36]
    found = session.scalar(
        sa.select(StockLocation).where(StockLocation.org_id == org_id, StockLocation.code == code)
    )
    if found is None:
        found = StockLocation(org_id=org_id, kind=LocationKind.SUPPLIER, code=code, name=name.strip())
        session.add(found)
        session.flush()
    return found


def ensure_all(session: Session, org_id: int) -> None:
    """Every single location and every technician's van or station's stock."""
    for kind in SINGLES:
        single(session, org_id, kind)
    for tech in session.scalars(sa.select(Technician).where(Technician.org_id == org_id)):
        of_technician(session, tech)


def of_org(session: Session, org_id: int, *kinds: LocationKind) -> list[StockLocation]:
    query = sa.select(StockLocation).where(StockLocation.org_id == org_id)
    if kinds:
        query = query.where(StockLocation.kind.in_(kinds))
    return list(session.scalars(query.order_by(StockLocation.kind, StockLocation.code)))
