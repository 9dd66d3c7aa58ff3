"""`dispatch bench console`: the console's pages with 10 000 open orders and 500 technicians.

Fills a database (a temporary SQLite file unless --database-url is given), then measures on the
server side (Flask's test client, so no network) p50/p99 of the queue page, the map data for the
whole county and for one district, and the work-order page; and, through a real threaded server
and a real HTTP client, the time from an inbound SMS (``inbound.receive`` whose handler writes a
timeline event) to that event reaching a connected server-sent-events client.
"""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import threading
import time
from datetime import timedelta

import click
import requests
import sqlalchemy as sa

from dispatch.bench import bench

#: Boxes of the demo county (west, south, east, north): the whole county and the town district.
COUNTY_BBOX = "111.95,32.25,112.75,32.85"
DISTRICT_BBOX = "112.33,32.49,112.39,32.55"


def _fill(session, orders: int, technicians: int, rng: random.Random) -> int:
    """Bulk-insert the demo plus orders, milestones, events and technicians; returns the org id."""
    from dispatch import clock
    from dispatch.assign.models import DutyStatus, Technician
    from dispatch.auth.models import Organisation
    from dispatch.demo import load_demo
    from dispatch.orders.models import Channel, Event, Milestone, Status, WorkOrder

    load_demo(session)
    org = session.scalar(sa.select(Organisation).where(Organisation.code == "xinye"))
    existing = session.scalar(sa.select(sa.func.count()).select_from(Technician))
    session.execute(
        sa.insert(Technician),
        [
            dict(
                org_id=org.id,
                code=f"BENCH{i:04d}",
                name=f"技术员{i:04d}",
                phone=f"+8615{i:09d}",
                language="zh",
                skills=["water"],
                duty_status=rng.choice(list(DutyStatus)),
                last_lat=32.3 + rng.random() * 0.5,
                last_lon=112.0 + rng.random() * 0.7,
                max_load=3,
            )
            for i in range(max(technicians - existing, 0))
        ],
    )
    tech_ids = session.scalars(sa.select(Technician.id).where(Technician.org_id == org.id)).all()
    now = clock.now()
    statuses = [
        Status.LOCATED,
        Status.QUEUED,
        Status.OFFERED,
        Status.ACCEPTED,
        Status.EN_ROUTE,
        Status.ON_SITE,
    ]
    types = ["water_leak", "sewer_overflow", "manhole_cover", "road_damage", "safety_accident", "hot_issue"]
    rows = []
    for i in range(orders):
        in_town = rng.random() < 0.6
        lat = 32.52 + rng.gauss(0, 0.015) if in_town else 32.3 + rng.random() * 0.5
        lon = 112.36 + rng.gauss(0, 0.015) if in_town else 112.0 + rng.random() * 0.7
        status = rng.choice(statuses) if rng.random() > 0.02 else Status.NEEDS_LOCATION
        placed = status is not Status.NEEDS_LOCATION
        rows.append(
            dict(
                org_id=org.id,
                reference=f"WO-BENCH-{i:06d}",
                type_code=rng.choice(types),
                channel=rng.choice([Channel.PHONE, Channel.SMS, Channel.WEB]),
                description="水管漏水",
                reporter_phone=f"+8613{rng.randrange(10**9):09d}",
                address=f"新华路{i}号",
                lat=lat if placed else None,
                lon=lon if placed else None,
                zone="built_up" if in_town else "outside",
                status=status,
                assignee_id=rng.choice(tech_ids) if status in statuses[3:] else None,
                reported_at=now - timedelta(minutes=rng.randrange(1, 600)),
                created_at=now,
                updated_at=now,
                version=1,
                priority=3,
                needs_supplier=False,
            )
        )
    session.execute(sa.insert(WorkOrder), rows)
    ids = session.execute(
        sa.select(WorkOrder.id, WorkOrder.reported_at).where(
            WorkOrder.org_id == org.id, WorkOrder.reference.like("WO-BENCH-%")
        )
    ).all()
    milestones, events = [], []
    for order_id, reported_at in ids:
        for name, hours in (("arrive", 1), ("resolve", 24)):
            due = reported_at + timedelta(hours=hours)
            met = reported_at + timedelta(minutes=30) if name == "arrive" and rng.random() < 0.4 else None
            milestones.append(
                dict(
                    order_id=order_id,
                    name=name,
                    due_at=due,
                    warn_at=due - timedelta(hours=hours * 0.2),
                    met_at=met,
                    clock="24x7",
                    manual=False,
                    calendar_warning=False,
                )
            )
        events.append(dict(order_id=order_id, kind="created", channel=Channel.PHONE, data={}, at=reported_at))
    session.execute(sa.insert(Milestone), milestones)
    session.execute(sa.insert(Event), events)
    session.commit()
    return org.id


def _percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(round(0.99 * (len(ordered) - 1))))]
    return f"p50 {statistics.median(ordered) * 1000:7.1f} ms   p99 {p99 * 1000:7.1f} ms   (n={len(ordered)})"


def _time_pages(app, references: list[str], n: int, rng: random.Random) -> None:
    client = app.test_client()
    client.post("/login", data={"username": "dispatcher", "password": "demo-pass"})
    cases = {
        "queue page (first page)": lambda: "/console/",
        "queue page (random page, filters)": lambda: rng.choice(
            [
                f"/console/?page={rng.randrange(1, 200)}",
                "/console/?at_risk=1",
                "/console/?type=water_leak&page=3",
                "/console/?q=新华路12",
                "/console/?zone=outside&status=queued",
            ]
        ),
        "map data, whole county": lambda: f"/console/map/data?bbox={COUNTY_BBOX}",
        "map data, one district": lambda: f"/console/map/data?bbox={DISTRICT_BBOX}",
        "work-order page": lambda: f"/console/orders/{rng.choice(references)}",
    }
    for name, url in cases.items():
        client.get(url())  # warm caches and compiled statements
        samples = []
        for _ in range(n):
            target = url()
            start = time.perf_counter()
            response = client.get(target)
            samples.append(time.perf_counter() - start)
            if response.status_code != 200:
                raise click.ClickException(f"{target} answered {response.status_code}")
        click.echo(f"  {name:36s} {_percentiles(samples)}")


def _time_sms_to_console(app, org_id: int, references: list[str], n: int, local_wake: bool) -> list[float]:
    from werkzeug.serving import make_server

    from dispatch.console import live
    from dispatch.extensions import db
    from dispatch.orders.lifecycle import Actor, record
    from dispatch.orders.models import Channel, WorkOrder
    from dispatch.sms import inbound

    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_port}"
    http = requests.Session()
    http.post(f"{base}/login", data={"username": "dispatcher", "password": "demo-pass"}, timeout=10)
    arrived: dict[str, float] = {}
    got = threading.Condition()

    def listen():
        with http.get(f"{base}/console/live", stream=True, timeout=60) as response:
            for line in response.iter_lines(decode_unicode=True):
                if line and line.startswith("data: ") and '"kind": "sms_received"' in line:
                    with got:
                        arrived[line.split('"reference": "')[1].split('"')[0]] = time.perf_counter()
                        got.notify_all()

    def handler(session, message):
        order = session.scalar(sa.select(WorkOrder).where(WorkOrder.reference == message.body))
        record(session, order, "sms_received", Actor(Channel.SMS), note=message.body)
        return inbound.HandlerResult(reply="ok", work_order_id=order.id)

    previous = inbound._handlers.get(inbound.CITIZEN)
    inbound.register_handler(inbound.CITIZEN, handler)
    live.LOCAL_WAKE = local_wake
    threading.Thread(target=listen, daemon=True).start()
    time.sleep(1.0)  # the stream is open
    latencies = []
    try:
        for i, reference in enumerate(random.Random(7).sample(references, n)):
            start = time.perf_counter()
            inbound.receive(
                db.session,
                provider_id=f"SMBENCH{local_wake}{i}",
                sender="+8613900000000",
                recipient=None,
                body=reference,
            )
            with got:
                got.wait_for(lambda ref=reference: ref in arrived, timeout=10)
            if reference not in arrived:
                raise click.ClickException(f"the event of {reference} never reached the stream")
            latencies.append(arrived[reference] - start)
            time.sleep(0.05)
    finally:
        live.LOCAL_WAKE = True
        if previous:
            inbound.register_handler(inbound.CITIZEN, previous)
        else:
            inbound._handlers.pop(inbound.CITIZEN, None)
        httpd.shutdown()
        db.session.remove()
    return latencies


@bench.command("console")
@click.option("--orders", default=10_000, show_default=True)
@click.option("--technicians", default=500, show_default=True)
@click.option("--requests", "n", default=100, show_default=True, help="Requests per page measured.")
@click.option("--sms", default=30, show_default=True, help="Inbound SMS timed to the live stream.")
@click.option(
    "--database-url", default="", help="Fill this (empty) database instead of a temporary SQLite file."
)
def console_bench(orders: int, technicians: int, n: int, sms: int, database_url: str) -> None:
    """Console pages and SMS → console latency with many open orders."""
    from flask_migrate import upgrade

    from dispatch import create_app
    from dispatch.extensions import db

    tmp = None
    if not database_url:
        tmp = tempfile.mkdtemp(prefix="dispatch-bench-")
        database_url = f"sqlite:///{os.path.join(tmp, 'bench.db')}"
    app = create_app(
        {
            "DATABASE_URL": database_url,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "DEMO_LOAD_WHEN_EMPTY": False,
            "CONSOLE_SSE_LIFETIME_S": 600.0,
        }
    )
    rng = random.Random(2026)
    click.echo(f"cores: {os.cpu_count()}   database: {app.config['SQLALCHEMY_DATABASE_URI'].split('://')[0]}")
    with app.app_context():
        upgrade()
        start = time.perf_counter()
        org_id = _fill(db.session, orders, technicians, rng)
        from dispatch.orders.models import WorkOrder

        references = db.session.scalars(
            sa.select(WorkOrder.reference).where(WorkOrder.org_id == org_id)
        ).all()
        db.session.remove()
    took = time.perf_counter() - start
    click.echo(f"filled {len(references)} open orders, {technicians} technicians in {took:.1f} s")
    # Outside any application context: each request gets its own, as under a real server.
    click.echo("server-side page times:")
    _time_pages(app, references, n, rng)
    for local_wake, label in ((True, "same process"), (False, "another process (poll / NOTIFY)")):
        with app.app_context():
            latencies = _time_sms_to_console(app, org_id, references, sms, local_wake)
        click.echo(f"  SMS → console, {label:31s} {_percentiles(latencies)}")
