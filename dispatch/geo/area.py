"""The service area: depots, partner service stations and built-up zones, per organisation.

``config/service_area.geojson`` is the one source for them (the database's depot table is
synchronised from it). It is a GeoJSON FeatureCollection in WGS-84 whose features carry
``kind`` ("depot", "service_station" or "built_up_area"), ``org``, ``code``, ``name_zh``,
``name_en`` and, for depots and stations, ``duty_phone``. Depots and stations are Points;
built-up areas are Polygons or MultiPolygons.

The zone decides deadlines (a major accident: on site within 30 minutes inside the built-up
area, 2 hours outside) and the nearest site decides who is closest and which distance band
applies (a coach body fault within 100 km of a service point).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from shapely import prepared
from shapely.geometry import MultiPolygon, Point, Polygon, shape

from dispatch.geo.distance import haversine_km_many

SITE_KINDS = ("depot", "service_station")
ZONE_KIND = "built_up_area"
Zone = Literal["built_up", "outside"]


@dataclass(frozen=True)
class Site:
    """A depot or a partner service station."""

    code: str
    kind: str
    org: str
    name_zh: str
    name_en: str
    lat: float
    lon: float
    duty_phone: str | None = None


@dataclass(frozen=True)
class BuiltUpArea:
    """A built-up zone; ``geometry`` is in (lon, lat) order, as GeoJSON and shapely have it."""

    code: str
    org: str
    name_zh: str
    name_en: str
    geometry: Polygon | MultiPolygon


class ServiceArea:
    """Sites and zones of every organisation, with the questions dispatch asks of them."""

    def __init__(self, sites: Iterable[Site], areas: Iterable[BuiltUpArea] = ()) -> None:
        self._sites = list(sites)
        self._areas = list(areas)
        codes = [s.code for s in self._sites] + [a.code for a in self._areas]
        duplicates = sorted({c for c in codes if codes.count(c) > 1})
        if duplicates:
            raise ValueError(f"duplicate codes in the service area: {duplicates}")
        self._by_code = {s.code: s for s in self._sites}
        # Prepared geometries answer point-in-polygon many times faster when asked repeatedly.
        self._zones = {
            org: [prepared.prep(a.geometry) for a in self._areas if a.org == org]
            for org in {a.org for a in self._areas}
        }

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> ServiceArea:
        """Read the GeoJSON file. Raises ValueError on a feature that does not fit the format."""
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        if data.get("type") != "FeatureCollection":
            raise ValueError(f"{path}: expected a GeoJSON FeatureCollection")
        sites: list[Site] = []
        areas: list[BuiltUpArea] = []
        for i, feature in enumerate(data.get("features", [])):
            props: dict[str, Any] = feature.get("properties") or {}
            where = f"{path}: feature {i} ({props.get('code', 'no code')})"
            missing = [k for k in ("kind", "org", "code", "name_zh", "name_en") if not props.get(k)]
            if missing:
                raise ValueError(f"{where}: missing {missing}")
            geometry = shape(feature["geometry"])
            if props["kind"] in SITE_KINDS:
                if not isinstance(geometry, Point):
                    raise ValueError(f"{where}: a {props['kind']} must be a Point")
                sites.append(
                    Site(
                        code=props["code"],
                        kind=props["kind"],
                        org=props["org"],
                        name_zh=props["name_zh"],
                        name_en=props["name_en"],
                        lat=geometry.y,
                        lon=geometry.x,
                        duty_phone=props.get("duty_phone") or None,
                    )
                )
            elif props["kind"] == ZONE_KIND:
                if not isinstance(geometry, Polygon | MultiPolygon) or not geometry.is_valid:
                    raise ValueError(f"{where}: a built-up area must be a valid Polygon or MultiPolygon")
                areas.append(
                    BuiltUpArea(props["code"], props["org"], props["name_zh"], props["name_en"], geometry)
                )
            else:
                raise ValueError(f"{where}: unknown kind {props['kind']!r}")
        return cls(sites, areas)

    def sites(self, org: str | None = None, kind: str | None = None) -> list[Site]:
        """Sites in file order, optionally only those of one org and/or kind."""
        return [s for s in self._sites if (org is None or s.org == org) and (kind is None or s.kind == kind)]

    def site(self, code: str) -> Site:
        """The site with this code; raises KeyError when there is none."""
        return self._by_code[code]

    def areas(self, org: str | None = None) -> list[BuiltUpArea]:
        return [a for a in self._areas if org is None or a.org == org]

    def zone_of(self, org: str, lat: float, lon: float) -> Zone | None:
        """ "built_up" when the point lies in (or on the edge of) one of the org's built-up areas,
        else "outside".

        An org with no built-up area (a coach network) has no zones: None, so its orders carry
        no county concept and no rule of theirs can depend on one.
        """
        zones = self._zones.get(org, ())
        if not zones:
            return None
        point = Point(lon, lat)
        return "built_up" if any(z.covers(point) for z in zones) else "outside"

    def ranked(
        self, org: str, lat: float, lon: float, kinds: Sequence[str] = ("depot",)
    ) -> list[tuple[Site, float]]:
        """The org's sites of the given kinds with their great-circle distance in km, nearest first."""
        if isinstance(kinds, str):
            kinds = (kinds,)
        candidates = [s for s in self._sites if s.org == org and s.kind in kinds]
        if not candidates:
            return []
        distances = haversine_km_many(
            lat, lon, np.array([s.lat for s in candidates]), np.array([s.lon for s in candidates])
        )
        order = np.argsort(distances, kind="stable")
        return [(candidates[i], float(distances[i])) for i in order]

    def nearest(
        self, org: str, lat: float, lon: float, kinds: Sequence[str] = ("depot",)
    ) -> tuple[Site, float]:
        """The org's nearest site of the given kinds and its distance in km.

        Raises LookupError when the org has no site of those kinds.
        """
        ranked = self.ranked(org, lat, lon, kinds)
        if not ranked:
            raise LookupError(f"no site of kind {tuple(kinds)} for org {org!r}")
        return ranked[0]
