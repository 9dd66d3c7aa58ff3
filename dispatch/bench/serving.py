"""What the HTTP benchmarks share: gunicorn started as in production, the CPU its workers spent
(from /proc), a load generator replaying prepared requests over several connections, and the
way figures are printed (text, or one JSON object with ``--json``).

The load generator is Debian's ``wrk`` when it is installed (``make bench-tools``), else threads
of this process with ``http.client`` keep-alive connections. Either replays a file of prepared
POST requests (one a line: ``path<TAB>form body<TAB>X-Twilio-Signature or empty``), so every
request is another report, another sender, another signature, and nothing is computed while
measuring. Each run measures a bare Flask endpoint with the same generator and the same gunicorn
settings: the rate it reaches bounds what the generator can show.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import click

WRK_SCRIPT = Path(__file__).with_name("replay.lua")


def machine() -> dict:
    load = os.getloadavg()
    return {"cores": os.cpu_count(), "loadavg": [round(x, 2) for x in load]}


def percentile(values, p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def emit(figures: dict, lines: list[str], not_covered: str, as_json: bool) -> None:
    """The figures as text lines, or as one JSON object; then what the benchmark does not cover."""
    if as_json:
        click.echo(json.dumps({**figures, "not_covered": not_covered}, ensure_ascii=False))
    else:
        for line in lines:
            click.echo(line)
        click.echo(f"not covered: {not_covered}")


def pick_ports(first: int, count: int) -> list[int]:
    """``count`` ports from ``first`` (0: any free ones the system gives)."""
    import socket

    if first:
        return list(range(first, first + count))
    ports = []
    for _ in range(count):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            ports.append(s.getsockname()[1])
    return ports


# --- processes ---------------------------------------------------------------------------------


def _stat(pid: int) -> list[str]:
    with open(f"/proc/{pid}/stat") as f:
        data = f.read()
    return data[data.rindex(")") + 2 :].split()


def children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if int(_stat(int(entry))[1]) == pid:
                    found.append(int(entry))
            except (OSError, ValueError, IndexError):
                continue
    return found


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of ``pids`` and their waited-for children, in seconds."""
    ticks = 0
    for pid in pids:
        try:
            fields = _stat(pid)
        except OSError:
            continue
        ticks += sum(int(fields[i]) for i in (11, 12, 13, 14))  # utime stime cutime cstime
    return ticks / os.sysconf("SC_CLK_TCK")


@dataclass
class Server:
    process: subprocess.Popen
    base: str

    @property
    def workers(self) -> list[int]:
        return children(self.process.pid)

    def cpu(self) -> float:
        return cpu_seconds(self.workers)


def _wait(server: Server, path: str, timeout_s: float = 90) -> None:
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise click.ClickException(f"the server on {server.base} exited early")
        try:
            with urllib.request.urlopen(server.base + path, timeout=15) as answer:  # noqa: S310
                if answer.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    raise click.ClickException(f"the server on {server.base} did not come up")


@contextmanager
def gunicorn(app: str, port: int, env: dict, *, workers: int, threads: int, ready: str = "/healthz"):
    """``gunicorn -w workers [--threads threads] app`` on 127.0.0.1:port, stopped afterwards."""
    command = [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}"]
    if threads > 1:
        command += ["--threads", str(threads)]
    command += ["--log-level", "warning", app]
    # Our own fixed command line: this interpreter, gunicorn, one of our apps.
    process = subprocess.Popen(command, env=env, start_new_session=True)  # noqa: S603
    server = Server(process, f"http://127.0.0.1:{port}")
    try:
        _wait(server, ready)
        deadline = time.monotonic() + 30
        while len(server.workers) < workers and time.monotonic() < deadline:
            time.sleep(0.1)
        yield server
    finally:
        stop(process)


@contextmanager
def worker(env: dict):
    """One ``dispatch worker`` process (as deployed beside gunicorn), stopped afterwards; yields
    a function giving its CPU seconds so far."""
    command = [sys.executable, "-c", "from dispatch.cli import main; main()", "worker"]
    # Our own fixed command line: this interpreter and our CLI.
    process = subprocess.Popen(  # noqa: S603
        command, env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        yield lambda: cpu_seconds([process.pid])
    finally:
        stop(process)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


# --- load ----------------------------------------------------------------------------------------


def write_requests(lines: list[tuple[str, str, str]], directory: str) -> str:
    path = os.path.join(directory, f"requests-{len(os.listdir(directory))}.txt")
    with open(path, "w", encoding="utf-8") as f:
        for target, body, signature in lines:
            f.write(f"{target}\t{body}\t{signature}\n")
    return path


def generator_name(choice: str) -> str:
    if choice == "auto":
        return "wrk" if shutil.which("wrk") else "python"
    if choice == "wrk" and not shutil.which("wrk"):
        raise click.ClickException("wrk is not installed: `make bench-tools`, or --generator python")
    return choice


def replay(generator: str, base: str, requests_file: str, seconds: float, connections: int) -> dict:
    """Replay the prepared requests against ``base`` for ``seconds`` over ``connections``
    keep-alive connections (closed loop). Returns requests (answered 2xx/3xx), errors, seconds,
    rate, p50_ms, p99_ms."""
    if generator == "wrk":
        return _wrk(base, requests_file, seconds, connections)
    return _threads(base, requests_file, seconds, connections)


def _wrk(base: str, requests_file: str, seconds: float, connections: int) -> dict:
    threads = max(1, min(2, connections))
    command = [
        "wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "30s",
        "-s", str(WRK_SCRIPT), base, "--", requests_file, str(threads),
    ]  # fmt: skip
    out = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    for line in out.stdout.splitlines():
        if line.startswith("BENCH "):
            raw = json.loads(line[6:])
            ok = raw["requests"] - raw["errors"]
            took = raw["duration_us"] / 1e6
            return {
                "requests": ok,
                "errors": raw["errors"],
                "seconds": round(took, 2),
                "rate": round(ok / took, 1) if took else 0.0,
                "p50_ms": round(raw["p50_us"] / 1000, 1),
                "p99_ms": round(raw["p99_us"] / 1000, 1),
            }
    raise click.ClickException(f"wrk failed: {out.stderr.strip() or out.stdout.strip()}")


def _threads(base: str, requests_file: str, seconds: float, connections: int) -> dict:
    with open(requests_file, encoding="utf-8") as f:
        prepared = [line.rstrip("\n").split("\t") for line in f if line.strip()]
    host, port = base.split("//")[1].split(":")
    lock = threading.Lock()
    state = {"next": 0}
    latencies: list[float] = []
    errors = [0]
    end = time.perf_counter() + seconds

    def client() -> None:
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        mine: list[float] = []
        failed = 0
        while time.perf_counter() < end:
            with lock:
                target, body, signature = prepared[state["next"] % len(prepared)]
                state["next"] += 1
            headers = {"Content-Type": "application/x-www-form-urlencoded"}
            if signature:
                headers["X-Twilio-Signature"] = signature
            started = time.perf_counter()
            try:
                conn.request("POST", target, body=body.encode(), headers=headers)
                answer = conn.getresponse()
                answer.read()
                good = answer.status < 400
            except (OSError, http.client.HTTPException):
                conn.close()
                good = False
            if good:
                mine.append((time.perf_counter() - started) * 1000)
            else:
                failed += 1
        conn.close()
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    began = time.perf_counter()
    workers = [threading.Thread(target=client) for _ in range(connections)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    took = time.perf_counter() - began
    return {
        "requests": len(latencies),
        "errors": errors[0],
        "seconds": round(took, 2),
        "rate": round(len(latencies) / took, 1),
        "p50_ms": round(percentile(latencies, 50), 1),
        "p99_ms": round(percentile(latencies, 99), 1),
    }


@contextmanager
def scratch():
    """A temporary directory removed afterwards."""
    directory = tempfile.mkdtemp(prefix="dispatch-bench-")
    try:
        yield directory
    finally:
        shutil.rmtree(directory, ignore_errors=True)
