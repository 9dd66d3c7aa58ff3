"""Putting a work order on the map: position, zone, nearest depot or station, and its deadlines.

Every way an order gets a place — coordinates given, the registry, the gazetteer, a geocoder, a
dispatcher's pin — ends here, so zone, distance and milestones always agree with the position.
"""

from __future__ import annotations

from functools import lru_cache

import sqlalchemy as sa
from sqlalchemy.orm import Session

from dispatch.auth.models import Organisation
from dispatch.errors import DomainError
from dispatch.geo.area import ServiceArea
from dispatch.geo.models import Depot, SiteKind
from dispatch.orders import lifecycle
from dispatch.orders.lifecycle import Actor
from dispatch.orders.models import Status, WorkOrder
from dispatch.settings import CONFIG_DIR
from dispatch.sla.service import apply_rules

#: Types served from service stations (the coach network) rather than depots.
STATION_TYPES = frozenset({"vehicle_body_fault", "vehicle_chassis_fault"})


@lru_cache(maxsize=1)
def service_area() -> ServiceArea:
    return ServiceArea.load(CONFIG_DIR / "service_area.geojson")


def sync_depots(
    session: Session, orgs: dict[str, Organisation], area: ServiceArea | None = None
) -> dict[str, Depot]:
    """Depots and service stations as config/service_area.geojson has them (insert or update)."""
    area = area or service_area()
    depots = {d.code: d for d in session.scalars(sa.select(Depot))}
    for site in area.sites():
        if site.kind not in (SiteKind.DEPOT, SiteKind.SERVICE_STATION) or site.org not in orgs:
            continue
        depot = depots.get(site.code) or Depot(code=site.code)
        depot.org_id = orgs[site.org].id
        depot.kind = SiteKind(site.kind)
        depot.name_zh, depot.name_en = site.name_zh, site.name_en
        depot.lat, depot.lon, depot.duty_phone = site.lat, site.lon, site.duty_phone
        session.add(depot)
        depots[site.code] = depot
    session.flush()
    return depots


def check_coordinates(lat: float, lon: float) -> None:
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise DomainError("Latitude must be within ±90 and longitude within ±180.", lat=lat, lon=lon)


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

    The zone and nearest site come from config/service_area.geojson; the milestones are
    recomputed (a place found can relax the strictest-variant deadlines an unplaced report got;
    each due time moved is a ``due_changed`` event by ``actor`` for the supervisor's review).
    A new or unplaced order moves to ``located``; a placed one records a ``relocated`` event.
    """
    check_coordinates(lat, lon)
    area = service_area()
    org_code = order.org.code
    kinds = ("service_station", "depot") if order.type_code in STATION_TYPES else ("depot",)
    order.lat, order.lon = lat, lon
    order.location_source, order.location_precision = source, precision
    if address:
        order.address = address
    order.zone = area.zone_of(org_code, lat, lon)
    try:
        site, km = area.nearest(org_code, lat, lon, kinds=kinds)
    except LookupError:
        order.nearest_depot_id, order.distance_km = None, None
    else:
        order.nearest_depot_id = session.scalar(sa.select(Depot.id).where(Depot.code == site.code))
        order.distance_km = round(km, 2)
    data = {"lat": lat, "lon": lon, "source": source, "precision": precision, "zone": order.zone}
    if order.status in (Status.NEW, Status.NEEDS_LOCATION):
        lifecycle.transition(session, order, "locate", actor, data=data)
    else:
        lifecycle.record(session, order, "relocated", actor, data=data)
    apply_rules(session, order, actor=actor, reason="placed")
    return order
