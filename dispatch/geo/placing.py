"""Where a position lies for an organisation: its zone and the nearest site that serves it.

Pure geometry over config/service_area.geojson: no work order, no lifecycle, no deadline. Placing
an order (position, zone, distance, then its deadlines) is intake's operation
(:mod:`dispatch.intake.placing`), and the deadline preview asks the same function here, so the
preview and the saved order see the same zone and distance.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import sqlalchemy as sa
from sqlalchemy.orm import Session

from dispatch.auth.models import Organisation
from dispatch.errors import DomainError
from dispatch.geo.area import ServiceArea, Site
from dispatch.geo.models import Depot, SiteKind
from dispatch.settings import CONFIG_DIR

_installed: ServiceArea | None = None


@lru_cache(maxsize=1)
def _file_service_area() -> ServiceArea:
    return ServiceArea.load(CONFIG_DIR / "service_area.geojson")


def service_area() -> ServiceArea:
    """config/service_area.geojson, or the area a process installed with ``use_service_area``."""
    return _installed or _file_service_area()


def use_service_area(area: ServiceArea | None) -> None:
    """Serve this process from ``area`` instead of config/service_area.geojson (None: the file
    again). For a process that runs one organisation configured from elsewhere, as
    ``dispatch bench quality`` does with a scenario's depots and built-up square."""
    global _installed
    _installed = area


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


@dataclass(frozen=True)
class Whereabouts:
    """What a position means to an organisation: its zone (None for an organisation without
    built-up areas) and the nearest site of the kinds that serve the report, with its distance."""

    zone: str | None
    site: Site | None
    distance_km: float | None


def whereabouts(
    org_code: str, lat: float, lon: float, served_from: tuple[str, ...] = ("depot",)
) -> Whereabouts:
    """The zone of ``lat, lon`` and the nearest site among ``served_from`` (the type's
    ``served_from`` in config/sla.toml). Raises DomainError for coordinates out of range."""
    check_coordinates(lat, lon)
    area = service_area()
    zone = area.zone_of(org_code, lat, lon)
    try:
        site, km = area.nearest(org_code, lat, lon, kinds=served_from)
    except LookupError:
        return Whereabouts(zone, None, None)
    return Whereabouts(zone, site, round(km, 2))
