"""Fast evaluation of technicians' queues for the solver: one travel table and flat job arrays.

Points are numbered workers first (0 .. W-1, where each is free) then jobs (W ..). Travel from a
point to all others is computed a row at a time with numpy and kept as plain lists, so the
search's inner loops index lists instead of calling functions. Small problems get every row at
once; large ones (hundreds of technicians, thousands of jobs) get the pairs they touch.
"""

from __future__ import annotations

import math

import numpy as np

EARTH_KM = 6371.0088
EAGER_POINTS = 1500  # up to this many points the whole table is computed at once


class Rows(dict):
    """``rows[i][j]`` — a travel table computed one pair at a time, for large problems."""

    def __init__(self, leg):
        super().__init__()

        class Row(dict):
            __slots__ = ("i",)

            def __missing__(self, j: int) -> float:
                value = self[j] = leg(self.i, j)
                return value

        self._row = Row

    def __missing__(self, i: int) -> dict:
        row = self[i] = self._row()
        row.i = i
        return row


class Context:
    """The problem as flat lists; ``cost`` and ``schedule`` evaluate one technician's queue."""

    def __init__(self, p):
        from dispatch.plan.solver import can_do

        self.p = p
        self.workers = list(p.workers)
        self.wkeys = [w.key for w in self.workers]
        self.widx = {w.key: i for i, w in enumerate(self.workers)}
        self.jkeys = list(p.jobs)
        nw = len(self.workers)
        self.nw = nw
        self.jidx = {k: nw + i for i, k in enumerate(self.jkeys)}
        jobs = [p.jobs[k] for k in self.jkeys]
        self.jobs = jobs
        lat = np.radians([w.lat for w in self.workers] + [j.lat for j in jobs])
        lon = np.radians([w.lon for w in self.workers] + [j.lon for j in jobs])
        self._lat, self._lon, self._coslat = lat, lon, np.cos(lat)
        tr = p.travel
        default = min(tr.speed_kmh.values())
        speeds = [default] * nw + [tr.speed_kmh.get(j.zone or "built_up", default) for j in jobs]
        self._inv_speed = 3600.0 / np.array(speeds, dtype=float)
        self._factor, self._delay = tr.road_factor, tr.start_delay_s
        n = nw + len(jobs)
        self.n = n
        self.free = [max(w.free_s, p.now_s) for w in self.workers] + [0.0] * len(jobs)
        self.rel = [0.0] * nw + [float(j.reported_s) for j in jobs]
        self.dl = [math.inf] * nw + [math.inf if j.deadline_s is None else float(j.deadline_s) for j in jobs]
        self.svc = [0.0] * nw + [float(j.service_s) for j in jobs]
        w = p.weights
        self.miss = [0.0] * nw + [w.urgent if j.urgent else 1.0 for j in jobs]
        self.late_per_s = w.late_per_hour / 3600.0
        self.per_km = w.per_km
        self.per_move = w.per_move
        self.first = [False] * nw + [j.pinned_first for j in jobs]
        self.pinned = [False] * nw + [j.pinned_to is not None for j in jobs]
        self.max_jobs = [w.max_jobs if w.max_jobs is not None else 1 << 30 for w in self.workers]
        self.shift = (p.shift.start_s, p.shift.end_s) if p.shift else None
        self._can = {}
        self._can_do = can_do
        #: The worker each job had before this re-plan (a change is a move).
        self.owner = [-1] * n
        for wi, wk in enumerate(self.workers):
            for k in wk.queue:
                if k in self.jidx and self.owner[self.jidx[k]] < 0:
                    self.owner[self.jidx[k]] = wi
        if n <= EAGER_POINTS:
            km = self._km_rows(np.arange(n))
            self.km = km.tolist()
            self.sec = self._seconds(km).tolist()
        else:
            self._la, self._lo, self._cl = lat.tolist(), lon.tolist(), self._coslat.tolist()
            self._inv = self._inv_speed.tolist()
            self.km = Rows(self._km_pair)
            self.sec = Rows(lambda i, j: math.ceil(self.km[i][j] * self._inv[j] + self._delay))
            self._prefill()

    def _km_rows(self, idx: np.ndarray) -> np.ndarray:
        la, lo = self._lat, self._lon
        a = (
            np.sin((la[None, :] - la[idx, None]) / 2) ** 2
            + self._coslat[idx, None] * self._coslat[None, :] * np.sin((lo[None, :] - lo[idx, None]) / 2) ** 2
        )
        return 2 * EARTH_KM * np.arcsin(np.sqrt(np.minimum(a, 1.0))) * self._factor

    def _prefill(self) -> None:
        """Every leg of the queues as they stand, in one go (they are all read at least once)."""
        src, dst = [], []
        for wi, w in enumerate(self.workers):
            at = wi
            for k in w.queue:
                j = self.jidx.get(k)
                if j is not None:
                    src.append(at)
                    dst.append(j)
                    at = j
        if not src:
            return
        a, b = np.array(src), np.array(dst)
        la, lo, cl = self._lat, self._lon, self._coslat
        h = np.sin((la[b] - la[a]) / 2) ** 2 + cl[a] * cl[b] * np.sin((lo[b] - lo[a]) / 2) ** 2
        km = 2 * EARTH_KM * np.arcsin(np.sqrt(np.minimum(h, 1.0))) * self._factor
        sec = np.ceil(km * self._inv_speed[b] + self._delay)
        for x, y, k, t in zip(src, dst, km.tolist(), sec.tolist(), strict=True):
            self.km[x][y] = k
            self.sec[x][y] = t

    def _km_pair(self, i: int, j: int) -> float:
        la, lo = self._la, self._lo
        a = (
            math.sin((la[j] - la[i]) / 2) ** 2
            + self._cl[i] * self._cl[j] * math.sin((lo[j] - lo[i]) / 2) ** 2
        )
        return 2 * EARTH_KM * math.asin(math.sqrt(min(a, 1.0))) * self._factor

    def _seconds(self, km: np.ndarray) -> np.ndarray:
        return np.ceil(km * self._inv_speed[None, :] + self._delay)

    def km_from(self, i: int) -> np.ndarray:
        """Km from point i to every point (numpy, for choosing candidates)."""
        return self._km_rows(np.array([i]))[0]

    def can(self, wi: int, j: int) -> bool:
        key = (wi, j)
        ok = self._can.get(key)
        if ok is None:
            ok = self._can[key] = self._can_do(self.workers[wi], self.jobs[j - self.nw])
        return ok

    def depart(self, t: float) -> float:
        if self.shift is None:
            return t
        start, end = self.shift
        clock = t % 86400
        if clock < start:
            return t - clock + start
        if clock >= end:
            return t - clock + 86400 + start
        return t

    def cost(self, wi: int, seq, start: int = 0, t: float | None = None, loc: int | None = None) -> float:
        """Cost of the queue ``seq[start:]`` of worker ``wi`` (travel and missed promises), when
        free at ``t`` at point ``loc`` (default: where and when the worker is free)."""
        if t is None:
            t, loc = self.free[wi], wi
        km_, sec, rel, dl, svc, miss = self.km, self.sec, self.rel, self.dl, self.svc, self.miss
        shift = self.shift
        lps = self.late_per_s
        dist = 0.0
        c = 0.0
        for i in range(start, len(seq)):
            j = seq[i]
            if shift is not None:
                clock = t % 86400
                if clock < shift[0]:
                    t += shift[0] - clock
                elif clock >= shift[1]:
                    t += 86400 - clock + shift[0]
            row = sec[loc]
            on = t + row[j]
            if on < rel[j]:
                on = rel[j]
            dist += km_[loc][j]
            if on > dl[j]:
                c += miss[j] + lps * (on - dl[j])
            t = on + svc[j]
            loc = j
        return c + self.per_km * dist

    def states(self, wi: int, seq) -> list[tuple[float, int, float]]:
        """(free time, point, cost so far) before each position of the queue, and after the last."""
        t, loc = self.free[wi], wi
        km_, sec, rel, dl, svc, miss = self.km, self.sec, self.rel, self.dl, self.svc, self.miss
        lps, pk = self.late_per_s, self.per_km
        c = 0.0
        out = [(t, loc, 0.0)]
        for j in seq:
            t = self.depart(t)
            on = max(t + sec[loc][j], rel[j])
            c += pk * km_[loc][j]
            if on > dl[j]:
                c += miss[j] + lps * (on - dl[j])
            t = on + svc[j]
            loc = j
            out.append((t, loc, c))
        return out

    def on_site(self, wi: int, seq) -> list[float]:
        t, loc, out = self.free[wi], wi, []
        for j in seq:
            t = self.depart(t)
            on = max(t + self.sec[loc][j], self.rel[j])
            out.append(on)
            t, loc = on + self.svc[j], j
        return out
