"""The technicians' day in ``dispatch bench quality``: when each sets off, arrives and finishes.

The rules are the dispatch-quality simulator's (its ``timeline``), so the log the bench writes
replays to the same day: a technician sets off for the first job of his plan as soon as he has
finished the last one and the job has been given to him, within the shift (a job begun runs past
its end); he drives the great-circle distance × road factor at the destination zone's speed
(rounded up to the second) and starts work on arrival, never before the report exists.
Times are seconds since the scenario day's midnight.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

EARTH_KM = 6371.0088


def km(a: tuple[float, float], b: tuple[float, float], road_factor: float) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_KM * math.asin(math.sqrt(h)) * road_factor


@dataclass
class Crew:
    """One technician as the simulator drives him."""

    index: int
    place: tuple[float, float]
    free: int
    #: Jobs (report indices) not yet set off for, in the order of the last decision.
    queue: list[int] = field(default_factory=list)
    #: The job in hand: (report index, on site at, finished at), with what has been told so far.
    job: tuple[int, int, int] | None = None
    arrived_told: bool = False


class Field:
    def __init__(self, scenario: dict) -> None:
        self.s = scenario
        self.reports = scenario["reports"]
        depots = scenario["depots"]
        self.crews = [
            Crew(k, (depots[t["depot"]]["lat"], depots[t["depot"]]["lon"]), scenario["day_start"])
            for k, t in enumerate(scenario["technicians"])
        ]
        self.ready: dict[int, int] = {}
        self.owner: dict[int, int] = {}
        self.km_driven = 0.0

    def in_shift(self, t: int) -> int:
        day, clock = divmod(t, 86400)
        if clock < self.s["day_start"]:
            return day * 86400 + self.s["day_start"]
        if clock >= self.s["day_end"]:
            return (day + 1) * 86400 + self.s["day_start"]
        return t

    def travel_s(self, place: tuple[float, float], j: int) -> int:
        r = self.reports[j]
        speed = self.s["speed_kmh"]["inside" if r["inside"] else "outside"]
        return math.ceil(km(place, (r["lat"], r["lon"]), self.s["road_factor"]) / speed * 3600)

    def decided(self, t: int, queues: list[list[int]]) -> int:
        """Take a decision's queues; returns how many already given jobs changed technician."""
        moved = 0
        for k, queue in enumerate(queues):
            for j in queue:
                if self.owner.get(j) != k:
                    moved += j in self.owner
                    self.owner[j], self.ready[j] = k, t
            self.crews[k].queue = list(queue)
        return moved

    def next_event(self, until: int) -> tuple[int, str, Crew, int] | None:
        """The earliest (time, what, crew, job) at or before ``until``: "depart", "arrive" or
        "done"; None when nothing happens by then."""
        best = None
        for crew in self.crews:
            if crew.job is not None:
                j, on_site, finish = crew.job
                event = (on_site, "arrive", crew, j) if not crew.arrived_told else (finish, "done", crew, j)
            elif crew.queue:
                j = crew.queue[0]
                event = (self.in_shift(max(crew.free, self.ready[j])), "depart", crew, j)
            else:
                continue
            if event[0] <= until and (best is None or event[0] < best[0]):
                best = event
        return best

    def happen(self, event: tuple[int, str, Crew, int]) -> None:
        t, what, crew, j = event
        r = self.reports[j]
        if what == "depart":
            crew.queue.pop(0)
            on_site = max(t + self.travel_s(crew.place, j), r["t"])
            self.km_driven += km(crew.place, (r["lat"], r["lon"]), self.s["road_factor"])
            crew.job, crew.arrived_told = (j, on_site, on_site + 60 * r["service_min"]), False
        elif what == "arrive":
            crew.arrived_told = True
        else:
            crew.place, crew.free, crew.job = (r["lat"], r["lon"]), t, None
