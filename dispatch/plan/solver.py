"""Plan the unstarted jobs of an organisation: who goes where next, in what order.

Pure computation on plain values — no database, no Flask — so the live system (the worker's
re-plan) and ``dispatch bench quality`` run exactly the same code.

Times are *local seconds*: seconds since 1970-01-01 00:00 local wall time, so ``t % 86400`` is
the time of day and shifts can be checked without a time zone. A technician sets off for his next
job as soon as the last one is finished (``Worker.free_s``, at ``Worker.lat/lon``) and, when
``Shift`` is given, only within its hours; he drives at the *destination* zone's speed and starts
work on arrival but never before the job was reported. A job is on time when he is on site by its
deadline.

The objective, in order: promises kept (an urgent job's weighs ``Weights.urgent``), then the
lateness of the rest, then travel — and few moves (a job given to another technician costs an SMS
to two people).
"""

from __future__ import annotations

import gc
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

EARTH_KM = 6371.0088


@dataclass(frozen=True)
class Travel:
    """Great-circle km × road factor, at the destination zone's speed, plus a start delay."""

    road_factor: float = 1.3
    speed_kmh: Mapping[str, float] = field(default_factory=lambda: {"built_up": 25.0, "outside": 50.0})
    start_delay_s: float = 0.0

    def km(self, lat1: float, lon1: float, lat2: float, lon2: float) -> float:
        p1, p2 = math.radians(lat1), math.radians(lat2)
        a = (
            math.sin((p2 - p1) / 2) ** 2
            + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
        )
        return 2 * EARTH_KM * math.asin(math.sqrt(a)) * self.road_factor

    def seconds(self, km: float, zone: str | None) -> int:
        speed = self.speed_kmh.get(zone or "built_up", min(self.speed_kmh.values()))
        return math.ceil(km / speed * 3600 + self.start_delay_s)


@dataclass(frozen=True)
class Shift:
    """Daily hours within which a technician sets off (a job begun runs past the end)."""

    start_s: int = 8 * 3600
    end_s: int = 20 * 3600

    def first_departure(self, t: float) -> float:
        day, clock = divmod(t, 86400)
        if clock < self.start_s:
            return day * 86400 + self.start_s
        if clock >= self.end_s:
            return (day + 1) * 86400 + self.start_s
        return t


@dataclass(frozen=True)
class Job:
    key: int
    lat: float
    lon: float
    zone: str | None
    reported_s: float
    deadline_s: float | None
    service_s: float
    urgent: bool = False
    skills: frozenset[str] = frozenset()
    #: A dispatcher's pin: the job stays with this technician; ``pinned_first``: and goes first.
    pinned_to: int | None = None
    pinned_first: bool = False
    #: Technicians who may not get it (they declined it, or let the offer time out).
    excluded: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Worker:
    key: int
    #: Where and when he is free of the jobs he has already set off for.
    lat: float
    lon: float
    free_s: float
    skills: frozenset[str] = frozenset()
    #: His plan before this re-plan (job keys, unstarted jobs only).
    queue: tuple[int, ...] = ()
    #: At most this many jobs in his plan (None: no limit).
    max_jobs: int | None = None


@dataclass(frozen=True)
class Weights:
    urgent: float = 5.0  # a missed urgent promise counts as this many missed others
    #: In missed promises per hour of lateness: a day late weighs less than one promise, so a
    #: job already late never takes the place of one that can still be kept.
    late_per_hour: float = 0.01
    #: A km driven is some two minutes of a technician's time: 100 km weigh one promise.
    per_km: float = 0.01
    per_move: float = 0.05  # a job given to another technician: two text messages


@dataclass(frozen=True)
class Problem:
    now_s: float
    jobs: Mapping[int, Job]
    workers: Sequence[Worker]
    travel: Travel = Travel()
    shift: Shift | None = None
    weights: Weights = Weights()


@dataclass
class Plan:
    queues: dict[int, list[int]]
    #: Planned on-site time per job, and the jobs planned past their deadline.
    eta_s: dict[int, float]
    late: set[int]
    #: Jobs now in another technician's plan than before.
    moves: int
    #: Jobs no technician can take (no skill, every plan full); they wait for a dispatcher.
    unplanned: list[int]
    cost: float


def can_do(worker: Worker, job: Job) -> bool:
    if job.pinned_to is not None and job.pinned_to != worker.key:
        return False
    return worker.key not in job.excluded and job.skills <= worker.skills


def timeline(p: Problem, worker: Worker, queue: Iterable[int]) -> Iterable[tuple[int, float, float, float]]:
    """(job, depart, on_site, finish) for each job of a worker's queue, in order."""
    lat, lon, free = worker.lat, worker.lon, max(worker.free_s, p.now_s)
    for key in queue:
        job = p.jobs[key]
        depart = p.shift.first_departure(free) if p.shift else free
        km = p.travel.km(lat, lon, job.lat, job.lon)
        on_site = max(depart + p.travel.seconds(km, job.zone), job.reported_s)
        free = on_site + job.service_s
        yield key, depart, on_site, free
        lat, lon = job.lat, job.lon


def queue_cost(p: Problem, worker: Worker, queue: Sequence[int]) -> float:
    w, cost = p.weights, 0.0
    lat, lon = worker.lat, worker.lon
    for key, _, on_site, _ in timeline(p, worker, queue):
        job = p.jobs[key]
        cost += w.per_km * p.travel.km(lat, lon, job.lat, job.lon)
        lat, lon = job.lat, job.lon
        if job.deadline_s is not None and on_site > job.deadline_s:
            cost += (w.urgent if job.urgent else 1.0) + w.late_per_hour * (on_site - job.deadline_s) / 3600
    return cost


def _pins_first(p: Problem, queue: list[int]) -> list[int]:
    first = [k for k in queue if p.jobs[k].pinned_first]
    return first + [k for k in queue if not p.jobs[k].pinned_first] if first else queue


def insert_one(p: Problem, queues: dict[int, list[int]], key: int) -> int | None:
    """Put ``key`` where it costs least (the nearest able technicians, every position), the
    other jobs left where they are; returns the worker, or None when no one can take it."""
    ctx = Context(p)
    routes = [[ctx.jidx[k] for k in queues.get(w.key, []) if k in ctx.jidx and k != key] for w in p.workers]
    search = Search(ctx, routes)
    found = search.best_insert(ctx.jidx[key])
    if found is None:
        return None
    _, wi, pos = found
    wkey, route = ctx.wkeys[wi], routes[wi]
    queue = queues.setdefault(wkey, [])
    queue.insert(queue.index(ctx.jkeys[route[pos] - ctx.nw]) if pos < len(route) else len(queue), key)
    return wkey


def plan(
    p: Problem,
    *,
    budget_s: float = 0.0,
    seed: int = 0,
    rounds: int | None = None,
    start: Mapping[int, Sequence[int]] | None = None,
) -> Plan:
    """Keep every worker's queue, insert the jobs no queue holds (earliest deadline first), then
    improve within ``budget_s`` seconds (relocations, then ruin-and-recreate rounds seeded with
    ``seed``; ``rounds`` runs exactly that many instead, for a result that does not depend on the
    machine's speed). Pins are kept.

    Answer a report with ``budget_s=0`` (milliseconds: only the new job is placed, nothing else
    moves) and improve off the request path with about half a second per re-plan: on a storm day
    that keeps some 8 more promises in 100 than the insertion alone.

    ``start``: begin from these queues instead of the workers' own (a plan improved a moment ago on
    an older snapshot): what is still valid in them is kept, the rest is inserted, and moves still
    count against the workers' own queues."""
    was_enabled = gc.isenabled()  # the search makes many small objects and frees them all at the end:
    gc.disable()  # a cyclic collection halfway through the plan only costs time
    try:
        return _plan(p, budget_s, seed, rounds, start)
    finally:
        if was_enabled:
            gc.enable()


def _plan(
    p: Problem, budget_s: float, seed: int, rounds: int | None, start: Mapping[int, Sequence[int]] | None
) -> Plan:
    ctx = Context(p)
    routes: list[list[int]] = []
    placed: set[int] = set()
    loose: list[int] = []
    for w in p.workers:
        kept = []
        for k in w.queue if start is None else start.get(w.key, ()):
            if k in p.jobs and k not in placed and can_do(w, p.jobs[k]):
                kept.append(k)
                placed.add(k)
            elif k in p.jobs and k not in placed:
                loose.append(k)
        routes.append([ctx.jidx[k] for k in _pins_first(p, kept)])
    search = Search(ctx, routes)
    new = [k for k in p.jobs if k not in placed and k not in loose]
    unplanned = []
    for key in sorted(dict.fromkeys([*loose, *new]), key=lambda k: (p.jobs[k].deadline_s or math.inf, k)):
        found = search.best_insert(ctx.jidx[key])
        if found is None:
            unplanned.append(key)
        else:
            search.insert(ctx.jidx[key], found[1], found[2])
    if budget_s > 0 or rounds:
        improve(search, budget_s, seed=seed, rounds=rounds)
    queues = {ctx.wkeys[wi]: [ctx.jkeys[j - ctx.nw] for j in r] for wi, r in enumerate(search.routes)}
    return finish(p, {w.key: w for w in p.workers}, queues, unplanned, ctx)


from dispatch.plan.solver_search import Context, Search, improve  # noqa: E402


def finish(
    p: Problem,
    workers: Mapping[int, Worker],
    queues: dict[int, list[int]],
    unplanned: list[int],
    ctx=None,
) -> Plan:
    before = {k: w.key for w in p.workers for k in w.queue}
    eta, late, cost = {}, set(), 0.0
    for wkey, queue in queues.items():
        if ctx is not None:
            wi, seq = ctx.widx[wkey], [ctx.jidx[k] for k in queue]
            cost += ctx.cost(wi, seq)
            times = zip(queue, ctx.on_site(wi, seq), strict=True)
        else:
            cost += queue_cost(p, workers[wkey], queue)
            times = ((key, on_site) for key, _, on_site, _ in timeline(p, workers[wkey], queue))
        for key, on_site in times:
            eta[key] = on_site
            deadline = p.jobs[key].deadline_s
            if deadline is not None and on_site > deadline:
                late.add(key)
    moves = sum(1 for wkey, queue in queues.items() for k in queue if before.get(k, wkey) != wkey)
    return Plan(queues, eta, late, moves, unplanned, cost + p.weights.per_move * moves)
