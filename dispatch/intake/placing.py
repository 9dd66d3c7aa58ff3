"""Putting a work order on the map: position, its source and precision, a place name a technician
can drive to, the zone, the nearest depot or station, and then its deadlines.

Every way an order gets a place — coordinates given, the registry, the gazetteer, a geocoder, a
dispatcher's pin, a phone's location — ends here, so zone, distance and milestones always agree
with the position. Geometry is :mod:`dispatch.geo`'s; this is the operation on the order.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from dispatch import clock
from dispatch.auth.models import Organisation
from dispatch.geo.chain import locate
from dispatch.geo.models import Depot
from dispatch.geo.naming import place_name
from dispatch.geo.placing import whereabouts
from dispatch.orders import lifecycle
from dispatch.orders.lifecycle import Actor
from dispatch.orders.models import Status, WorkOrder
from dispatch.sla.explain import describe
from dispatch.sla.service import apply_rules, plan_for, rulebook, work_calendar


def served_from(type_code: str) -> tuple[str, ...]:
    """The kinds of site a type's distance is measured to (``served_from`` in config/sla.toml)."""
    type_def = rulebook().types.get(type_code)
    return type_def.served_from if type_def is not None else ("depot",)


def place_order(
    session: Session,
    order: WorkOrder,
    lat: float,
    lon: float,
    *,
    source: str,
    precision: str,
    actor: Actor,
    address: str | None = None,
) -> WorkOrder:
    """Give ``order`` a position and everything that follows from it. Flushes.

    An order without an address gets a name for the place (never bare coordinates): its coach
    owner's base, else the nearest gazetteer place ("书院路与新华路交叉口附近120米"), else the
    nearest site. The milestones are recomputed (a place found can relax the strictest-variant
    deadlines an unplaced report got; each due time moved is a ``due_changed`` event by ``actor``
    for the supervisor's review). A new or unplaced order moves to ``located``; a placed one
    records a ``relocated`` event.
    """
    where = whereabouts(order.org.code, lat, lon, served_from(order.type_code))
    order.lat, order.lon = lat, lon
    order.location_source, order.location_precision = source, precision
    if address:
        order.address = address
    elif not order.address:
        order.address = place_name(order.org.code, lat, lon, customer=order.customer)
    order.zone = where.zone
    order.distance_km = where.distance_km
    if where.site:
        # Sites are never written by an intake: no need to flush the order before reading one.
        with session.no_autoflush:
            order.nearest_depot_id = session.scalar(sa.select(Depot.id).where(Depot.code == where.site.code))
    else:
        order.nearest_depot_id = None
    data = {"lat": lat, "lon": lon, "source": source, "precision": precision, "zone": order.zone}
    # Placed in the intake that created it: the first real plan, not a change to review.
    initial = order.status is Status.NEW
    if order.status in (Status.NEW, Status.NEEDS_LOCATION):
        lifecycle.transition(session, order, "locate", actor, data=data)
    else:
        lifecycle.record(session, order, "relocated", actor, data=data)
    apply_rules(session, order, actor=actor, reason="placed", initial=initial)
    return order


def preview(
    session: Session,
    org: Organisation,
    type_code: str,
    *,
    lat: float | None = None,
    lon: float | None = None,
    account: str | None = None,
    address: str | None = None,
    coordinates_source: str = "pin",
    severity: str | None = None,
    needs_supplier: bool = False,
    at: datetime | None = None,
    config: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The deadlines a report with these details would be saved with, before it is saved.

    The very computation of the save: the same geocoding chain (``locate``), the same zone and
    nearest site (``whereabouts``), the same plan of the order (``plan_for``) on an order that is
    never added to the session. A place not found yet gives the strictest variant, as the saved
    order would get. Returns the ``sla explain`` shape plus ``place`` (name, source, zone,
    distance) when one was found. Raises DomainError for bad coordinates.
    """
    placement = locate(
        session, org_id=org.id, org_code=org.code, lat=lat, lon=lon, coordinates_source=coordinates_source,
        account=account, address=address, config=config,
    )  # fmt: skip
    order = WorkOrder(
        org_id=org.id, type_code=type_code, reported_at=at or clock.now(), severity=severity,
        needs_supplier=needs_supplier, milestones=[], events=[],
    )  # fmt: skip
    place = None
    if placement is not None:
        where = whereabouts(org.code, placement.lat, placement.lon, served_from(type_code))
        order.zone, order.distance_km = where.zone, where.distance_km
        place = {
            "name": placement.label,
            "source": placement.source,
            "precision": placement.precision,
            "zone": where.zone,
            "distance_km": where.distance_km,
            "site": where.site.name_zh if where.site else None,
        }
    rule_id, plans = plan_for(order, order.reported_at)
    result = describe(type_code, rule_id, plans, work_calendar().tz)
    result["place"] = place
    return result
