"""`dispatch bench intake`: Open311 reports per second under gunicorn, against a bare endpoint.

It prepares a database (a fresh SQLite file, or the PostgreSQL given with --database-url), starts
the app under gunicorn on 127.0.0.1, and in one run measures three phases of equal length:

1. the bare Flask endpoint, as fast as the clients can go (what the server itself manages);
2. Open311 POST requests, as fast as the clients can go (reports/s, and the ratio to 1.);
3. Open311 POST requests offered at a fixed rate (default 50/s), latency measured from when each
   request was due to be sent, so a server falling behind shows in p99; the rate printed is
   answers per second until the last answer came back.

Goals (issue "Intake"): intake at ≥ 15 % of the bare rate; p99 < 100 ms at 50 reports/s.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import click
import requests

from dispatch.bench import bench

#: Places the reports are about: half named, half pinned somewhere in the county.
PLACES = [
    "书院路",
    "人民路与健康路交叉口",
    "县人民医院",
    "新野一高东门",
    "汽车站",
    "白河大桥",
    "王庄镇",
    "李庄村",
]
TYPES = ["water_leak", "manhole_cover", "sewer_overflow", "road_damage", "drain_cover"]


@dataclass
class Phase:
    name: str
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return len(self.latencies_ms) / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]

    def line(self) -> str:
        return (
            f"{self.name:<28} {self.rate:8.1f}/s  p50 {self.percentile(50):7.1f} ms  "
            f"p99 {self.percentile(99):7.1f} ms  n={len(self.latencies_ms)} errors={self.errors}"
        )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _prepare(url: str) -> str:
    """Migrate, load the demo when empty, and make an API key for the county. Returns the key."""
    from dispatch import create_app
    from dispatch.auth.service import create_api_key, organisation
    from dispatch.cli import database_is_empty, upgrade_database
    from dispatch.demo import load_demo
    from dispatch.extensions import db

    app = create_app({"DATABASE_URL": url})
    with app.app_context():
        upgrade_database()
        if database_is_empty():
            load_demo(db.session, with_reports=False)
        key = create_api_key(db.session, organisation(db.session, "xinye"), "bench")
        db.session.commit()
        db.engine.dispose()
    return key


def _report(key: str, rng: random.Random) -> dict[str, str]:
    data = {"api_key": key, "service_code": rng.choice(TYPES), "description": "bench report"}
    if rng.random() < 0.5:
        data["address_string"] = rng.choice(PLACES)
    else:
        data["lat"] = f"{rng.uniform(32.45, 32.60):.6f}"
        data["long"] = f"{rng.uniform(112.30, 112.45):.6f}"
    return data


def _closed_loop(
    name: str, seconds: float, clients: int, call: Callable[[requests.Session, random.Random], bool]
):
    phase = Phase(name)
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def client(index: int) -> None:
        session, rng = requests.Session(), random.Random(index)
        while time.perf_counter() < stop:
            started = time.perf_counter()
            ok = call(session, rng)
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                if ok:
                    phase.latencies_ms.append(elapsed)
                else:
                    phase.errors += 1

    began = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    phase.seconds = time.perf_counter() - began
    return phase


def _open_loop(name: str, seconds: float, rate: float, call) -> Phase:
    """Send at ``rate`` per second whatever the answers; latency counts from the due send time."""
    phase = Phase(name)
    lock = threading.Lock()
    local = threading.local()
    count = int(seconds * rate)
    began = time.perf_counter()

    def one(index: int, due: float) -> None:
        if not hasattr(local, "session"):
            local.session = requests.Session()
        ok = call(local.session, random.Random(10_000 + index))
        elapsed = (time.perf_counter() - due) * 1000
        with lock:
            if ok:
                phase.latencies_ms.append(elapsed)
            else:
                phase.errors += 1

    with ThreadPoolExecutor(max_workers=32) as pool:
        for i in range(count):
            due = began + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            pool.submit(one, i, due)
    # Until the last answer: a server that cannot keep up shows a rate below the one offered.
    phase.seconds = time.perf_counter() - began
    return phase


@bench.command("intake")
@click.option("--database-url", default="", help="PostgreSQL URL; default: a fresh SQLite file.")
@click.option(
    "--seconds", type=float, default=15.0, show_default=True, help="Total time of the three phases."
)
@click.option("--workers", type=int, default=None, help="gunicorn processes (default: the cores).")
@click.option("--threads", type=int, default=4, show_default=True, help="Threads per gunicorn process.")
@click.option("--clients", type=int, default=8, show_default=True, help="Concurrent clients (closed loop).")
@click.option(
    "--rate", type=float, default=50.0, show_default=True, help="Reports/s of the fixed-rate phase."
)
def bench_intake(database_url, seconds, workers, threads, clients, rate) -> None:
    """Open311 intake throughput and latency under gunicorn, against a bare endpoint."""
    cores = os.cpu_count() or 1
    workers = workers or cores
    tmp = None
    if not database_url:
        tmp = tempfile.mkdtemp(prefix="dispatch-bench-")
        database_url = f"sqlite:///{tmp}/bench.db"
    click.echo(f"database: {database_url.split('@')[-1]}")
    key = _prepare(database_url)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "bench-only-secret",
        "DEMO_LOAD_WHEN_EMPTY": "false",
        "INTAKE_API_LIMIT": "1000000 per minute",
        "SMS_BACKEND": "console",
    }
    command = [
        sys.executable, "-m", "gunicorn", "--workers", str(workers), "--threads", str(threads),
        "--worker-class", "gthread", "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
        "dispatch.bench.intake_app:create_bench_app()",
    ]  # fmt: skip
    # The command is fixed above (this interpreter, gunicorn, our app); nothing comes from input.
    server = subprocess.Popen(command, env=env, start_new_session=True)  # noqa: S603
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{base}/bench/bare", timeout=1).ok:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise click.ClickException("gunicorn did not start")
            time.sleep(0.2)

        def bare(session, _rng) -> bool:
            return session.get(f"{base}/bench/bare", timeout=10).status_code == 200

        def report(session, rng) -> bool:
            response = session.post(f"{base}/open311/v2/requests.json", data=_report(key, rng), timeout=30)
            return response.status_code == 200

        # Warm every process up (imports, gazetteer, rule book) before measuring.
        _closed_loop("warm-up", 2.0, clients, report)
        part = seconds / 3
        phases = [
            _closed_loop("bare endpoint (max)", part, clients, bare),
            _closed_loop("Open311 intake (max)", part, clients, report),
            _open_loop(f"Open311 intake @ {rate:g}/s", part, rate, report),
        ]
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)

    bare_phase, max_phase, fixed = phases
    ratio = max_phase.rate / bare_phase.rate if bare_phase.rate else 0.0
    click.echo(f"cores: {cores}")
    click.echo(
        f"processes: gunicorn {workers} worker(s) × {threads} thread(s) (gthread); load generator: "
        f"this process, {clients} closed-loop clients / up to 32 open-loop threads (same machine)"
    )
    for phase in phases:
        click.echo(phase.line())
    click.echo(f"intake / bare: {ratio:.1%} (goal ≥ 15 %: {'met' if ratio >= 0.15 else 'MISSED'})")
    p99 = fixed.percentile(99)
    met = p99 < 100 and fixed.errors == 0 and fixed.rate >= rate * 0.95
    click.echo(f"p99 at {rate:g} reports/s: {p99:.1f} ms (goal < 100 ms: {'met' if met else 'MISSED'})")
    if statistics.fmean([p.errors for p in phases]) > 0:
        click.echo("some requests failed: see the errors column")
