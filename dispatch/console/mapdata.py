"""What the map shows: orders and technicians inside the visible box, sites and built-up outlines.

Orders are sent one by one while there are few in view (the browser clusters them with
Leaflet.markercluster); past ``MAX_POINTS`` they are grouped on the server into a grid of about
``GRID`` × ``GRID`` cells, each sent as one counted marker with the worst deadline state inside,
so the whole county with 10 000 open orders is a few hundred markers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

import sqlalchemy as sa
from shapely.geometry import mapping
from sqlalchemy.orm import Session

from dispatch import clock
from dispatch.assign.models import Technician
from dispatch.console.queue import next_milestones
from dispatch.errors import DomainError
from dispatch.geo.models import Depot
from dispatch.geo.placing import service_area
from dispatch.orders.models import FINAL, WorkOrder

MAX_POINTS = 400
GRID = 24
STATE_RANK = {"none": 0, "on_track": 1, "at_risk": 2, "breached": 3}


@dataclass(frozen=True)
class BBox:
    west: float
    south: float
    east: float
    north: float

    @classmethod
    def parse(cls, text: str | None) -> BBox:
        """``west,south,east,north`` in degrees; raises DomainError on anything else."""
        try:
            west, south, east, north = (float(v) for v in (text or "").split(","))
        except ValueError:
            raise DomainError("bbox must be west,south,east,north in degrees.") from None
        if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
            raise DomainError("bbox must be west,south,east,north with west ≤ east and south ≤ north.")
        return cls(west, south, east, north)

    def contains(self, lat_col, lon_col) -> sa.ColumnElement[bool]:
        return sa.and_(lat_col.between(self.south, self.north), lon_col.between(self.west, self.east))


def _state(now: datetime, due: datetime | None, warn: datetime | None) -> str:
    if due is None:
        return "none"
    if now > due:
        return "breached"
    if warn is not None and now >= warn:
        return "at_risk"
    return "on_track"


def orders_in(session: Session, org_id: int, bbox: BBox, now: datetime | None = None) -> dict:
    """``{"points": [...]}`` or, when there are many, ``{"clusters": [...]}`` plus ``total``."""
    now = now or clock.now()
    nxt = next_milestones(org_id)
    rows = session.execute(
        sa.select(
            WorkOrder.reference,
            WorkOrder.lat,
            WorkOrder.lon,
            WorkOrder.status,
            WorkOrder.type_code,
            nxt.c.due_at,
            nxt.c.warn_at,
        )
        .outerjoin(nxt, nxt.c.order_id == WorkOrder.id)
        .where(
            WorkOrder.org_id == org_id,
            WorkOrder.status.not_in(FINAL),
            WorkOrder.lat.is_not(None),
            bbox.contains(WorkOrder.lat, WorkOrder.lon),
        )
    ).all()
    if len(rows) <= MAX_POINTS:
        points = [
            {
                "ref": r.reference,
                "lat": r.lat,
                "lon": r.lon,
                "status": r.status.value,
                "type": r.type_code,
                "state": _state(now, r.due_at, r.warn_at),
                "due": r.due_at.isoformat() if r.due_at else None,
            }
            for r in rows
        ]
        return {"total": len(rows), "points": points}
    return {"total": len(rows), "clusters": _grid(rows, bbox, now)}


def _grid(rows, bbox: BBox, now: datetime) -> list[dict]:
    width = max(bbox.east - bbox.west, 1e-9) / GRID
    height = max(bbox.north - bbox.south, 1e-9) / GRID
    cells: dict[tuple[int, int], list] = {}
    for r in rows:
        key = (int((r.lon - bbox.west) / width), int((r.lat - bbox.south) / height))
        cell = cells.get(key)
        if cell is None:
            cells[key] = cell = [0, 0.0, 0.0, "none", {}]
        cell[0] += 1
        cell[1] += r.lat
        cell[2] += r.lon
        state = _state(now, r.due_at, r.warn_at)
        if STATE_RANK[state] > STATE_RANK[cell[3]]:
            cell[3] = state
        cell[4][state] = cell[4].get(state, 0) + 1
    return [
        {"count": n, "lat": lat / n, "lon": lon / n, "state": worst, "states": states}
        for n, lat, lon, worst, states in cells.values()
    ]


def technicians_in(session: Session, org_id: int, bbox: BBox) -> list[dict]:
    rows = session.execute(
        sa.select(
            Technician.id,
            Technician.name,
            Technician.duty_status,
            Technician.last_lat,
            Technician.last_lon,
            Technician.last_position_at,
        ).where(
            Technician.org_id == org_id,
            Technician.last_lat.is_not(None),
            bbox.contains(Technician.last_lat, Technician.last_lon),
        )
    ).all()
    return [
        {
            "id": r.id,
            "name": r.name,
            "duty": r.duty_status.value,
            "lat": r.last_lat,
            "lon": r.last_lon,
            "at": r.last_position_at.isoformat() if r.last_position_at else None,
        }
        for r in rows
    ]


def sites(session: Session, org_id: int, locale: str) -> list[dict]:
    zh = locale.startswith("zh")
    return [
        {
            "code": d.code,
            "kind": d.kind.value,
            "name": d.name_zh if zh else d.name_en,
            "lat": d.lat,
            "lon": d.lon,
        }
        for d in session.scalars(sa.select(Depot).where(Depot.org_id == org_id).order_by(Depot.code))
    ]


@lru_cache(maxsize=16)
def outlines(org_code: str) -> dict:
    """The organisation's built-up areas as a GeoJSON FeatureCollection (read once)."""
    features = [
        {
            "type": "Feature",
            "properties": {"code": a.code, "name_zh": a.name_zh, "name_en": a.name_en},
            "geometry": mapping(a.geometry),
        }
        for a in service_area().areas(org_code)
    ]
    return {"type": "FeatureCollection", "features": features}


def home_view(org_code: str, session: Session, org_id: int) -> tuple[float, float, float, float]:
    """A bbox framing the organisation: its built-up areas, else its sites, else China."""
    areas = service_area().areas(org_code)
    if areas:
        bounds = [a.geometry.bounds for a in areas]
        west, south = min(b[0] for b in bounds), min(b[1] for b in bounds)
        east, north = max(b[2] for b in bounds), max(b[3] for b in bounds)
        pad = max(east - west, north - south) * 0.8
        return (west - pad, south - pad, east + pad, north + pad)
    lat_lon = session.execute(
        sa.select(
            sa.func.min(Depot.lon), sa.func.min(Depot.lat), sa.func.max(Depot.lon), sa.func.max(Depot.lat)
        ).where(Depot.org_id == org_id)
    ).one()
    if lat_lon[0] is not None:
        return tuple(lat_lon)
    return (73.0, 18.0, 135.0, 54.0)
