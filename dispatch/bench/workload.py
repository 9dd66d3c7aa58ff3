"""What the benchmarks report: places inside the demo county's built-up areas, the county's
field-work types, and mobile numbers — each report at another place, of a varied type, from
another person, as a real day's reports are."""

from __future__ import annotations

import math
import random

ORG = "xinye"
#: Places at least this far apart are never one another's duplicates (the duplicate radius is
#: 150 m by default), so a report is only a duplicate once every (place, type) pair has been used.
SPACING_M = 160


def places(rng: random.Random, org: str = ORG) -> list[tuple[float, float]]:
    """(lat, lon) on a grid of SPACING_M inside the organisation's built-up areas, shuffled."""
    from dispatch.geo.placing import service_area

    area = service_area()
    step_lat = SPACING_M / 1000 / 111.2
    found = []
    for zone in area.areas(org):
        west, south, east, north = zone.geometry.bounds
        step_lon = step_lat / math.cos(math.radians((south + north) / 2))
        lat = south + step_lat / 2
        while lat < north:
            lon = west + step_lon / 2
            while lon < east:
                if area.zone_of(org, lat, lon) == "built_up":
                    found.append((round(lat, 6), round(lon, 6)))
                lon += step_lon
            lat += step_lat
    rng.shuffle(found)
    return found


def field_types(org: str = ORG) -> list[str]:
    """The organisation's types that are dispatched to a technician on their own."""
    from dispatch.sla.service import rulebook

    return sorted(code for code, t in rulebook().types.items() if org in t.orgs and t.auto_dispatch)


def reports(rng: random.Random, count: int, org: str = ORG):
    """``count`` (type, lat, lon, mobile) — every (place, type) pair once before any repeats."""
    grid, types = places(rng, org), field_types(org)
    for n in range(count):
        lat, lon = grid[n % len(grid)]
        kind = types[(n % len(grid) + n // len(grid)) % len(types)]
        yield kind, lat, lon, mobile(n)


def mobile(n: int) -> str:
    """A distinct Chinese mobile number for each ``n``."""
    return f"+86{135 + n % 5}{n // 5 % 10**8:08d}"
