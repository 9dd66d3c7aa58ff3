"""Who can take a job: the candidates for an order and their ranking, vectorised over technicians.

A *roster* is a snapshot of an organisation's technicians and service stations as numpy arrays
(position, skills, duty, leave, load). Ranking a job is then a handful of array operations over
it, whatever the number of technicians — no Python loop over them, no geodesic per pair.

Candidates are the technicians who
- have the skills the report type needs (``all`` of them, or ``any`` — ``[assign] skills_match``),
- are on duty and not away (away: ``duty_status`` on_leave, or ``leave_until`` in the future),
- have fewer open jobs (assigned, or offered and not answered yet) than their ``max_load``;
and, for a qualified technician who is away, his designated substitute (同岗替代, R8) stands in
for him — found by following ``substitute`` up to three hops past colleagues who are away too —
even when the substitute's own skill list lacks the skill: he holds the same post.

They are ranked by: can they be on site before the deadline to aim for (the ``arrive``
milestone, else ``warning_sign``), then by ETA, then by load (then by id, for a stable order).
ETA = great-circle distance × road factor ÷ the zone's speed + a start delay, from the last known
position (the last job site, the home depot at the start of a shift, or where a dispatcher put
him); a technician with no known position has an infinite ETA and ranks last.
"""

from __future__ import annotations

import copy
import json
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

import numpy as np
import sqlalchemy as sa
from numpy.typing import NDArray
from sqlalchemy import event
from sqlalchemy.orm import Session

from dispatch.assign.models import DutyStatus, Offer, OfferState, Technician
from dispatch.geo.distance import haversine_km_many
from dispatch.geo.models import Depot
from dispatch.orders.models import Milestone, Status, WorkOrder

#: States in which an assigned order counts towards a technician's load.
LOADED = (Status.ACCEPTED, Status.EN_ROUTE, Status.ON_SITE, Status.ON_HOLD)
#: Milestones that say when someone must be on site, in order of preference.
TARGET_MILESTONES = ("arrive", "warning_sign")
#: How many substitutes are followed past colleagues who are away too.
SUBSTITUTE_HOPS = 3


@dataclass(frozen=True)
class Policy:
    """The configurable parts of ranking (config/settings.toml ``[assign]``)."""

    road_factor: float = 1.3
    speed_kmh: Mapping[str, float] = field(default_factory=lambda: {"built_up": 25.0, "outside": 50.0})
    start_delay_min: float = 5.0
    skills_match: str = "all"
    #: Seconds a roster read from the database may be reused (0: read it every time).
    roster_cache_s: float = 0.0

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Policy:
        match = str(config.get("ASSIGN_SKILLS_MATCH", "all"))
        if match not in ("all", "any"):
            raise ValueError(f'[assign] skills_match must be "all" or "any", not {match!r}')
        factor = float(config.get("ASSIGN_ROAD_FACTOR", 1.3))
        speeds = {
            "built_up": float(config.get("ASSIGN_SPEED_KMH_BUILT_UP", 25.0)),
            "outside": float(config.get("ASSIGN_SPEED_KMH_OUTSIDE", 50.0)),
        }
        if factor < 1 or min(speeds.values()) <= 0:
            raise ValueError("[assign] road_factor must be >= 1 and the speeds positive")
        return cls(
            road_factor=factor,
            speed_kmh=speeds,
            start_delay_min=float(config.get("ASSIGN_START_DELAY_MIN", 5.0)),
            skills_match=match,
            roster_cache_s=float(config.get("ASSIGN_ROSTER_CACHE_S", 0.0)),
        )

    def speed_for(self, zone: str | None) -> float:
        # An order not yet placed in a zone is planned at the slower (town) speed: the stricter.
        return self.speed_kmh.get(zone or "built_up", min(self.speed_kmh.values()))


@dataclass(frozen=True)
class TechnicianRow:
    """What ranking needs to know of one technician."""

    id: int
    lat: float | None
    lon: float | None
    skills: Sequence[str]
    available: bool  #: on duty and not away
    away: bool  #: on leave (duty status or a leave_until in the future)
    load: int
    max_load: int
    substitute_id: int | None = None
    position_source: str | None = None


class Roster:
    """An organisation's technicians as arrays, built once and ranked against many times.

    Every argument is a sequence in the same order (ids ascending or not); ``substitute_ids``
    holds 0 or None where there is no substitute, ``lat``/``lon`` None where unknown.
    """

    def __init__(
        self,
        *,
        ids: Sequence[int],
        lat: Sequence[float | None],
        lon: Sequence[float | None],
        skills: Sequence[Sequence[str]],
        available: Sequence[bool],
        away: Sequence[bool],
        load: Sequence[int],
        max_load: Sequence[int],
        substitute_ids: Sequence[int | None],
        position_source: Sequence[str | None],
    ):
        n = len(ids)
        self.ids: NDArray[np.int64] = np.asarray(ids, np.int64).reshape(n)
        # None becomes NaN: an unknown position.
        self.lat = np.asarray(lat, np.float64).reshape(n)
        self.lon = np.asarray(lon, np.float64).reshape(n)
        self.available = np.asarray(available, bool).reshape(n)
        self.away = np.asarray(away, bool).reshape(n)
        self.load = np.asarray(load, np.int64).reshape(n)
        self.max_load = np.asarray(max_load, np.int64).reshape(n)
        self.position_source = list(position_source)
        self.index = {int(i): k for k, i in enumerate(self.ids)}
        subs = np.asarray([s or 0 for s in substitute_ids], np.int64).reshape(n)
        order = np.argsort(self.ids)
        where = np.searchsorted(self.ids, subs, sorter=order) if n else subs
        where = order[np.minimum(where, max(n - 1, 0))] if n else where
        known = (subs > 0) & (self.ids[where] == subs) if n else np.zeros(0, bool)
        self.substitute = np.where(known, where, -1)
        self.skills: dict[str, NDArray[np.bool_]] = {}
        groups: dict[tuple[str, ...], list[int]] = {}
        for k, row_skills in enumerate(skills):
            groups.setdefault(tuple(row_skills or ()), []).append(k)
        for group, members in groups.items():
            for skill in group:
                self.skills.setdefault(skill, np.zeros(n, bool))[members] = True

    @classmethod
    def from_rows(cls, rows: Sequence[TechnicianRow]) -> Roster:
        return cls(
            ids=[r.id for r in rows],
            lat=[r.lat for r in rows],
            lon=[r.lon for r in rows],
            skills=[r.skills for r in rows],
            available=[r.available for r in rows],
            away=[r.away for r in rows],
            load=[r.load for r in rows],
            max_load=[r.max_load for r in rows],
            substitute_ids=[r.substitute_id for r in rows],
            position_source=[r.position_source for r in rows],
        )

    def __len__(self) -> int:
        return len(self.ids)

    def with_load(self, load: NDArray[np.int64]) -> Roster:
        """The same roster with other loads (the cheap, always fresh part)."""
        other = copy.copy(self)
        other.load = load
        return other

    def qualified(self, skills: Iterable[str], match: str = "all") -> NDArray[np.bool_]:
        skills = list(skills)
        if not skills:
            return np.ones(len(self), bool)
        none = np.zeros(len(self), bool)
        masks = [self.skills.get(s, none) for s in skills]
        return np.logical_and.reduce(masks) if match == "all" else np.logical_or.reduce(masks)


@dataclass(frozen=True)
class Candidate:
    technician_id: int
    eta_min: float
    distance_km: float
    #: Can be on site before the deadline to aim for (always True when there is none).
    can_meet: bool
    load: int
    #: The away colleague this technician stands in for, if he is here as a substitute.
    stands_in_for_id: int | None = None
    position_source: str | None = None


def rank(
    roster: Roster,
    *,
    lat: float,
    lon: float,
    zone: str | None,
    skills: Iterable[str],
    now: datetime,
    due_at: datetime | None,
    policy: Policy,
    exclude: Iterable[int] = (),
    limit: int | None = None,
) -> list[Candidate]:
    """The candidates for a job at (``lat``, ``lon``), best first; see the module docstring.

    ``exclude``: technician ids not to consider (those already offered this job). ``limit``: at
    most this many. An empty list when nobody fits.
    """
    if not len(roster):
        return []
    qualified = roster.qualified(skills, policy.skills_match)
    free = roster.available & (roster.load < roster.max_load)
    eligible = qualified & free
    stand_in = np.full(len(roster), -1, np.int64)
    away = np.flatnonzero(qualified & roster.away)
    if away.size:
        stand_in_for = away.copy()
        sub = roster.substitute[away]
        for _ in range(SUBSTITUTE_HOPS):
            # A substitute who is away himself hands over to his own substitute.
            passing = (sub >= 0) & roster.away[np.maximum(sub, 0)]
            if not passing.any():
                break
            sub = np.where(passing, roster.substitute[np.maximum(sub, 0)], sub)
        # The substitute covers the absent colleague's post (同岗替代): free is enough, whether
        # or not he would have been a candidate of his own.
        ok = (sub >= 0) & free[np.maximum(sub, 0)]
        # Several away colleagues may share a substitute: the first one named is kept.
        stand_in[sub[ok][::-1]] = stand_in_for[ok][::-1]
        eligible = eligible | (stand_in >= 0)
    excluded = list(exclude)
    if excluded:
        eligible &= ~np.isin(roster.ids, np.asarray(excluded, np.int64))
    picked = np.flatnonzero(eligible)
    if not picked.size:
        return []
    km = haversine_km_many(lat, lon, roster.lat[picked], roster.lon[picked])
    eta = km * policy.road_factor / policy.speed_for(zone) * 60.0 + policy.start_delay_min
    eta = np.where(np.isnan(eta), np.inf, eta)
    window_min = np.inf if due_at is None else (due_at - now).total_seconds() / 60.0
    can_meet = eta <= window_min
    # A substitute is ranked where the colleague he stands in for would have been (by that
    # colleague's ETA from his last known position), or where his own ETA puts him if that
    # is better; his own ETA and whether he himself makes the deadline are what is shown.
    rank_eta, rank_meet = eta.copy(), can_meet.copy()
    absent = stand_in[picked]
    covering = absent >= 0
    if covering.any():
        others = absent[covering]
        km_absent = haversine_km_many(lat, lon, roster.lat[others], roster.lon[others])
        eta_absent = km_absent * policy.road_factor / policy.speed_for(zone) * 60.0 + policy.start_delay_min
        eta_absent = np.where(np.isnan(eta_absent), np.inf, eta_absent)
        rank_eta[covering] = np.minimum(eta[covering], eta_absent)
        rank_meet[covering] |= eta_absent <= window_min
    load = roster.load[picked]
    # lexsort sorts by the last key first: meets the deadline, then ETA, then load, then id.
    order = np.lexsort((roster.ids[picked], load, rank_eta, ~rank_meet))
    if limit is not None:
        order = order[:limit]
    return [
        Candidate(
            technician_id=int(roster.ids[picked[k]]),
            eta_min=float(eta[k]),
            distance_km=float(km[k]),
            can_meet=bool(can_meet[k]),
            load=int(load[k]),
            stands_in_for_id=int(roster.ids[stand_in[picked[k]]]) if stand_in[picked[k]] >= 0 else None,
            position_source=roster.position_source[picked[k]],
        )
        for k in order
    ]


def is_away(tech: Technician, now: datetime) -> bool:
    return tech.duty_status is DutyStatus.ON_LEAVE or (
        tech.leave_until is not None and tech.leave_until > now
    )


@lru_cache(maxsize=256)
def _skills(text: str | None) -> tuple[str, ...]:
    # Few distinct skill lists exist: parse each once.
    return tuple(json.loads(text)) if text else ()


def current_loads(session: Session, org_id: int) -> dict[int, int]:
    """A technician's load — the one definition, used by ranking, the technicians list and the
    technician's page: the jobs he holds and has not finished (accepted, on the way, on site, on
    hold) plus the offers awaiting his answer (an offer reserves him, so a burst of reports does
    not pile every job on the nearest one). Work done, signed or closed is no load."""
    loads: dict[int, int] = {}
    assigned = (
        sa.select(WorkOrder.assignee_id, sa.func.count(WorkOrder.id))
        .where(WorkOrder.org_id == org_id, WorkOrder.status.in_(LOADED), WorkOrder.assignee_id.isnot(None))
        .group_by(WorkOrder.assignee_id)
    )
    offered = (
        sa.select(Offer.technician_id, sa.func.count(Offer.id))
        .where(Offer.org_id == org_id, Offer.state == OfferState.PENDING)
        .group_by(Offer.technician_id)
    )
    for query in (assigned, offered):
        for tech_id, count in session.execute(query):
            loads[tech_id] = loads.get(tech_id, 0) + count
    return loads


_rosters: dict[tuple[str, int], tuple[float, Roster]] = {}
_rosters_lock = threading.Lock()


def forget_rosters() -> None:
    with _rosters_lock:
        _rosters.clear()


@event.listens_for(Session, "after_flush")
def _technicians_changed(session: Session, _flush_context) -> None:
    # A technician written in this process (duty, position, leave) makes cached rosters stale;
    # other processes' changes are seen after ``roster_cache_s`` at most.
    if _rosters and any(isinstance(o, Technician) for o in (*session.new, *session.dirty, *session.deleted)):
        forget_rosters()


def load_roster(session: Session, org_id: int, now: datetime, *, max_age_s: float = 0.0) -> Roster:
    """The organisation's technicians and service stations as a Roster.

    Loads are always read fresh; the rest (positions, skills, duty, leave, substitutes) may be
    reused for ``max_age_s`` seconds, as it changes far less often than reports arrive.
    """
    key = (str(session.get_bind().url), org_id)
    cached = _rosters.get(key) if max_age_s > 0 else None
    if cached is not None and time.monotonic() - cached[0] <= max_age_s:
        base = cached[1]
    else:
        base = _read_roster(session, org_id, now)
        if max_age_s > 0:
            with _rosters_lock:
                _rosters[key] = (time.monotonic(), base)
    loads = current_loads(session, org_id)
    return base.with_load(np.fromiter((loads.get(int(i), 0) for i in base.ids), np.int64, len(base)))


def _read_roster(session: Session, org_id: int, now: datetime) -> Roster:
    """Duty, leave and the fallback to the home depot's position are worked out by the database,
    and rows come back as plain numbers and strings: thousands of technicians load in one pass."""
    away = sa.or_(
        Technician.duty_status == DutyStatus.ON_LEAVE,
        sa.and_(Technician.leave_until.isnot(None), Technician.leave_until > now),
    )
    known = Technician.last_lat.isnot(None) & Technician.last_lon.isnot(None)
    rows = session.execute(
        sa.select(
            Technician.id,
            sa.case((known, Technician.last_lat), else_=Depot.lat),
            sa.case((known, Technician.last_lon), else_=Depot.lon),
            sa.case((known, Technician.last_position_source), (Depot.lat.isnot(None), "depot"), else_=None),
            sa.cast(Technician.skills, sa.Text),
            sa.and_(Technician.duty_status == DutyStatus.ON_DUTY, sa.not_(away)),
            away,
            Technician.max_load,
            Technician.substitute_id,
        )
        .outerjoin(Depot, Depot.id == Technician.home_depot_id)
        .where(Technician.org_id == org_id)
        .order_by(Technician.id)
    ).all()
    if not rows:
        return Roster.from_rows([])
    ids, lat, lon, source, skills, available, is_away_, max_load, subs = zip(*rows, strict=True)
    return Roster(
        ids=ids,
        lat=lat,
        lon=lon,
        skills=[_skills(s) for s in skills],
        available=[bool(a) for a in available],
        away=[bool(a) for a in is_away_],
        load=[0] * len(ids),
        max_load=max_load,
        substitute_ids=subs,
        position_source=source,
    )


def target_milestone(order: WorkOrder) -> Milestone | None:
    """The deadline a technician must make: ``arrive``, else ``warning_sign``; None when the
    order has no on-site deadline still open (office work, or already met)."""
    by_name = {m.name: m for m in order.milestones}
    for name in TARGET_MILESTONES:
        milestone = by_name.get(name)
        if milestone is not None and milestone.due_at is not None and milestone.met_at is None:
            return milestone
    return None


def candidates_for(
    session: Session,
    order: WorkOrder,
    *,
    now: datetime,
    policy: Policy,
    skills: Iterable[str],
    exclude: Iterable[int] = (),
    limit: int | None = None,
    roster: Roster | None = None,
) -> list[Candidate]:
    """The ranked candidates for ``order`` (placed or not: an order without a position is
    ranked by load alone, every ETA unknown)."""
    if roster is None:
        roster = load_roster(session, order.org_id, now, max_age_s=policy.roster_cache_s)
    target = target_milestone(order)
    return rank(
        roster,
        lat=order.lat if order.lat is not None else np.nan,
        lon=order.lon if order.lon is not None else np.nan,
        zone=order.zone,
        skills=skills,
        now=now,
        due_at=target.due_at if target else None,
        policy=policy,
        exclude=exclude,
        limit=limit,
    )
