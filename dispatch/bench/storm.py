"""``dispatch bench storm``: a storm of Open311 reports, from the POST to the SMS handed to Twilio.

It runs what production runs, as separate processes on this machine: ``--web`` gunicorn servers
(``-w 2 --threads 4`` each, the reports sent to them in turn, as a proxy would), ``--workers``
``dispatch worker`` processes, the official twilio client in each (``SMS_BACKEND=twilio``) talking
to the fake Twilio server (``dispatch.sms.fake_twilio``, in a process of its own, which records
when it took each message), and a fresh PostgreSQL database with the demo organisations and a
storm crew of technicians. A producer with ``--connections`` connections posts ``--rate``
reports a second for ``--seconds`` seconds, each at another place of the county town's
built-up area, with its own reporter's mobile number, types in turn. Nothing is switched off:
acknowledgements, duplicate detection, live updates and the production rate limits stay on,
except the per-client Open311 limit, lifted through ``INTAKE_API_LIMIT`` (every report comes
from this one address).

Figures: POST latency (from sent to answered), the time from a report's POST being sent to its
acknowledgement and to its first offer SMS being handed to Twilio, and the accounting of every
report (see ``storm_figures``). Goals: POST p99 ≤ 200 ms; acknowledgement and offer each p50 ≤
0.5 s and p99 ≤ 2 s; every reporter acknowledged exactly once; no offer lost.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import click
import requests

from dispatch.bench import bench
from dispatch.bench import serving as srv
from dispatch.bench.storm_figures import Posted, account, figures
from dispatch.bench.storm_setup import (
    FakeTwilioProcess,
    create_database,
    fresh_database,
    places_available,
    reports,
)
from dispatch.sms.fake_twilio import DEFAULT_FROM_NUMBER

NOT_COVERED = (
    "not covered: a network between the parts (all on one machine, load generator included), "
    "Twilio's own latency and delivery receipts, technicians answering offers, TLS and a proxy "
    "in front of gunicorn, the console's live pages open during the storm"
)
#: Seconds allowed after the last POST for the outbox to hand everything to Twilio.
DRAIN_S = 60.0


def _postgres_pids() -> list[int]:
    """The database server's processes on this machine (its CPU is part of the storm's)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if Path(f"/proc/{entry}/comm").read_text().strip() == "postgres":
                    found.append(int(entry))
            except OSError:
                continue
    return found


def _free_ports(first: int, count: int) -> list[int]:
    import socket

    ports = []
    for port in range(first, first + 100) if first else [0] * count:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            ports.append(sock.getsockname()[1])
        if len(ports) == count:
            return ports
    raise click.ClickException(f"no {count} free ports from {first}")


def _wait_up(url: str, procs: list[subprocess.Popen], timeout_s: float = 90) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in procs):
            raise click.ClickException("a benchmark process exited early; see its output above")
        try:
            if requests.get(url, timeout=2).status_code in (200, 503):
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise click.ClickException(f"{url} did not answer")


def _produce(bases: list[str], forms, rate: float, connections: int) -> list[Posted]:
    """Post every form at its due time (open loop), round-robin over ``bases``."""
    posted: list[Posted] = []
    lock = threading.Lock()
    local = threading.local()
    began = time.time() + 0.2

    def post(report, due: float) -> None:
        if not hasattr(local, "http"):
            local.http = requests.Session()
        base = bases[report.index % len(bases)]
        p = Posted(report.index, report.type_code, report.phone, due=due, sent=time.time())
        try:
            response = local.http.post(f"{base}/open311/v2/requests.json", data=report.form, timeout=30)
            p.answered, p.http_status = time.time(), response.status_code
            if response.status_code == 200:
                p.reference = response.json()[0]["service_request_id"]
        except (requests.RequestException, ValueError, KeyError, IndexError):
            p.answered = time.time()
        with lock:
            posted.append(p)

    with ThreadPoolExecutor(connections, thread_name_prefix="storm-post") as pool:
        for i, report in enumerate(forms):
            due = began + i / rate
            pause = due - time.time()
            if pause > 0:
                time.sleep(pause)
            pool.submit(post, report, due)
    return sorted(posted, key=lambda p: p.index)


def _drain(deadline_s: float) -> bool:
    """Wait (inside the app context) until no report waits for the worker to place it and no
    message is left to send; whether that happened."""
    import sqlalchemy as sa

    from dispatch.extensions import db
    from dispatch.sms.models import OutboxMessage, SendState

    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        left = db.session.scalar(
            sa.select(sa.func.count(OutboxMessage.id)).where(
                OutboxMessage.state.in_([SendState.QUEUED, SendState.SENDING, SendState.UNCERTAIN])
            )
        )
        if not left:
            from dispatch.plan import service

            left = service.waiting(db.session)
        db.session.rollback()
        if not left:
            return True
        time.sleep(0.2)
    return False


def _print(result: dict, out) -> None:
    def s(key: str) -> str:
        return "—" if result[key] is None else f"{result[key]:.3f} s"

    out(
        f"producer: {result['posted']} reports at {result['rate']:g}/s asked, "
        f"{result['rate_reached']:g}/s reached (latest send {result['send_lag_max_ms']:.0f} ms behind "
        f"its time), {result['post_errors']} failed or unanswered in 30 s ({result['taken_unanswered']} "
        "of them taken all the same, and followed below)"
    )
    out(f"POST latency: p50 {result['post_p50_ms']} ms, p99 {result['post_p99_ms']} ms (goal p99 ≤ 200 ms)")
    out(
        f"POST sent → acknowledgement at Twilio: p50 {s('ack_p50_s')}, p99 {s('ack_p99_s')} "
        "(goal p50 ≤ 0.5 s, p99 ≤ 2 s)"
    )
    out(
        f"POST sent → first offer at Twilio:     p50 {s('offer_p50_s')}, p99 {s('offer_p99_s')} "
        "(goal p50 ≤ 0.5 s, p99 ≤ 2 s)"
    )
    out(
        f"POST answered → at Twilio (the worker's part): acknowledgement p50 {s('ack_after_answer_p50_s')}, "
        f"p99 {s('ack_after_answer_p99_s')}; offer p50 {s('offer_after_answer_p50_s')}, "
        f"p99 {s('offer_after_answer_p99_s')}"
    )
    out(
        f"reporters acknowledged exactly once: {result['acked_once']} of "
        f"{result['posted'] - result['post_errors'] + result['taken_unanswered']}"
        f" (none: {result['ack_missing']}, more than once: {result['ack_repeated']})"
    )
    out(
        f"dispatchable reports: {result['dispatchable']} — offered {result['offered']}, nobody free "
        f"(dispatcher alerted) {result['no_candidate']}, LOST {result['offers_lost']}; not dispatchable: "
        f"{result['duplicates']} duplicates, {result['waits_for_dispatcher']} types a dispatcher assigns"
    )
    if not result["drained"]:
        out(f"the outbox was not empty {DRAIN_S:g} s after the last POST")


@bench.command("storm")
@click.option("--rate", type=float, default=50.0, show_default=True, help="Reports posted per second.")
@click.option("--seconds", type=float, default=30.0, show_default=True, help="How long the storm lasts.")
@click.option(
    "--web", type=int, default=1, show_default=True, help="gunicorn servers (-w 2 --threads 4 each)."
)
@click.option("--workers", type=int, default=1, show_default=True, help="`dispatch worker` processes.")
@click.option("--connections", type=int, default=32, show_default=True, help="Producer connections.")
@click.option(
    "--technicians",
    type=int,
    default=0,
    help="Storm crew added to the demo's (default: enough to offer every report).",
)
@click.option("--port", type=int, default=0, help="First port to serve on (default: any free ports).")
@click.option(
    "--database-url",
    default=lambda: os.environ.get("DATABASE_URL", ""),
    show_default="$DATABASE_URL",
    help="A new or empty PostgreSQL database; created when missing.",
)
@click.option("--drop-existing", is_flag=True, help="Drop the database first when it exists.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object of the figures.")
def storm_bench(
    rate, seconds, web, workers, connections, technicians, port, database_url, drop_existing, as_json
):
    """Open311 reports at a rate → acknowledgement and offer SMS handed to Twilio."""
    if not database_url:
        raise click.ClickException("give --database-url postgresql://… (a new or empty database)")
    count = max(1, round(rate * seconds))
    # Pending offers count towards a technician's load (3 jobs at most): a crew big enough that
    # every report can be offered, broadcasts included, so that "nobody free" is not the figure.
    technicians = technicians or count * 2 // 3 + 20
    create_database(database_url, drop_existing=drop_existing)
    key = fresh_database(database_url, technicians)
    forms = reports(count, key)
    ports = _free_ports(port, web + 1)
    fake = FakeTwilioProcess(ports[-1])
    tmp = tempfile.TemporaryDirectory(prefix="dispatch-storm-")
    bases = [f"http://127.0.0.1:{p}" for p in ports[:web]]
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "bench-only-secret",
        "SMS_BACKEND": "twilio",
        "TWILIO_ACCOUNT_SID": fake.account_sid,
        "TWILIO_AUTH_TOKEN": fake.auth_token,
        "TWILIO_FROM_NUMBER": DEFAULT_FROM_NUMBER,
        "TWILIO_API_BASE": fake.base_url,
        "PUBLIC_BASE_URL": bases[0],
        "DEMO_LOAD_WHEN_EMPTY": "false",
        # The one lift: every report comes from this process's address.
        "INTAKE_API_LIMIT": "1000000 per minute",
    }
    log = open(Path(tmp.name) / "processes.log", "wb")  # noqa: SIM115  (closed below)
    procs: list[subprocess.Popen] = []
    try:
        for p in ports[:web]:
            command = [
                sys.executable, "-m", "gunicorn", "-w", "2", "--threads", "4", "-b", f"127.0.0.1:{p}",
                "--log-level", "warning", "dispatch:create_app()",
            ]  # fmt: skip
            procs.append(subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT))  # noqa: S603
        for _ in range(workers):
            command = [sys.executable, "-c", "from dispatch.cli import main; main()", "worker"]
            procs.append(subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT))  # noqa: S603
        for base in bases:
            _wait_up(f"{base}/healthz", procs)
        # Warm every gunicorn worker up (imports, rule book, gazetteer, roster) with reports of
        # their own (numbers and places the storm does not use), left out of the figures.
        warm = reports(8 * web, key, first=count, offset=places_available() - 20)
        _produce(bases, warm, rate=8.0, connections=4)
        time.sleep(2)  # every gunicorn worker and dispatch worker done importing and listening
        load_before = Path("/proc/loadavg").read_text().strip() if Path("/proc/loadavg").exists() else ""
        parts = {
            "web": lambda: srv.cpu_seconds([c for p in procs[:web] for c in srv.children(p.pid)]),
            "worker": lambda: srv.cpu_seconds([p.pid for p in procs[web:]]),
            "fake_twilio": lambda: srv.cpu_seconds([fake.process.pid]),
            "postgresql": lambda: srv.cpu_seconds(_postgres_pids()),
            "producer": lambda: sum(os.times()[:2]),
        }
        cpu_before, started = {k: f() for k, f in parts.items()}, time.monotonic()
        posted = _produce(bases, forms, rate, connections)
        from dispatch import create_app

        app = create_app({"DATABASE_URL": database_url, "DEMO_LOAD_WHEN_EMPTY": False})
        with app.app_context():
            drained = _drain(DRAIN_S)
            cpu = {k: round(f() - cpu_before[k], 1) for k, f in parts.items()}
            cpu["wall_s"] = round(time.monotonic() - started, 1)
            twilio = fake.collect()
            accounting = account(posted, twilio)
            from dispatch.extensions import db

            db.session.remove()
            db.engine.dispose()
        result = figures(
            rate=rate,
            seconds=seconds,
            web=web,
            workers=workers,
            technicians=technicians,
            posted=posted,
            accounting=accounting,
            drained=drained,
            loadavg=load_before,
        )
        result["cpu_s"] = cpu
        result["not_covered"] = NOT_COVERED.removeprefix("not covered: ")
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
        fake.kill()
        log.close()
        if os.environ.get("BENCH_KEEP_LOG"):
            click.echo((Path(tmp.name) / "processes.log").read_text(errors="replace")[-5000:], err=True)
        tmp.cleanup()
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False))
        return
    cores = os.cpu_count()
    click.echo(f"machine: {cores} cores, /proc/loadavg before the storm: {load_before}")
    click.echo(
        f"processes: {web} × gunicorn -w 2 --threads 4, {workers} × dispatch worker, fake Twilio (own "
        f"process), producer ({connections} connections, this process); "
        f"PostgreSQL {database_url.split('@')[-1]}"
    )
    click.echo(f"storm crew: {technicians} technicians added to the demo county's")
    _print(result, click.echo)
    c = result["cpu_s"]
    click.echo(
        f"CPU seconds from the first POST until the last offer was handed over ({c['wall_s']:g} s, "
        f"{cores} cores): web {c['web']:g}, worker {c['worker']:g}, PostgreSQL {c['postgresql']:g}, "
        f"fake Twilio {c['fake_twilio']:g}, producer and this bench's polling {c['producer']:g}"
    )
    failures = Counter(p.http_status for p in posted if p.http_status != 200)
    if failures:
        click.echo(
            "failed POSTs: "
            + ", ".join(
                f"{n} × {'no answer' if code == 0 else f'HTTP {code}'}"
                for code, n in sorted(failures.items())
            )
        )
    if accounting.lost_references:
        click.echo(f"lost: {', '.join(accounting.lost_references[:20])}")
    click.echo(NOT_COVERED)
