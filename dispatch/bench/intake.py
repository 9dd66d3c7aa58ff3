"""`dispatch bench intake`: Open311 reports per second under gunicorn, against a bare endpoint.

The path a partner's system takes: a fresh database (a temporary SQLite file, or an empty one
given with ``--database-url``) with the demo organisations and an API key of the county; the
application under ``gunicorn -w 2`` as deployed, the per-client limit lifted through its setting
``INTAKE_API_LIMIT`` and nothing else. Every POST is another report: another place on a 160 m
grid inside the county's built-up areas, one of the county's field-work types in turn, another
reporter's mobile number (so each report queues an acknowledgement SMS and, through automatic
dispatch, an offer to one of ``--technicians`` more technicians, at most 3 jobs each). Beside
gunicorn runs one ``dispatch worker``, as deployed: it places each report in a technician's plan
and offers it, and sends the SMS (console backend). In the same run, with the same generator and
the same gunicorn settings, a bare Flask app answering "ok".

Printed: both rates and their ratio (goal ≥ 0.05), p50/p99 of each, the CPU the web workers
spent per report created (from /proc, children included), the worker's CPU per report apart,
and, of the reports the load made, how many became duplicates (about 0 by design), how many
acknowledgements were queued and how many were offered, counted once the worker has placed every
report (at most ``DRAIN_S`` after the load; how many still wait is printed).
"""

from __future__ import annotations

import os
import random
from urllib.parse import urlencode

import click

from dispatch.bench import bench, demo_database
from dispatch.bench import serving as srv
from dispatch.bench.workload import reports

GOAL = 0.05
#: Seconds the worker may take after the load to place and offer the last reports.
DRAIN_S = 60.0
NOT_COVERED = (
    "addresses given as text (the reports carry coordinates, so the gazetteer and external "
    "geocoders are not asked), photos, a real SMS gateway (the worker's console backend only "
    "prints), technicians answering, a client further away than 127.0.0.1"
)


def _counts(app, after_id: int = 0) -> dict:
    """What became of the reports numbered above ``after_id``, and how many of all the county's
    reports still wait for the worker to place them."""
    import sqlalchemy as sa

    from dispatch.extensions import db
    from dispatch.orders.models import Status, WorkOrder
    from dispatch.plan.service import waiting
    from dispatch.sms.models import OutboxMessage

    def count(model, *where):
        return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))

    ours = WorkOrder.id > after_id
    with app.app_context():
        found = {
            "last_id": db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(WorkOrder.id), 0))),
            "reports": count(WorkOrder, ours),
            "duplicates": count(WorkOrder, ours, WorkOrder.duplicate_of_id.is_not(None)),
            "acks": count(
                OutboxMessage,
                OutboxMessage.kind == "ack",
                OutboxMessage.work_order_id.in_(sa.select(WorkOrder.id).where(ours)),
            ),
            "offered": count(WorkOrder, ours, WorkOrder.status == Status.OFFERED),
            "waiting": waiting(db.session),
        }
        db.session.remove()
    return found


def _caught_up(app, after_id: int = 0) -> dict:
    """Counts once the worker has placed every report (none waiting) and nothing has changed for
    3 s, or after ``DRAIN_S``. Nothing new for a while is not enough alone: a worker still
    starting up, or busy with one long placement, changes nothing for seconds too."""
    import time

    deadline, still = time.monotonic() + DRAIN_S, 0
    counts = _counts(app, after_id)
    while time.monotonic() < deadline and (still < 3 or counts["waiting"]):
        time.sleep(1)
        newer = _counts(app, after_id)
        still = still + 1 if newer == counts else 0
        counts = newer
    return counts


def _api_key(app, technicians: int = 0) -> str:
    """An API key of the county, which gets ``technicians`` more technicians to offer jobs to."""
    from dispatch.auth.service import create_api_key, organisation
    from dispatch.bench.workload import add_technicians
    from dispatch.extensions import db

    with app.app_context():
        county = organisation(db.session, "xinye")
        add_technicians(db.session, county.id, technicians, random.Random(3))
        key = create_api_key(db.session, county, "bench")
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return key


def _requests(key: str, count: int, seed: int) -> list[tuple[str, str, str]]:
    lines = []
    for n, (kind, lat, lon, phone) in enumerate(reports(random.Random(seed), count)):
        form = {
            "api_key": key,
            "service_code": kind,
            "lat": f"{lat:.6f}",
            "long": f"{lon:.6f}",
            "phone": phone,
            "description": f"测试报修 {n}：{kind}",
        }
        lines.append(("/open311/v2/requests.json", urlencode(form), ""))
    return lines


@bench.command("intake")
@click.option("--database-url", default="", help="An empty database; default: a fresh SQLite file.")
@click.option("--seconds", type=float, default=10.0, show_default=True, help="Length of each phase.")
@click.option("--workers", type=int, default=2, show_default=True, help="gunicorn worker processes.")
@click.option("--threads", type=int, default=1, show_default=True, help="Threads per worker (1: sync).")
@click.option("--connections", type=int, default=8, show_default=True, help="Concurrent connections.")
@click.option(
    "--generator",
    type=click.Choice(["auto", "wrk", "python"]),
    default="auto",
    show_default=True,
    help="Load generator: wrk when installed (`make bench-tools`), else Python threads.",
)
@click.option(
    "--technicians", type=int, default=500, show_default=True, help="Technicians added (3 jobs each at most)."
)
@click.option("--port", type=int, default=0, help="First of two ports to serve on (default: any free).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object of the figures.")
def bench_intake(database_url, seconds, workers, threads, connections, generator, technicians, port, as_json):
    """Open311 reports/s, latency and CPU per report under gunicorn, against a bare endpoint."""
    generator = srv.generator_name(generator)
    with srv.scratch() as tmp:
        url = database_url or f"sqlite:///{os.path.join(tmp, 'bench.db')}"
        app, _org_id = demo_database(url)
        key = _api_key(app, technicians)
        # Enough distinct reports for a fast server; a server faster still would see repeats.
        count = max(2000, int(seconds * 600))
        lines = _requests(key, count + 400, seed=2026)
        warm_file = srv.write_requests(lines[count:], tmp)
        load_file = srv.write_requests(lines[:count], tmp)
        bare_port, app_port = srv.pick_ports(port, 2)
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        with srv.gunicorn(
            "dispatch.bench.bare_app:app", bare_port, env, workers=workers, threads=threads
        ) as bare:
            bare_file = srv.write_requests([("/bare", "", "")], tmp)
            srv.replay(generator, bare.base, bare_file, 1, connections)
            cpu = bare.cpu()
            bare_run = srv.replay(generator, bare.base, bare_file, seconds, connections)
            bare_cpu = bare.cpu() - cpu
        env.update(
            DATABASE_URL=url,
            SECRET_KEY=os.environ.get("SECRET_KEY") or "bench-only-secret",
            DEMO_LOAD_WHEN_EMPTY="false",
            INTAKE_API_LIMIT="1000000 per minute",
            SMS_BACKEND="console",
        )
        with (
            srv.gunicorn("dispatch:create_app()", app_port, env, workers=workers, threads=threads) as web,
            srv.worker(env) as worker_cpu,
        ):
            srv.replay("python", web.base, warm_file, 2, min(connections, 4))  # imports, caches
            before = _caught_up(app)
            cpu, spent_by_worker = web.cpu(), worker_cpu()
            run = srv.replay(generator, web.base, load_file, seconds, connections)
            web_cpu = web.cpu() - cpu
            made = _caught_up(app, after_id=before["last_id"])
            spent_by_worker = worker_cpu() - spent_by_worker
    ratio = run["rate"] / bare_run["rate"] if bare_run["rate"] else 0.0
    figures = {
        "database": url.split("://")[0].split("+")[0],
        **srv.machine(),
        "generator": generator,
        "workers": workers,
        "threads": threads,
        "connections": connections,
        "bare_rate": bare_run["rate"],
        "bare_p50_ms": bare_run["p50_ms"],
        "bare_p99_ms": bare_run["p99_ms"],
        "bare_cpu_ms_per_request": round(1000 * bare_cpu / max(bare_run["requests"], 1), 3),
        "intake_rate": run["rate"],
        "intake_p50_ms": run["p50_ms"],
        "intake_p99_ms": run["p99_ms"],
        "intake_errors": run["errors"],
        "ratio": round(ratio, 4),
        "goal_ratio": GOAL,
        "cpu_ms_per_report": round(1000 * web_cpu / made["reports"], 1) if made["reports"] else None,
        "worker_cpu_ms_per_report": (
            round(1000 * spent_by_worker / made["reports"], 1) if made["reports"] else None
        ),
        "reports": made["reports"],
        "duplicates": made["duplicates"],
        "acks_queued": made["acks"],
        "offered": made["offered"],
        "left_waiting": made["waiting"],
        "technicians": technicians,
    }
    f = figures
    lines_out = [
        f"machine: {f['cores']} cores, load average {f['loadavg']}; database: {f['database']}",
        f"gunicorn -w {workers}" + (f" --threads {threads}" if threads > 1 else " (sync)")
        + f"; load: {generator}, {connections} connections, {seconds:g} s a phase, same machine",
        f"bare Flask endpoint  {f['bare_rate']:8.1f} req/s  p50 {f['bare_p50_ms']:6.1f} ms  "
        f"p99 {f['bare_p99_ms']:6.1f} ms  CPU {f['bare_cpu_ms_per_request']} ms/request",
        f"Open311 POST         {f['intake_rate']:8.1f} req/s  p50 {f['intake_p50_ms']:6.1f} ms  "
        f"p99 {f['intake_p99_ms']:6.1f} ms  errors {f['intake_errors']}",
        f"ratio {ratio:.4f}× a bare endpoint (goal ≥ {GOAL}×: {'met' if ratio >= GOAL else 'MISSED'})",
        f"CPU of the web workers per report: {f['cpu_ms_per_report']} ms (goal < 10 ms); "
        f"of the dispatch worker (placing, offering, sending): {f['worker_cpu_ms_per_report']} ms",
        f"reports created {f['reports']}, of which duplicates {f['duplicates']}; "
        f"acknowledgement SMS queued {f['acks_queued']}; offered to one of {technicians} + the demo's "
        f"technicians {f['offered']}; left waiting for a place after {DRAIN_S:g} s: {f['left_waiting']}",
    ]  # fmt: skip
    other = "PostgreSQL (give one with --database-url)" if f["database"] == "sqlite" else "SQLite"
    srv.emit(figures, lines_out, f"{NOT_COVERED}, {other}", as_json)
