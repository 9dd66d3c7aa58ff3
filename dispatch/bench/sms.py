"""``dispatch bench sms``: the SMS pipe under load, with real processes.

Runs the application under gunicorn, one ``dispatch worker`` and the fake Twilio server (a thread
of this process), then measures, in the same run:

1. signed ``POST /sms/inbound`` webhooks per second, against a bare Flask endpoint of the same
   server (goal: at least 15 % of its rate);
2. the time from an outbox row's commit to its hand-over to Twilio while messages are queued at
   ``--rate`` per second (goal: p50 ≤ 0.2 s, p99 ≤ 1 s at 50/s).

The load comes from threads of this process, on the same machine. Without ``--database-url`` a
temporary SQLite file is used: there a separate worker process cannot be woken by a commit in
another process and falls back to polling — the latency goal is one for PostgreSQL
(LISTEN/NOTIFY), e.g. ``--database-url postgresql://postgres@127.0.0.1:5432/bench``. The database
given is migrated and gets the benchmark's rows: never point it at a production database.
``BENCH_KEEP_LOG=1`` prints the end of the worker's log afterwards.
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import click
import requests

from dispatch.bench import bench
from dispatch.sms.fake_twilio import DEFAULT_FROM_NUMBER, FakeTwilio, signed_post


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _migrate(url: str) -> None:
    from flask_migrate import upgrade

    from dispatch import create_app
    from dispatch.extensions import db

    app = create_app({"DATABASE_URL": url, "DEMO_LOAD_WHEN_EMPTY": False})
    with app.app_context():
        upgrade()
        db.engine.dispose()


def _wait_healthy(base: str, procs: list[subprocess.Popen], timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in procs):
            raise click.ClickException("a benchmark process exited early; see its output above")
        try:
            if requests.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise click.ClickException("the server did not come up")


def _hammer(seconds: float, clients: int, make_request) -> tuple[float, int]:
    """Post from ``clients`` threads for ``seconds``; (successful requests per second, errors)."""
    done = [0] * clients
    errors = [0] * clients
    stop = threading.Event()

    def client(n: int) -> None:
        with requests.Session() as http:
            i = 0
            while not stop.is_set():
                url, data, headers = make_request(n, i)
                i += 1
                try:
                    response = http.post(url, data=data, headers=headers, timeout=30)
                    ok = response.status_code == 200
                except requests.RequestException:
                    ok = False
                if ok:
                    done[n] += 1
                else:
                    errors[n] += 1

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    started = time.monotonic()
    for t in threads:
        t.start()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join(35)
    return sum(done) / (time.monotonic() - started), sum(errors)


def _queue_at_rate(url: str, rate: float, seconds: float) -> dict[str, float]:
    """Queue messages one transaction each at ``rate`` per second; {body: commit time}."""
    from dispatch import create_app
    from dispatch.extensions import db
    from dispatch.sms import outbox

    app = create_app({"DATABASE_URL": url, "DEMO_LOAD_WHEN_EMPTY": False})
    committed: dict[str, float] = {}
    with app.app_context():
        started = time.monotonic()
        n = 0
        while time.monotonic() - started < seconds:
            body = f"bench latency {n:06d}"
            outbox.enqueue(db.session, to=f"+1500555{n % 10000:04d}", body=body, kind="bench")
            db.session.commit()
            committed[body] = time.time()
            n += 1
            pause = started + n / rate - time.monotonic()
            if pause > 0:
                time.sleep(pause)
        db.session.remove()
        db.engine.dispose()
    return committed


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


@bench.command("sms")
@click.option("--seconds", default=5.0, show_default=True, help="Length of each measurement.")
@click.option("--rate", default=50.0, show_default=True, help="Outbox messages queued per second.")
@click.option("--clients", default=8, show_default=True, help="Client threads posting webhooks.")
@click.option("--web-workers", default=2, show_default=True, help="gunicorn worker processes.")
@click.option("--threads", default=4, show_default=True, help="Threads per gunicorn worker.")
@click.option(
    "--database-url", default="", help="Database to use (migrated, gets rows); default a temporary SQLite."
)
def sms_bench(seconds, rate, clients, web_workers, threads, database_url) -> None:
    """Signed inbound webhooks/s vs a bare endpoint, and outbox commit → Twilio latency."""
    tmp = tempfile.TemporaryDirectory(prefix="dispatch-bench-")
    url = database_url or f"sqlite:///{Path(tmp.name) / 'bench.db'}"
    _migrate(url)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    fake = FakeTwilio().start()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "bench-only-secret",
        "SMS_BACKEND": "twilio",
        "TWILIO_ACCOUNT_SID": fake.account_sid,
        "TWILIO_AUTH_TOKEN": fake.auth_token,
        "TWILIO_FROM_NUMBER": DEFAULT_FROM_NUMBER,
        "TWILIO_API_BASE": fake.base_url,
        "PUBLIC_BASE_URL": base,
        "DEMO_LOAD_WHEN_EMPTY": "false",
    }
    gunicorn = [
        sys.executable, "-m", "gunicorn", "-w", str(web_workers), "--threads", str(threads),
        "-b", f"127.0.0.1:{port}", "--log-level", "warning", "dispatch.bench.sms_app:app",
    ]  # fmt: skip
    worker = [sys.executable, "-c", "from dispatch.cli import main; main()", "worker"]
    worker_log = open(Path(tmp.name) / "worker.log", "wb")  # noqa: SIM115  (closed below)
    procs = [
        subprocess.Popen(gunicorn, env=env),  # noqa: S603  (our own fixed command line)
        subprocess.Popen(worker, env=env, stdout=worker_log, stderr=subprocess.STDOUT),  # noqa: S603
    ]
    try:
        _wait_healthy(base, procs)
        time.sleep(1)  # let every gunicorn worker finish importing
        cores = os.cpu_count()
        usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cores
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
        click.echo(f"machine: {cores} cores ({usable} usable by this process), load average {load}")
        click.echo(f"database: {url.split('@')[-1] if '@' in url else url}")
        click.echo("processes:")
        click.echo(f"  gunicorn -w {web_workers} --threads {threads} (pid {procs[0].pid})")
        click.echo(f"  dispatch worker (pid {procs[1].pid})")
        click.echo(f"  this process (pid {os.getpid()}): fake Twilio server, {clients} client threads,")
        click.echo("    the outbox queuer")

        form = {"From": "+8613900000000", "To": DEFAULT_FROM_NUMBER, "Body": "书院路漏水，请派人"}

        def bare(n: int, i: int):
            return f"{base}/bench/bare", {**form, "MessageSid": f"SMbare{n:02d}{i:024d}"}, {}

        def signed(n: int, i: int):
            request = signed_post(
                f"{base}/sms/inbound", {**form, "MessageSid": f"SMbench{n:02d}{i:023d}"}, fake.auth_token
            )
            return request.url, request.data, request.headers

        _hammer(1.0, clients, bare)  # warm up connections and code paths
        bare_rate, bare_errors = _hammer(seconds, clients, bare)
        inbound_rate, inbound_errors = _hammer(seconds, clients, signed)
        share = 100 * inbound_rate / bare_rate if bare_rate else 0.0
        click.echo(f"webhooks ({seconds:g} s each, {clients} clients):")
        click.echo(f"  bare Flask endpoint  {bare_rate:8.1f} req/s  ({bare_errors} errors)")
        click.echo(
            f"  signed /sms/inbound  {inbound_rate:8.1f} req/s  ({inbound_errors} errors)"
            f"  = {share:.1f} % of bare (goal ≥ 15 %)"
        )

        fake.reset()
        committed = _queue_at_rate(url, rate, seconds)
        deadline = time.monotonic() + 30
        while len(fake.messages) < len(committed) and time.monotonic() < deadline:
            time.sleep(0.1)
        latencies = [
            m["received_at"].timestamp() - committed[m["body"]]
            for m in list(fake.messages)
            if m["body"] in committed
        ]
        click.echo(f"outbox commit → Twilio ({rate:g} msg/s for {seconds:g} s, {len(committed)} queued):")
        if latencies:
            click.echo(
                f"  handed over {len(latencies)}; p50 {statistics.median(latencies):.3f} s, "
                f"p99 {_percentile(latencies, 99):.3f} s, max {max(latencies):.3f} s "
                "(goal p50 ≤ 0.2 s, p99 ≤ 1 s)"
            )
        else:
            click.echo("  nothing reached Twilio")
        if not url.startswith(("postgresql", "postgres")):
            click.echo("  note: on SQLite a separate worker process is not woken by commits; it polls.")
        click.echo(f"at {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC")
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        fake.stop()
        worker_log.close()
        if os.environ.get("BENCH_KEEP_LOG"):
            click.echo((Path(tmp.name) / "worker.log").read_text(errors="replace")[-5000:])
        tmp.cleanup()
