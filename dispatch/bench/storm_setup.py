"""What ``dispatch bench storm`` prepares: the database, the crew, the reports, the fake Twilio.

- ``fresh_database``: a new PostgreSQL database (created when missing), migrated, with the demo
  organisations, an Open311 API key for the county and a storm crew of technicians;
- ``reports``: the Open311 forms, each at another place of the county's built-up area (a grid of
  points farther apart than the duplicate radius, per type), each with its own mobile number;
- ``FakeTwilioProcess``: the fake Twilio server in a process of its own, so that the time it
  records a message is not held up by this process's load generator.
"""

from __future__ import annotations

import json
import math
import multiprocessing
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

#: The report types posted, in turn. All but the last are offered without a dispatcher
#: (``auto_dispatch`` in config/sla.toml); a hot issue waits for one, as it does in production.
TYPES = [
    "water_leak",
    "sewer_overflow",
    "manhole_cover",
    "road_damage",
    "drain_cover",
    "water_leak",
    "safety_accident",
    "hot_issue",
]
#: Skill sets of the storm crew, in turn: each type above is covered by a quarter of the crew at
#: least (a safety accident, offered to three at once, by three quarters).
CREW_SKILLS = [
    ["water", "inspection", "civil"],
    ["sewer", "civil", "inspection"],
    ["roads", "civil", "inspection"],
    ["water", "sewer", "civil"],
]
#: Grid spacing of the report places, in metres: more than the duplicate radius (150 m).
GRID_M = 200.0
SERVICE_AREA = Path(__file__).resolve().parents[2] / "config" / "service_area.geojson"


def _maintenance_url(url: str) -> tuple[str, str]:
    """(libpq URL of the server's ``postgres`` database, the database name) of ``url``."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if not parsed.drivername.startswith("postgres"):
        raise click.ClickException("the storm bench needs PostgreSQL: --database-url postgresql://…")
    name = parsed.database or ""
    server = parsed.set(drivername="postgresql", database="postgres")
    return server.render_as_string(hide_password=False), name


def create_database(url: str, *, drop_existing: bool) -> None:
    """Create the database ``url`` names when it does not exist (dropped first with
    ``drop_existing``)."""
    import psycopg
    from psycopg import sql

    server, name = _maintenance_url(url)
    with psycopg.connect(server, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists and drop_existing:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
            exists = None
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    server, name = _maintenance_url(url)
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def built_up_area():
    """The county town's built-up area (the largest of the demo county's zones), a shapely polygon."""
    from shapely.geometry import shape

    features = json.loads(SERVICE_AREA.read_text(encoding="utf-8"))["features"]
    zones = [
        shape(f["geometry"])
        for f in features
        if f["properties"]["kind"] == "built_up_area" and f["properties"]["org"] == "xinye"
    ]
    return max(zones, key=lambda z: z.area)


def grid_points(area, spacing_m: float = GRID_M) -> list[tuple[float, float]]:
    """Points (lat, lon) of a ``spacing_m`` grid inside ``area``, shuffled with a fixed seed."""
    from shapely.geometry import Point

    min_lon, min_lat, max_lon, max_lat = area.bounds
    d_lat = spacing_m / 111_200
    d_lon = spacing_m / (111_200 * math.cos(math.radians((min_lat + max_lat) / 2)))
    points = []
    lat = min_lat + d_lat / 2
    while lat < max_lat:
        lon = min_lon + d_lon / 2
        while lon < max_lon:
            if area.contains(Point(lon, lat)):
                points.append((round(lat, 6), round(lon, 6)))
            lon += d_lon
        lat += d_lat
    random.Random(15).shuffle(points)
    return points


@dataclass(frozen=True)
class Report:
    index: int
    type_code: str
    phone: str
    form: dict[str, str]


def reports(count: int, api_key: str, *, first: int = 0, offset: int = 0) -> list[Report]:
    """``count`` Open311 forms numbered from ``first``: types in turn, each type's places taken
    from the grid in turn from ``offset`` (a place repeats for a type only after the grid is used
    up), a distinct mobile each."""
    points = grid_points(built_up_area())
    made = []
    seen: dict[str, int] = {}
    for n in range(first, first + count):
        type_code = TYPES[n % len(TYPES)]
        k = seen[type_code] = seen.get(type_code, -1) + 1
        lat, lon = points[(offset + k) % len(points)]
        phone = f"+86139{n:08d}"
        form = {
            "api_key": api_key,
            "service_code": type_code,
            "lat": f"{lat:.6f}",
            "long": f"{lon:.6f}",
            "phone": phone,
            "description": f"storm report {n}",
        }
        made.append(Report(n, type_code, phone, form))
    return made


def places_available() -> int:
    return len(grid_points(built_up_area()))


def fresh_database(url: str, technicians: int) -> str:
    """Migrate, load the demo organisations, add the storm crew; returns the county's API key."""
    from dispatch.auth.service import create_api_key, organisation
    from dispatch.bench import demo_database
    from dispatch.extensions import db

    app, _org_id = demo_database(url)
    with app.app_context():
        org = organisation(db.session, "xinye")
        key = create_api_key(db.session, org, "storm bench")
        _add_crew(db.session, org, technicians)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return key


def _add_crew(session, org, count: int) -> None:
    """``count`` technicians on duty, placed across the built-up area, three jobs each at most
    (the default ``max_load``), with skill sets that cover every type posted."""
    from dispatch import clock
    from dispatch.assign.models import AssigneeKind, DutyStatus, Technician

    now = clock.now()
    points = grid_points(built_up_area(), 300.0)
    for n in range(count):
        lat, lon = points[n % len(points)]
        session.add(
            Technician(
                org_id=org.id,
                code=f"XY-S{n:04d}",
                kind=AssigneeKind.TECHNICIAN,
                name=f"Storm crew {n}",
                phone=f"+86158{n:08d}",
                language="zh",
                skills=CREW_SKILLS[n % len(CREW_SKILLS)],
                duty_status=DutyStatus.ON_DUTY,
                last_lat=lat,
                last_lon=lon,
                last_position_at=now,
                last_position_source="gps",
            )
        )
    session.flush()


def _serve_fake(conn, port: int) -> None:
    """The child process: serve the fake Twilio until told to stop, then send back what it took."""
    from dispatch.sms.fake_twilio import FakeTwilio

    fake = FakeTwilio().start(port=port)
    conn.send(fake.base_url)
    conn.recv()  # "stop"
    messages = [
        {"to": m["to"], "body": m["body"], "sid": m["sid"], "at": m["received_at"].timestamp()}
        for m in list(fake.messages)
    ]
    fake.stop()
    conn.send(messages)
    conn.close()


class FakeTwilioProcess:
    """The fake Twilio server (``dispatch.sms.fake_twilio``) in a child process."""

    def __init__(self, port: int = 0):
        from dispatch.sms.fake_twilio import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN

        self.account_sid, self.auth_token = DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self.process = context.Process(target=_serve_fake, args=(child, port), daemon=True)
        self.process.start()
        self.base_url: str = self._conn.recv()

    def collect(self) -> list[dict[str, Any]]:
        """Stop the server; every message it took: to, body, sid, at (epoch seconds)."""
        self._conn.send("stop")
        messages = self._conn.recv()
        self.process.join(10)
        return messages

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
            self.process.join(5)
