"""`dispatch bench assign`: how fast candidates are ranked, how fast a report becomes an offer SMS,
and how many segments the longest offer costs.

1. Ranking: ``--jobs`` jobs at random places in the county, each ranked among ``--technicians``
   technicians (random positions, skills, loads, leave and substitutes) held as one Roster — the
   time of one ``rank()`` call, p50 / p99. Building the roster is timed once, apart.
2. Report → offer: a fresh database (a temporary SQLite file, or an empty ``--database-url``)
   with the demo organisations and ``--technicians`` more technicians (varied skills, on duty
   around the county town, at most 3 jobs each). Reports arrive at ``--rate`` per second for
   ``--seconds``, each through ``take_report`` as the Open311 endpoint takes it — the county's
   field-work types in turn, each at another place of its built-up area, each from another
   mobile: the geocoding chain, the duplicate check, the acknowledgement — and committed. A
   worker thread in the same process does the two jobs of ``dispatch worker`` this path needs:
   it places the new reports in the plan and offers them (``plan.service.place_all``), and
   delivers the outbox (``deliver_due``) to the console gateway, woken by each commit and
   looking every 50 ms. Measured per report:
   from just before ``take_report`` to the gateway's ``send`` of its offer, and of its
   acknowledgement.
3. Segments: the longest offer that can be built (the longest type name, a 300-character place,
   a 4-digit job code, 1 000 km, a due time on another day, broadcast) in each language.
"""

from __future__ import annotations

import os
import shutil
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


def bench_ranking(technicians: int, jobs: int):
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
    figures = {
        "ranking_p50_ms": _ms(samples, 50),
        "ranking_p99_ms": _ms(samples, 99),
        "roster_build_ms": round(built * 1000, 1),
        "jobs_with_candidate": found,
    }
    lines = [
        f"1. Ranking {jobs} jobs among {technicians} technicians (numpy, one Roster):",
        f"   roster built once in {built * 1000:.1f} ms",
        f"   per ranking: {_percentiles(samples)}   goal p99 <= 5 ms",
        f"   jobs with at least one candidate: {found}/{jobs}",
    ]
    return figures, lines


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


def bench_report_to_offer(technicians: int, rate: float, seconds: float, database_url: str | None):
    import random

    import sqlalchemy as sa

    from dispatch.auth.models import Organisation
    from dispatch.bench import demo_database
    from dispatch.bench.workload import add_technicians, reports, take
    from dispatch.db import sqlite_writer
    from dispatch.extensions import db
    from dispatch.orders.models import WorkOrder
    from dispatch.sms import outbox
    from dispatch.sms.models import OutboxMessage, SendState

    tmp = None
    if not database_url:
        tmp = tempfile.mkdtemp(prefix="dispatch-bench-")
        database_url = f"sqlite:///{os.path.join(tmp, 'bench.db')}"
    app, org_id = demo_database(database_url)
    app.config["SMS_BACKEND"] = "console"
    gateway = _TimingGateway()
    wake, stop = threading.Event(), threading.Event()
    total = int(rate * seconds)
    rng = random.Random(7)
    with app.app_context():
        add_technicians(db.session, org_id, technicians, rng)
        db.session.commit()
        work = list(reports(rng, total))
        db.session.remove()
    outbox.on_queued(wake.set)
    policy = outbox.OutboxPolicy.from_config(app.config)

    give_up = [float("inf")]  # set when the producer is done: then 2 minutes to drain

    def _left(session) -> int:
        left = session.scalar(
            sa.select(sa.func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.state.in_([SendState.QUEUED, SendState.SENDING]))
        )
        session.rollback()
        return left

    def worker() -> None:
        from dispatch.plan import service

        with app.app_context():
            while True:
                wake.wait(0.05)
                wake.clear()
                try:
                    token = sqlite_writer.set(True)
                    try:
                        service.place_all(db.session)
                    finally:
                        sqlite_writer.reset(token)
                    report = outbox.deliver_due(db.session, gateway, policy, "bench-worker")
                except sa.exc.OperationalError:
                    # SQLite: the producer held the write lock past the busy timeout; go again.
                    db.session.rollback()
                    continue
                if (
                    stop.is_set()
                    and report.claimed == 0
                    and (
                        (_left(db.session) == 0 and not service.waiting(db.session))
                        or time.monotonic() > give_up[0]
                    )
                ):
                    break
                if report.claimed:
                    wake.set()
            db.session.remove()

    thread = threading.Thread(target=worker, name="bench-outbox")
    thread.start()
    arrived: dict[int, float] = {}
    with app.app_context():
        token = sqlite_writer.set(True)
        start = time.perf_counter()
        for i, (kind, lat, lon, phone) in enumerate(work):
            pause = start + i / rate - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            t0 = time.perf_counter()
            session = db.session
            result = take(session, session.get(Organisation, org_id), kind, lat, lon, phone, i)
            order_id = result.order.id  # read before the commit: afterwards it would open a transaction
            session.commit()
            arrived[order_id] = t0
        elapsed = time.perf_counter() - start
        sqlite_writer.reset(token)
        give_up[0] = time.monotonic() + 120
        stop.set()
        wake.set()
        thread.join()
        sent = db.session.execute(
            sa.select(OutboxMessage.id, OutboxMessage.work_order_id, OutboxMessage.kind).where(
                OutboxMessage.kind.in_(["offer", "ack"])
            )
        ).all()
        duplicates = db.session.scalar(
            sa.select(sa.func.count()).select_from(WorkOrder).where(WorkOrder.duplicate_of_id.is_not(None))
        )
        db.session.remove()
        db.engine.dispose()
    first: dict[tuple[str, int], float] = {}
    for mid, oid, kind in sent:
        if mid in gateway.handed and oid in arrived:
            key = (kind, oid)
            first[key] = min(first.get(key, float("inf")), gateway.handed[mid] - arrived[oid])
    offers = [v for (kind, _), v in first.items() if kind == "offer"]
    acks = [v for (kind, _), v in first.items() if kind == "ack"]
    if tmp:
        shutil.rmtree(tmp, ignore_errors=True)
    figures = {
        "database": database_url.split(":", 1)[0].split("+")[0],
        "reports": total,
        "rate_asked": rate,
        "rate_reached": round(total / elapsed, 1),
        "offered_orders": len(offers),
        "offer_p50_ms": _ms(offers, 50),
        "offer_p99_ms": _ms(offers, 99),
        "acked_orders": len(acks),
        "ack_p50_ms": _ms(acks, 50),
        "ack_p99_ms": _ms(acks, 99),
        "duplicates": duplicates,
    }
    lines = [
        f"2. Report -> offer handed to the gateway, {figures['database']}, demo organisations, "
        f"{technicians} more technicians (max_load 3), reports through take_report:",
        f"   {total} reports in {elapsed:.1f} s ({figures['rate_reached']}/s asked {rate:g}/s), "
        f"{len(offers)} offered, {len(acks)} acknowledged, {duplicates} duplicates",
    ]
    if offers:
        lines.append(f"   offer: {_percentiles(offers)}   goal p50 <= 500 ms, p99 <= 2000 ms")
    if acks:
        lines.append(f"   acknowledgement: {_percentiles(acks)}")
    if total / elapsed < rate * 0.9:
        lines.append(
            "   the reports could not arrive at the rate asked: the one process was busy taking them, "
            "and its outbox thread waited for it (a worker is a process of its own in production)"
        )
    return figures, lines


def _ms(samples: list[float], p: float):
    return round(float(np.percentile(np.asarray(samples) * 1000, p)), 3) if samples else None


def bench_segments():
    from types import SimpleNamespace

    from dispatch import clock
    from dispatch.assign import texts
    from dispatch.sla.service import rulebook
    from dispatch.sms.segments import count_segments

    now = clock.now()
    place = ("新野县汉城街道书院路与汉城路交叉口向北五十米路东新华书店门前人行道下供水主管" * 5)[:300]
    lines, segments = ["3. The longest offer:"], {}
    for language in ("zh", "en"):
        longest = max(
            rulebook().types.values(), key=lambda t: len(t.name_en if language == "en" else t.name_zh)
        )
        for where, address in (("Chinese place", place), ("coordinates", None)):
            # A warning sign still to be placed makes the offer longer ("reply SIGN …").
            sign = SimpleNamespace(name="warning_sign", met_at=None, due_at=now + timedelta(days=1))
            order = SimpleNamespace(
                type_code=longest.code, address=address, lat=32.123456, lon=112.123456, milestones=[sign]
            )
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
            segments[f"{language}_{'place' if address else 'coordinates'}"] = info.segments
            lines.append(
                f"   {language}, {where}: {info.segments} segments "
                f"({info.encoding}, {info.units} units)  goal <= 2"
            )
            lines.append(f"      {body}")
    return {"longest_offer_segments": segments}, lines


NOT_COVERED = (
    "HTTP and the web server (reports are taken in this process; `dispatch bench intake` and "
    "`dispatch bench storm` take them over HTTP), a worker in another process, Twilio (the "
    "console gateway), technicians answering the offers, broadcast offers' answers"
)


@bench.command("assign")
@click.option("--technicians", default=2000, show_default=True)
@click.option("--jobs", default=1000, show_default=True, help="Jobs ranked in part 1.")
@click.option("--rate", default=50.0, show_default=True, help="Reports per second in part 2.")
@click.option("--seconds", default=10.0, show_default=True, help="How long reports arrive in part 2.")
@click.option(
    "--database-url", default=None, help="An empty database for part 2 (default: a temporary SQLite file)."
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object of the figures.")
def assign_bench(technicians, jobs, rate, seconds, database_url, as_json) -> None:
    """Rank candidates, turn reports into offer SMS, count the longest offer's segments."""
    from dispatch.bench import serving as srv

    figures = {**srv.machine(), "technicians": technicians, "jobs": jobs}
    lines = [
        f"machine: {figures['cores']} cores, load average {figures['loadavg']}; one process, "
        "a producer thread and an outbox worker thread"
    ]
    for part in (
        lambda: bench_ranking(technicians, jobs),
        lambda: bench_report_to_offer(technicians, rate, seconds, database_url),
        bench_segments,
    ):
        found, text = part()
        figures.update(found)
        lines += text
    srv.emit(figures, lines, NOT_COVERED, as_json)
