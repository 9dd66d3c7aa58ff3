"""The solver's search: cheapest insertion, then relocation local search and ruin-and-recreate.

Every step keeps the rules: a job only goes to a technician ``can_do`` allows (pins, declines,
skills), a queue never grows past ``max_jobs``, jobs pinned first stay at the head of their
technician's queue in their order and are never moved. A job that ends up with another technician
than before costs ``Weights.per_move`` (an SMS to two people), so the search moves jobs only when
that buys more than it costs.
"""

from __future__ import annotations

import math
import random
import time

from dispatch.plan.solver_eval import Context

CANDIDATES = 24  # technicians tried for a job when there are more (the nearest ones)
EPS = 1e-9


class Search:
    def __init__(self, ctx: Context, routes: list[list[int]]):
        self.ctx = ctx
        self.routes = routes  # per worker index, job points
        self.where = {j: wi for wi, r in enumerate(routes) for j in r}
        self.costs: list[float | None] = [None] * len(routes)  # computed when first needed
        self._cand_cache: dict[int, list[int]] = {}

    # -- bookkeeping -------------------------------------------------------------------------
    def move_pen(self, j: int, wi: int) -> float:
        o = self.ctx.owner[j]
        return self.ctx.per_move if o >= 0 and o != wi else 0.0

    def rcost(self, wi: int) -> float:
        c = self.costs[wi]
        if c is None:
            c = self.costs[wi] = self.ctx.cost(wi, self.routes[wi])
        return c

    def total(self) -> float:
        return sum(self.rcost(wi) for wi in range(len(self.routes))) + sum(
            self.move_pen(j, wi) for j, wi in self.where.items()
        )

    def lo(self, wi: int) -> int:
        """First position a job not pinned first may take in worker wi's queue."""
        r, first, n = self.routes[wi], self.ctx.first, 0
        while n < len(r) and first[r[n]]:
            n += 1
        return n

    def candidates(self, j: int) -> list[int]:
        ctx = self.ctx
        cached = self._cand_cache.get(j)
        if cached is not None:
            return cached
        able = [wi for wi in range(ctx.nw) if ctx.can(wi, j)]
        if len(able) > CANDIDATES:
            km = ctx.km_from(j)
            near = {}
            for wi in able:
                d = km[wi]
                for x in self.routes[wi]:
                    if km[x] < d:
                        d = km[x]
                near[wi] = d
            able = sorted(able, key=lambda wi: (near[wi], wi))[:CANDIDATES]
        self._cand_cache[j] = able
        return able

    # -- insertion ---------------------------------------------------------------------------
    def best_insert(self, j: int, best: float = math.inf, skip: int = -1):
        """Cheapest (delta, worker, position) for job j over its candidate technicians."""
        ctx = self.ctx
        km_, sec, rel, dl, svc, miss = ctx.km, ctx.sec, ctx.rel, ctx.dl, ctx.svc, ctx.miss
        pk, lps = ctx.per_km, ctx.late_per_s
        found = None
        first = ctx.first[j]
        for wi in self.candidates(j):
            r = self.routes[wi]
            if wi == skip or len(r) + 1 > ctx.max_jobs[wi]:
                continue
            pen = self.move_pen(j, wi)
            if pen >= best:
                continue
            old = self.rcost(wi)
            lo = self.lo(wi)
            positions = range(0, lo + 1) if first else range(lo, len(r) + 1)
            states = ctx.states(wi, r)
            rowj_km = km_[j]
            for pos in positions:
                t, loc, c = states[pos]
                t = ctx.depart(t)
                on = t + sec[loc][j]
                if on < rel[j]:
                    on = rel[j]
                own = pk * km_[loc][j]
                if on > dl[j]:
                    own += miss[j] + lps * (on - dl[j])
                if pos < len(r):
                    nxt = r[pos]
                    lb = own + pk * (rowj_km[nxt] - km_[loc][nxt])
                else:
                    lb = own
                if lb + pen >= best:
                    continue
                delta = c + own + ctx.cost(wi, r, pos, on + svc[j], j) - old + pen
                if delta < best:
                    best, found = delta, (delta, wi, pos)
        return found

    def insert(self, j: int, wi: int, pos: int) -> None:
        self.routes[wi].insert(pos, j)
        self.where[j] = wi
        self.costs[wi] = self.ctx.cost(wi, self.routes[wi])

    def remove(self, j: int) -> int:
        wi = self.where.pop(j)
        self.routes[wi].remove(j)
        self.costs[wi] = self.ctx.cost(wi, self.routes[wi])
        return wi

    # -- local search ------------------------------------------------------------------------
    def movable(self) -> list[int]:
        return [j for r in self.routes for j in r if not self.ctx.first[j]]

    def relocate_pass(self, order: list[int], stop: float) -> bool:
        """Move each job to where it costs least if that helps; True if anything moved."""
        ctx, improved = self.ctx, False
        for n, j in enumerate(order):
            if n % 8 == 0 and time.perf_counter() > stop:
                break
            wi = self.where.get(j)
            if wi is None:
                continue
            r = self.routes[wi]
            pos = r.index(j)
            rest = r[:pos] + r[pos + 1 :]
            gain = self.rcost(wi) - ctx.cost(wi, rest) + self.move_pen(j, wi)
            if gain <= EPS:
                continue
            # try the job elsewhere in its own queue, then in the other queues
            old_route, old_cost = r, self.costs[wi]
            self.routes[wi], self.costs[wi] = rest, old_cost - gain + self.move_pen(j, wi)
            found = self.best_insert(j, best=gain - EPS)
            if found is None:
                self.routes[wi], self.costs[wi] = old_route, old_cost
                continue
            _, wj, p = found
            del self.where[j]
            self.insert(j, wj, p)
            improved = True
        return improved

    def local_search(self, stop: float, rng: random.Random) -> None:
        while time.perf_counter() < stop:
            order = self.movable()
            rng.shuffle(order)
            if not self.relocate_pass(order, stop):
                break

    def ruin_recreate(self, rng: random.Random, size: int) -> None:
        """Take out ``size`` related jobs (near one picked at random) and put them back."""
        ctx = self.ctx
        pool = self.movable()
        if not pool:
            return
        seed = rng.choice(pool)
        km = ctx.km[seed]
        related = sorted(pool, key=lambda x: (km[x] * (0.5 + rng.random()), x))[:size]
        for j in related:
            self.remove(j)
        # the most pressing first: missed promises weigh more; then the earliest deadline
        related.sort(key=lambda x: (-ctx.miss[x], ctx.dl[x], rng.random()))
        for j in related:
            found = self.best_insert(j)
            if found is None:  # only its old place fits (max_jobs); any worker that can
                found = next(
                    (0, wi, len(self.routes[wi]))
                    for wi in range(ctx.nw)
                    if ctx.can(wi, j) and len(self.routes[wi]) < ctx.max_jobs[wi]
                )
            self.insert(j, found[1], found[2])


def improve(search: Search, budget_s: float, seed: int = 0, rounds: int | None = None) -> None:
    """Local search, then ruin-and-recreate rounds (each kept only if it lowers the cost) until
    ``budget_s`` runs out — or exactly ``rounds`` rounds when given (repeatable results)."""
    rng = random.Random(seed)
    start = time.perf_counter()
    stop = math.inf if rounds is not None else start + budget_s
    search.local_search(stop, rng)
    best_cost = search.total()
    n = 0
    while (rounds is None and time.perf_counter() < stop) or (rounds is not None and n < rounds):
        n += 1
        snapshot = ([list(r) for r in search.routes], list(search.costs), dict(search.where))
        size = rng.randint(3, max(3, min(15, len(search.where) // 3 or 1)))
        search.ruin_recreate(rng, size)
        search.local_search(stop, rng)
        cost = search.total()
        if cost < best_cost - EPS:
            best_cost = cost
        else:
            search.routes, search.costs, search.where = snapshot
