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
from dispatch.console.holders import pending_holders
from dispatch.console.plans import Stop, plans, route
from dispatch.errors import DomainError
from dispatch.geo.models import Depot
from dispatch.geo.placing import service_area
from dispatch.orders.models import FINAL, WorkOrder

MAX_POINTS = 400
GRID = 24


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


def _state_rank(now: datetime) -> sa.ColumnElement[int]:
    """0 no running deadline, 1 on track, 2 at risk, 3 breached — computed in the database from
    the order's next due and warning times (kept on the order by the deadline engine)."""
    due, warn = WorkOrder.next_due_at, WorkOrder.next_warn_at
    return sa.case((due.is_(None), 0), (due < now, 3), (warn <= now, 2), else_=1)


STATES = ("none", "on_track", "at_risk", "breached")


def _in_view(query: sa.Select, org_id: int, bbox: BBox) -> sa.Select:
    return query.where(
        WorkOrder.org_id == org_id,
        WorkOrder.status.not_in(FINAL),
        WorkOrder.lat.is_not(None),
        bbox.contains(WorkOrder.lat, WorkOrder.lon),
    )


def orders_in(session: Session, org_id: int, bbox: BBox, now: datetime | None = None) -> dict:
    """``{"points": [...]}`` or, when there are many, ``{"clusters": [...]}`` plus ``total``.

    Deadline states and grid cells are computed by the database, so a crowded view sends back
    a few hundred aggregated rows rather than every order."""
    now = now or clock.now()
    total = session.scalar(_in_view(sa.select(sa.func.count(WorkOrder.id)), org_id, bbox)) or 0
    if total <= MAX_POINTS:
        rows = session.execute(
            _in_view(
                sa.select(
                    WorkOrder.id,
                    WorkOrder.reference,
                    WorkOrder.address,
                    WorkOrder.assignee_id,
                    WorkOrder.lat,
                    WorkOrder.lon,
                    WorkOrder.status,
                    WorkOrder.type_code,
                    WorkOrder.next_due_at.label("due_at"),
                    _state_rank(now).label("rank"),
                ),
                org_id,
                bbox,
            )
        ).all()
        waiting = pending_holders(session, [r.id for r in rows])
        assignees = dict(
            session.execute(
                sa.select(Technician.id, Technician.name).where(
                    Technician.id.in_({r.assignee_id for r in rows if r.assignee_id})
                )
            ).all()
        )
        points = [
            {
                "ref": r.reference,
                "place": r.address or "",
                "assignee": assignees.get(r.assignee_id),
                "offered_to": [
                    {"name": h.name, "since": h.since.isoformat(), "until": h.until.isoformat()}
                    for h in waiting.get(r.id, ())
                ],
                "lat": r.lat,
                "lon": r.lon,
                "status": r.status.value,
                "type": r.type_code,
                "state": STATES[r.rank],
                "due": r.due_at.isoformat() if r.due_at else None,
            }
            for r in rows
        ]
        return {"total": total, "points": points}
    return {"total": total, "clusters": _grid(session, org_id, bbox, now)}


def _cell(offset: sa.ColumnElement[float], size: float, dialect: str) -> sa.ColumnElement[int]:
    # Inside the box the offset is never negative, so SQLite's truncating CAST is a floor;
    # PostgreSQL's CAST rounds, hence floor() there.
    scaled = offset / size
    return sa.cast(sa.func.floor(scaled) if dialect == "postgresql" else scaled, sa.Integer)


def _grid(session: Session, org_id: int, bbox: BBox, now: datetime) -> list[dict]:
    """One row per grid cell, read from the covering index (org_id, lat, lon, status,
    next_due_at, next_warn_at) alone: no milestone is visited."""
    dialect = session.get_bind().dialect.name
    width = max(bbox.east - bbox.west, 1e-9) / GRID
    height = max(bbox.north - bbox.south, 1e-9) / GRID
    inner = _in_view(
        sa.select(
            WorkOrder.lat,
            WorkOrder.lon,
            _cell(WorkOrder.lon - bbox.west, width, dialect).label("cx"),
            _cell(WorkOrder.lat - bbox.south, height, dialect).label("cy"),
            _state_rank(now).label("rank"),
        ),
        org_id,
        bbox,
    ).subquery()
    rows = session.execute(
        sa.select(
            sa.func.count(),
            sa.func.avg(inner.c.lat),
            sa.func.avg(inner.c.lon),
            sa.func.max(inner.c.rank),
            *(sa.func.sum(sa.case((inner.c.rank == i, 1), else_=0)) for i in range(len(STATES))),
        ).group_by(inner.c.cx, inner.c.cy)
    ).all()
    return [
        {
            "count": n,
            "lat": float(lat),
            "lon": float(lon),
            "state": STATES[worst],
            "states": {STATES[i]: int(c) for i, c in enumerate(counts) if c},
        }
        for n, lat, lon, worst, *counts in rows
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
    planned = plans(session, org_id, [r.id for r in rows])
    return [
        {
            "id": r.id,
            "name": r.name,
            "duty": r.duty_status.value,
            "lat": r.last_lat,
            "lon": r.last_lon,
            "at": r.last_position_at.isoformat() if r.last_position_at else None,
            # His plan: the route from where he is through his planned jobs, in order.
            "route": route((r.last_lat, r.last_lon), planned.get(r.id, [])),
            "stops": [_stop(s) for s in planned.get(r.id, []) if s.lat is not None],
        }
        for r in rows
    ]


def _stop(s: Stop) -> dict:
    return {
        "ref": s.reference,
        "position": s.position,
        "lat": s.lat,
        "lon": s.lon,
        "eta_local": clock.short(s.eta_at) or None,
        "due_local": clock.short(s.due_at) or None,
        "at_risk": s.at_risk,
        "pin": s.pin,
    }


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
def outlines(org_code: str, locale: str = "zh_Hans_CN") -> dict:
    """The organisation's built-up areas as a GeoJSON FeatureCollection (read once per
    language); ``name`` is the one the reader sees."""
    features = [
        {
            "type": "Feature",
            "properties": {
                "code": a.code,
                "name_zh": a.name_zh,
                "name_en": a.name_en,
                "name": a.name_zh if locale.startswith("zh") else a.name_en,
            },
            "geometry": mapping(a.geometry),
        }
        for a in service_area().areas(org_code)
    ]
    return {"type": "FeatureCollection", "features": features}


def home_view(org_code: str, session: Session, org_id: int) -> tuple[float, float, float, float]:
    """A bbox framing the organisation's area: its built-up areas and its depots and service
    stations together (the county with its outlying depots, the coach maker's network), with a
    small margin; China when it has neither."""
    boxes = [a.geometry.bounds for a in service_area().areas(org_code)]
    corners = session.execute(
        sa.select(
            sa.func.min(Depot.lon), sa.func.min(Depot.lat), sa.func.max(Depot.lon), sa.func.max(Depot.lat)
        ).where(Depot.org_id == org_id)
    ).one()
    if corners[0] is not None:
        boxes.append(tuple(corners))
    if not boxes:
        return (73.0, 18.0, 135.0, 54.0)
    west, south = min(b[0] for b in boxes), min(b[1] for b in boxes)
    east, north = max(b[2] for b in boxes), max(b[3] for b in boxes)
    pad = max(east - west, north - south, 0.02) * 0.08
    return (west - pad, south - pad, east + pad, north + pad)
