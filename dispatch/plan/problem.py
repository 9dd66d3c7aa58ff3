"""The planner's view of an organisation, read from the database: its unstarted jobs and its
technicians as the solver's plain values (``solver.Problem``), plus what the re-plan needs to act
on the answer (the orders, the open offers, who holds each job now).

A job to plan is an order queued, offered (to one technician, not a broadcast) or accepted, with
a place and not on hold; one a technician has set off for (on the way, on site) is his, never
planned again — it fixes where and when he is free. The rules of ranking carry over: the type's
skills (``[assign] skills_match``), on duty and not away, the substitute of an away colleague
standing in for his post (with that colleague's skills), the technician's ``max_load``, the
travel model of ``[assign]``. Declined, timed-out and undelivered offers keep the job away from
those technicians; a dispatcher's pin keeps it with one (and first, if so pinned).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from dispatch import clock
from dispatch.assign.models import DutyStatus, OfferState, Technician
from dispatch.assign.offers import auto_dispatch_enabled
from dispatch.assign.ranking import SUBSTITUTE_HOPS, Policy, is_away
from dispatch.orders.models import Status
from dispatch.plan import reads, solver
from dispatch.plan.models import PlanPin
from dispatch.sla.rules import UnknownType
from dispatch.sla.service import rulebook

#: Orders the planner places in a technician's plan.
PLANNABLE = (Status.QUEUED, Status.OFFERED, Status.ACCEPTED)
#: Orders a technician has set off for: they fix where and when he is next free.
STARTED = (Status.EN_ROUTE, Status.ON_SITE)
#: Offers whose technician may not be planned for the job again.
REFUSED = (OfferState.DECLINED, OfferState.EXPIRED, OfferState.UNDELIVERED)
EPOCH = datetime(1970, 1, 1)


@dataclass(frozen=True)
class PlanSettings:
    """config/settings.toml ``[plan]``."""

    enabled: bool = True
    improve_budget_s: float = 0.5
    batch_s: float = 1.0
    improve_every_s: float = 5.0
    place_gap_s: float = 0.2
    service_min: float = 60.0
    urgent_h: float = 2.0
    day_start: str = ""
    day_end: str = ""
    max_jobs: int = 0

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> PlanSettings:
        return cls(
            enabled=bool(config.get("PLAN_ENABLED", True)),
            improve_budget_s=max(float(config.get("PLAN_IMPROVE_BUDGET_S", 0.2)), 0.0),
            batch_s=max(float(config.get("PLAN_BATCH_S", 1.0)), 0.0),
            improve_every_s=max(float(config.get("PLAN_IMPROVE_EVERY_S", 5.0)), 0.0),
            place_gap_s=max(float(config.get("PLAN_PLACE_GAP_S", 0.2)), 0.0),
            service_min=float(config.get("PLAN_SERVICE_MIN", 60.0)),
            urgent_h=float(config.get("PLAN_URGENT_H", 2.0)),
            day_start=str(config.get("PLAN_DAY_START", "") or ""),
            day_end=str(config.get("PLAN_DAY_END", "") or ""),
            max_jobs=int(config.get("PLAN_MAX_JOBS", 0)),
        )

    def shift(self) -> solver.Shift | None:
        if not self.day_start or not self.day_end:
            return None
        return solver.Shift(_clock_s(self.day_start), _clock_s(self.day_end))


def _clock_s(text: str) -> int:
    hours, minutes = text.strip().split(":")
    return int(hours) * 3600 + int(minutes) * 60


def travel(policy: Policy) -> solver.Travel:
    """The travel model ranking uses, for the solver."""
    return solver.Travel(
        road_factor=policy.road_factor,
        speed_kmh=dict(policy.speed_kmh),
        start_delay_s=policy.start_delay_min * 60.0,
    )


def local_s(moment: datetime) -> float:
    """Local seconds (seconds since 1970-01-01 00:00 local wall time) of an aware datetime."""
    return (clock.local(moment).replace(tzinfo=None) - EPOCH).total_seconds()


def from_local_s(seconds: float) -> datetime:
    wall = EPOCH + timedelta(seconds=seconds)
    return wall.replace(tzinfo=clock.zone()).astimezone(UTC)


def service_s(type_code: str, settings: PlanSettings) -> float:
    """Expected time on site for a report type: the type's ``service_min`` in config/sla.toml,
    else ``[plan] service_min``."""
    try:
        minutes = rulebook().type(type_code).service_min
    except UnknownType:
        minutes = None
    return 60.0 * (minutes if minutes is not None else settings.service_min)


def type_skills(type_code: str) -> tuple[str, ...]:
    try:
        return rulebook().type(type_code).skills
    except UnknownType:
        return ()


@dataclass
class Snapshot:
    """A Problem and the rows behind it (plain rows: ``reads``)."""

    problem: solver.Problem
    orders: dict[int, reads.OrderRow]
    #: Technician rows (``reads.TECH_COLUMNS``).
    techs: dict[int, Any]
    #: Open offers per order (planned orders only): rows of order, technician, state, broadcast.
    pending: dict[int, list[Any]]
    #: Who holds each planned job now: the assignee, the technician offered it, else the last plan.
    holder: dict[int, int]
    #: Each technician's plan before this re-plan (job ids, in order).
    before: dict[int, list[int]]
    #: A substitute → the away colleague whose post he covers.
    covers: dict[int, int] = field(default_factory=dict)
    #: Orders on offer to several technicians at once (a broadcast): left to the first to answer.
    broadcasting: set[int] = field(default_factory=set)
    #: The plan entries before this re-plan, by order id.
    entries: dict[int, Any] = field(default_factory=dict)


def _position(tech: Technician, depots: Mapping[int, Any]) -> tuple[float, float] | None:
    if tech.last_lat is not None and tech.last_lon is not None:
        return tech.last_lat, tech.last_lon
    depot = depots.get(tech.home_depot_id) if tech.home_depot_id else None
    return (depot.lat, depot.lon) if depot is not None else None


def build(
    session: Session, org_id: int, *, now: datetime, settings: PlanSettings, policy: Policy
) -> Snapshot:
    now_s = local_s(now)
    orders = reads.orders(session, org_id, [*PLANNABLE, *STARTED], now)
    started = [o for o in orders.values() if o.status in STARTED and o.assignee_id is not None]
    # A queued job whose type waits for a dispatcher (auto_dispatch off) is not planned.
    auto = {}
    orders = {
        k: o
        for k, o in orders.items()
        if o.status in PLANNABLE
        and o.lat is not None
        and o.lon is not None
        and (o.status is not Status.QUEUED or auto_dispatched(auto, o.type_code))
    }
    techs = reads.technicians(session, org_id)
    depots = reads.depots(session)
    pending: dict[int, list] = {}
    refused: dict[int, set[int]] = {}
    for offer in reads.offers(session, org_id, [OfferState.PENDING, *REFUSED]):
        if offer.work_order_id not in orders:
            continue
        if offer.state is OfferState.PENDING:
            pending.setdefault(offer.work_order_id, []).append(offer)
        else:
            refused.setdefault(offer.work_order_id, set()).add(offer.technician_id)
    pins = {
        row.work_order_id: row
        for row in session.execute(
            sa.select(PlanPin.work_order_id, PlanPin.technician_id, PlanPin.first).where(
                PlanPin.org_id == org_id
            )
        )
    }
    entries = reads.entries(session, org_id)
    before: dict[int, list[int]] = {}
    for entry in entries:
        before.setdefault(entry.technician_id, []).append(entry.work_order_id)
    planned_by = {e.work_order_id: e.technician_id for e in entries}

    broadcasting = {
        k
        for k, offers in pending.items()
        if orders[k].status is Status.OFFERED and (len(offers) > 1 or any(o.broadcast for o in offers))
    }
    holder: dict[int, int] = {}
    for key, order in orders.items():
        if key in broadcasting:
            continue
        if order.status is Status.ACCEPTED and order.assignee_id is not None:
            holder[key] = order.assignee_id
        elif order.status is Status.OFFERED and pending.get(key):
            holder[key] = pending[key][0].technician_id
        elif order.status is Status.QUEUED and key in planned_by:
            holder[key] = planned_by[key]

    # Availability, and the substitutes standing in for away colleagues (with their skills).
    available = {t.id for t in techs.values() if t.duty_status is DutyStatus.ON_DUTY and not is_away(t, now)}
    extra_skills: dict[int, set[str]] = {}
    covers: dict[int, int] = {}
    for tech in techs.values():
        if not is_away(tech, now) or not tech.skills:
            continue
        sub = techs.get(tech.substitute_id) if tech.substitute_id else None
        for _ in range(SUBSTITUTE_HOPS):
            if sub is None or not is_away(sub, now):
                break
            sub = techs.get(sub.substitute_id) if sub.substitute_id else None
        if sub is not None and sub.id in available:
            extra_skills.setdefault(sub.id, set()).update(tech.skills)
            covers.setdefault(sub.id, tech.id)

    # Each report type's skills and time on site, looked up once.
    type_needs: dict[str, frozenset[str]] = {}
    type_service: dict[str, float] = {}

    def on_site_s(type_code: str) -> float:
        if type_code not in type_service:
            type_service[type_code] = service_s(type_code, settings)
        return type_service[type_code]

    # Where and when each technician is free of the jobs he has set off for.
    free: dict[int, tuple[float, float, float]] = {}
    busy: dict[int, int] = {}
    for order in sorted(started, key=lambda o: o.id):
        tech = techs.get(order.assignee_id)
        if tech is None or order.lat is None or order.lon is None:
            continue
        busy[tech.id] = busy.get(tech.id, 0) + 1
        lat, lon, t = free.get(tech.id) or (*(_position(tech, depots) or (order.lat, order.lon)), now_s)
        if order.status is Status.ON_SITE:
            on_site = local_s(order.arrived_at) if order.arrived_at else now_s
        elif order.promised_at is not None:
            # He said when he would be there (OTW with minutes): his word over the estimate.
            on_site = max(local_s(order.promised_at), now_s)
        else:
            km = policy.road_factor * solver.Travel(road_factor=1.0).km(lat, lon, order.lat, order.lon)
            on_site = max(t, now_s) + km / policy.speed_for(order.zone) * 3600
        free[tech.id] = (order.lat, order.lon, max(on_site + on_site_s(order.type_code), now_s))
    held = {}
    for k, tech_id in holder.items():
        held.setdefault(tech_id, []).append(k)

    match_all = policy.skills_match == "all"
    jobs: dict[int, solver.Job] = {}
    for key, order in orders.items():
        if key in broadcasting:
            continue
        deadline = local_s(order.due_at) if order.due_at is not None else None
        reported = local_s(order.reported_at)
        needs = type_needs.get(order.type_code)
        if needs is None:
            needs = type_needs[order.type_code] = frozenset(type_skills(order.type_code))
        excluded = set(refused.get(key, ()))
        if needs and not match_all:
            excluded |= {
                t for t in techs if not needs & (set(techs[t].skills or ()) | extra_skills.get(t, set()))
            }
            needs = frozenset()
        pin = pins.get(key)
        jobs[key] = solver.Job(
            key=key,
            lat=order.lat,
            lon=order.lon,
            zone=order.zone,
            reported_s=reported,
            deadline_s=deadline,
            service_s=on_site_s(order.type_code),
            urgent=deadline is not None and deadline - reported <= settings.urgent_h * 3600,
            skills=needs,
            pinned_to=pin.technician_id if pin is not None else None,
            pinned_first=bool(pin.first) if pin is not None else False,
            excluded=frozenset(excluded),
        )

    workers = []
    for tech in sorted(techs.values(), key=lambda t: t.id):
        mine = held.get(tech.id, [])
        on = tech.id in available
        if not on and not any(orders[k].status is Status.ACCEPTED for k in mine):
            continue
        where = free.get(tech.id)
        if where is None:
            position = _position(tech, depots)
            if position is None:
                continue
            where = (*position, now_s)
        rank = {k: i for i, k in enumerate(before.get(tech.id, []))}
        queue = sorted(
            (k for k in mine if k in jobs),
            key=lambda k: (rank.get(k, math.inf), jobs[k].deadline_s or math.inf, k),
        )
        if on:
            cap = settings.max_jobs or max(tech.max_load - busy.get(tech.id, 0), 0)
        else:
            # Off duty with accepted jobs: he keeps them, and gets nothing more.
            queue = [k for k in queue if orders[k].status is Status.ACCEPTED]
            cap = len(queue)
        workers.append(
            solver.Worker(
                key=tech.id,
                lat=where[0],
                lon=where[1],
                free_s=where[2],
                skills=frozenset(tech.skills or ()) | frozenset(extra_skills.get(tech.id, ())),
                queue=tuple(queue),
                max_jobs=max(cap, len([k for k in queue if orders[k].status is Status.ACCEPTED])),
            )
        )
    problem = solver.Problem(
        now_s=now_s, jobs=jobs, workers=workers, travel=travel(policy), shift=settings.shift()
    )
    return Snapshot(
        problem,
        orders,
        techs,
        pending,
        holder,
        before,
        covers,
        broadcasting,
        {e.work_order_id: e for e in entries},
    )


def auto_dispatched(known: dict[str, bool], type_code: str) -> bool:
    """Whether ``type_code`` is offered automatically (``known``: the answers so far, by type)."""
    if type_code not in known:
        known[type_code] = auto_dispatch_enabled(SimpleNamespace(type_code=type_code))
    return known[type_code]
