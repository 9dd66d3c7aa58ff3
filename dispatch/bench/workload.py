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


SKILLSETS = (
    ["water"],
    ["water", "inspection"],
    ["sewer"],
    ["sewer", "civil"],
    ["roads", "civil"],
    ["inspection", "civil"],
)
TOWN = (32.52, 112.36)


def add_technicians(session, org_id: int, count: int, rng: random.Random, *, max_load: int = 3) -> list:
    """``count`` technicians on duty around the county town, through the model, as an import
    would add them: varied skills, a depot position, ``max_load`` jobs at most."""
    from dispatch.assign.models import DutyStatus, Technician

    technicians = [
        Technician(
            org_id=org_id,
            code=f"BENCH{n:05d}",
            name=f"技术员{n:05d}",
            phone=f"+86150{n:08d}",
            language="zh" if n % 5 else "en",
            skills=SKILLSETS[n % len(SKILLSETS)],
            duty_status=DutyStatus.ON_DUTY,
            last_lat=TOWN[0] + rng.gauss(0, 0.03),
            last_lon=TOWN[1] + rng.gauss(0, 0.03),
            last_position_source="depot",
            max_load=max_load,
        )
        for n in range(count)
    ]
    session.add_all(technicians)
    session.flush()
    return technicians


def take(session, org, kind: str, lat: float, lon: float, phone: str, n: int):
    """One report through intake, as the Open311 endpoint takes it (the result of ``take_report``)."""
    from dispatch.intake.service import take_report
    from dispatch.orders.lifecycle import Actor
    from dispatch.orders.models import Channel

    return take_report(
        session,
        org=org,
        type_code=kind,
        channel=Channel.OPEN311,
        actor=Actor(Channel.OPEN311),
        description=f"测试报修 {n}",
        reporter_phone=phone,
        language="zh",
        lat=lat,
        lon=lon,
        require_place=True,
    )
