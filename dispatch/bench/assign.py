"""`dispatch bench assign`: how fast candidates are ranked, how fast a report becomes an offer SMS,
and how many segments the longest offer costs.

1. Ranking: ``--jobs`` jobs at random places in the county, each ranked among ``--technicians``
   technicians (random positions, skills, loads, leave and substitutes) held as one Roster — the
   time of one ``rank()`` call, p50 / p99. Building the roster is timed once, apart.
2. Report → offer: a fresh database (a temporary SQLite file, or ``--database-url``) with the
   same number of technicians. Reports arrive at ``--rate`` per second for ``--seconds``; each is
   what intake does — ``create_order`` + ``apply_rules`` + ``place_order`` + ``queue`` (automatic
   dispatch follows in the same transaction) — and committed. A worker thread in the same
   process delivers the outbox (``deliver_due``) to the console gateway, woken by each commit.
   Measured per report: from just before ``create_order`` to the moment the gateway's ``send``
   is called with its offer SMS.
3. Segments: the longest offer that can be built (the longest type name, a 300-character place,
   a 4-digit job code, 1 000 km, a due time on another day, broadcast) in each language.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from datetime import timedelta

import click
import numpy as np

from dispatch.bench import bench

SKILLSETS = (
    ["water"],
    ["water", "inspection"],
    ["sewer"],
    ["sewer", "civil"],
    ["roads", "civil"],
    ["inspection", "civil"],
)
TYPES = ("water_leak", "sewer_overflow", "manhole_cover", "safety_accident", "road_damage")
CENTRE = (32.52, 112.36)


def _percentiles(samples: list[float]) -> str:
    a = np.asarray(samples) * 1000
    p50, p99 = np.percentile(a, 50), np.percentile(a, 99)
    return f"p50 {p50:.2f} ms  p99 {p99:.2f} ms  max {a.max():.2f} ms  (n={len(a)})"


def _rows(n: int, rng: np.random.Generator):
    from dispatch.assign.ranking import TechnicianRow

    rows = []
    for i in range(1, n + 1):
        away = bool(rng.random() < 0.05)
        rows.append(
            TechnicianRow(
                id=i,
                lat=CENTRE[0] + float(rng.normal(0, 0.12)),
                lon=CENTRE[1] + float(rng.normal(0, 0.12)),
                skills=SKILLSETS[int(rng.integers(len(SKILLSETS)))],
                available=not away and bool(rng.random() < 0.85),
                away=away,
                load=int(rng.integers(0, 4)),
                max_load=3,
                substitute_id=int(rng.integers(1, n + 1)),
                position_source="depot",
            )
        )
    return rows


def bench_ranking(technicians: int, jobs: int) -> None:
    from datetime import UTC, datetime

    from dispatch.assign.ranking import Policy, Roster, rank
    from dispatch.sla.service import rulebook

    rng = np.random.default_rng(42)
    rows = _rows(technicians, rng)
    started = time.perf_counter()
    roster = Roster.from_rows(rows)
    built = time.perf_counter() - started
    policy = Policy()
    now = datetime(2026, 11, 4, 1, 0, tzinfo=UTC)
    samples, found = [], 0
    for _ in range(jobs):
        type_code = TYPES[int(rng.integers(len(TYPES)))]
        lat, lon = CENTRE[0] + float(rng.normal(0, 0.1)), CENTRE[1] + float(rng.normal(0, 0.1))
        started = time.perf_counter()
        best = rank(
            roster,
            lat=lat,
            lon=lon,
            zone="built_up",
            skills=rulebook().type(type_code).skills,
            now=now,
            due_at=now + timedelta(hours=1),
            policy=policy,
            limit=3,
        )
        samples.append(time.perf_counter() - started)
        found += bool(best)
    click.echo(f"1. Ranking {jobs} jobs among {technicians} technicians (numpy, one Roster):")
    click.echo(f"   roster built once in {built * 1000:.1f} ms")
    click.echo(f"   per ranking: {_percentiles(samples)}   goal p99 <= 5 ms")
    click.echo(f"   jobs with at least one candidate: {found}/{jobs}")


def _seed(session, technicians: int, rng: np.random.Generator):
    from dispatch.assign.models import DutyStatus, Technician
    from dispatch.auth.models import Organisation
    from dispatch.geo.placing import sync_depots

    org = Organisation(code="xinye", name_zh="新野县", name_en="Xinye", jurisdiction_id="bench.example")
    session.add(org)
    session.flush()
    sync_depots(session, {"xinye": org})
    session.add_all(
        Technician(
            org_id=org.id,
            code=f"B{i:05d}",
            name=f"Bench {i}",
            phone=f"+86139{i:08d}",
            language="zh" if i % 5 else "en",
            skills=SKILLSETS[i % len(SKILLSETS)],
            duty_status=DutyStatus.ON_DUTY,
            last_lat=CENTRE[0] + float(rng.normal(0, 0.12)),
            last_lon=CENTRE[1] + float(rng.normal(0, 0.12)),
            last_position_source="depot",
            max_load=1000,
        )
        for i in range(1, technicians + 1)
    )
    session.commit()
    return org


class _TimingGateway:
    """The console gateway, noting when each message is handed to it."""

    def __init__(self):
        from dispatch.sms.console_gateway import ConsoleGateway

        self.inner = ConsoleGateway()
        self.name = "console"
        self.handed: dict[int, float] = {}

    def send(self, message):
        self.handed[message.outbox_id] = time.perf_counter()
        return self.inner.send(message)

    def find_sent(self, message, since):
        return None


def bench_report_to_offer(technicians: int, rate: float, seconds: float, database_url: str | None) -> None:
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from dispatch import create_app
    from dispatch.db import sqlite_writer
    from dispatch.extensions import db
    from dispatch.intake.placing import place_order
    from dispatch.orders import lifecycle
    from dispatch.orders.lifecycle import Actor
    from dispatch.orders.models import Channel
    from dispatch.orders.service import create_order
    from dispatch.sla.service import apply_rules
    from dispatch.sms import outbox
    from dispatch.sms.models import OutboxMessage

    tmp = None
    if not database_url:
        tmp = tempfile.mkdtemp(prefix="dispatch-bench-")
        database_url = f"sqlite:///{os.path.join(tmp, 'bench.db')}"
    app = create_app(
        {
            "DATABASE_URL": database_url,
            "SMS_BACKEND": "console",
            "DEMO_LOAD_WHEN_EMPTY": False,
            "TESTING": True,
        }
    )
    rng = np.random.default_rng(7)
    gateway = _TimingGateway()
    wake, stop = threading.Event(), threading.Event()
    with app.app_context():
        upgrade()
        if db.session.scalar(sa.text("SELECT count(*) FROM organisation")):
            raise click.ClickException("--database-url must name an empty (or new) database")
        org = _seed(db.session, technicians, rng)
        org_id = org.id
        db.session.remove()
    outbox.on_queued(wake.set)
    policy = outbox.OutboxPolicy.from_config(app.config)

    def worker() -> None:
        with app.app_context():
            while True:
                wake.wait(0.05)
                wake.clear()
                try:
                    report = outbox.deliver_due(db.session, gateway, policy, "bench-worker")
                except sa.exc.OperationalError:
                    # SQLite: the producer held the write lock past the busy timeout; go again.
                    db.session.rollback()
                    continue
                if stop.is_set() and report.claimed == 0:
                    break
                if report.claimed:
                    wake.set()
            db.session.remove()

    thread = threading.Thread(target=worker, name="bench-outbox")
    thread.start()
    arrived: dict[int, float] = {}
    total = int(rate * seconds)
    actor = Actor(Channel.PHONE)
    with app.app_context():
        token = sqlite_writer.set(True)
        start = time.perf_counter()
        for i in range(total):
            pause = start + i / rate - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            t0 = time.perf_counter()
            session = db.session
            order = create_order(
                session, org_id=org_id, type_code=TYPES[i % 2], channel=Channel.PHONE, actor=actor,
                description="bench", reporter_phone=f"+86137{i:08d}", reporter_language="zh",
            )  # fmt: skip
            apply_rules(session, order)
            lat, lon = CENTRE[0] + float(rng.normal(0, 0.05)), CENTRE[1] + float(rng.normal(0, 0.05))
            place_order(
                session,
                order,
                lat,
                lon,
                source="given",
                precision="exact",
                actor=actor,
                address=f"测试路{i}号",
            )
            lifecycle.transition(session, order, "queue", actor)
            order_id = order.id  # read before the commit: afterwards it would open a transaction
            session.commit()
            arrived[order_id] = t0
        elapsed = time.perf_counter() - start
        sqlite_writer.reset(token)
        stop.set()
        wake.set()
        thread.join()
        offers = dict(
            db.session.execute(
                sa.select(OutboxMessage.id, OutboxMessage.work_order_id).where(OutboxMessage.kind == "offer")
            ).all()
        )
        db.session.remove()
        db.engine.dispose()
    latencies = [gateway.handed[mid] - arrived[oid] for mid, oid in offers.items() if mid in gateway.handed]
    click.echo(
        f"2. Report -> offer handed to the gateway, {database_url.split(':', 1)[0]}, "
        f"{technicians} technicians:"
    )
    click.echo(
        f"   {total} reports in {elapsed:.1f} s ({total / elapsed:.1f}/s asked {rate:g}/s), "
        f"{len(latencies)} offers"
    )
    if latencies:
        click.echo(f"   latency: {_percentiles(latencies)}   goal p50 <= 500 ms, p99 <= 2000 ms")
    if tmp:
        for name in os.listdir(tmp):
            os.unlink(os.path.join(tmp, name))
        os.rmdir(tmp)


def bench_segments() -> None:
    from types import SimpleNamespace

    from dispatch import clock
    from dispatch.assign import texts
    from dispatch.sla.service import rulebook
    from dispatch.sms.segments import count_segments

    now = clock.now()
    place = ("新野县汉城街道书院路与汉城路交叉口向北五十米路东新华书店门前人行道下供水主管" * 5)[:300]
    click.echo("3. The longest offer:")
    for language in ("zh", "en"):
        longest = max(
            rulebook().types.values(), key=lambda t: len(t.name_en if language == "en" else t.name_zh)
        )
        for where, address in (("Chinese place", place), ("coordinates", None)):
            order = SimpleNamespace(type_code=longest.code, address=address, lat=32.123456, lon=112.123456)
            body = texts.offer_text(
                order,
                "9999",
                language,
                distance_km=999.9,
                due_at=now + timedelta(days=2),
                broadcast=True,
                now=now,
            )
            info = count_segments(body)
            click.echo(
                f"   {language}, {where}: {info.segments} segments "
                f"({info.encoding}, {info.units} units)  goal <= 2"
            )
            click.echo(f"      {body}")


@bench.command("assign")
@click.option("--technicians", default=2000, show_default=True)
@click.option("--jobs", default=1000, show_default=True, help="Jobs ranked in part 1.")
@click.option("--rate", default=50.0, show_default=True, help="Reports per second in part 2.")
@click.option("--seconds", default=10.0, show_default=True, help="How long reports arrive in part 2.")
@click.option(
    "--database-url", default=None, help="An empty database for part 2 (default: a temporary SQLite file)."
)
def assign_bench(technicians: int, jobs: int, rate: float, seconds: float, database_url: str | None) -> None:
    """Rank candidates, turn reports into offer SMS, count the longest offer's segments."""
    click.echo(f"cores: {os.cpu_count()}; one process, a producer thread and an outbox worker thread")
    bench_ranking(technicians, jobs)
    bench_report_to_offer(technicians, rate, seconds, database_url)
    bench_segments()
