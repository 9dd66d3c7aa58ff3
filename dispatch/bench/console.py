"""`dispatch bench console`: the console with 10 000 open orders and 500 technicians, over HTTP.

A fresh database (a temporary SQLite file, or an empty one given with ``--database-url``) gets
the demo organisations, technicians up to ``--technicians`` and ``--orders`` open orders (see
``console_fill``). Two server processes run the application as deployed (gunicorn), each its
own process with its own connections:

- on the first, a dispatcher logged in through the login form asks, one request after another,
  for the queue's first page, random pages, filtered pages, a search, the whole county's map
  data, one district's map data and work-order pages: p50/p99 of each (goal p99 ≤ 150 ms);
- "SMS → console": a citizen's report by SMS, a webhook signed as Twilio signs it, is posted to
  the first process; the dispatcher's live-update stream (server-sent events) is open on the
  second, and the time runs until the new report's ``created`` event arrives there — the way a
  change made by one web process reaches a page served by another (a poll of the event table on
  SQLite, LISTEN/NOTIFY on PostgreSQL).
"""

from __future__ import annotations

import json
import os
import random
import re
import threading
import time

import click
import requests

from dispatch.bench import analyze, bench, demo_database
from dispatch.bench import serving as srv
from dispatch.bench.console_fill import fill

COUNTY_BBOX = "111.95,32.25,112.75,32.85"
DISTRICT_BBOX = "112.33,32.49,112.39,32.55"
GOAL_MS = 150
#: Requests of each kind before the timed ones: enough for each of the two gunicorn worker
#: processes to have served one (left out of the figures, as the printout says).
WARM_UP = 6
AUTH_TOKEN = "bench-auth-token-0123456789abcdef"  # noqa: S105  (a local, throw-away token)
NOT_COVERED = (
    "many dispatchers at once (one client, one request at a time), the browser's rendering and "
    "its static files, the worker process, orders written through intake (the fill is in bulk)"
)


def login(base: str) -> requests.Session:
    http = requests.Session()
    page = http.get(f"{base}/login", timeout=30).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    data = {"username": "dispatcher", "password": "demo-pass", "csrf_token": token.group(1) if token else ""}
    answer = http.post(f"{base}/login", data=data, timeout=30)
    if answer.status_code != 200 or "/login" in answer.url:
        raise click.ClickException(f"logging in on {base} failed ({answer.status_code})")
    return http


def _cases(rng: random.Random, references: list[str]) -> dict:
    return {
        "queue_first": lambda: "/console/",
        "queue_random_page": lambda: f"/console/?page={rng.randrange(2, 200)}",
        "queue_filtered": lambda: rng.choice(
            [
                "/console/?at_risk=1",
                "/console/?type=water_leak&page=3",
                "/console/?zone=outside&status=queued",
                "/console/?status=offered",
            ]
        ),
        "queue_search": lambda: f"/console/?q=新华路{rng.randrange(10_000)}",
        "map_county": lambda: f"/console/map/data?bbox={COUNTY_BBOX}",
        "map_district": lambda: f"/console/map/data?bbox={DISTRICT_BBOX}",
        "order_page": lambda: f"/console/orders/{rng.choice(references)}",
    }


def _time_pages(http: requests.Session, base: str, cases: dict, n: int) -> dict:
    figures = {}
    for name, url in cases.items():
        for _ in range(WARM_UP):  # the first of a kind in each server process pays for compiling
            http.get(base + url(), timeout=60)  # its templates and filling its caches
        samples = []
        for _ in range(n):
            target = url()
            started = time.perf_counter()
            answer = http.get(base + target, timeout=60)
            samples.append((time.perf_counter() - started) * 1000)
            if answer.status_code != 200:
                raise click.ClickException(f"{target} answered {answer.status_code}")
        figures[name] = {
            "p50_ms": round(srv.percentile(samples, 50), 1),
            "p99_ms": round(srv.percentile(samples, 99), 1),
            "n": n,
        }
    return figures


def _sms_to_console(sender_base: str, stream_base: str, number: str, count: int) -> list[float]:
    """Post ``count`` signed citizens' reports to one process; time each to its ``created`` event
    on the other's live stream."""
    from dispatch.bench.workload import mobile
    from dispatch.sms.fake_twilio import signed_post

    watcher = login(stream_base)
    created: list[float] = []
    seen = threading.Condition()
    opened = threading.Event()

    def listen() -> None:
        try:
            with watcher.get(f"{stream_base}/console/live", stream=True, timeout=120) as answer:
                opened.set()
                for line in answer.iter_lines(decode_unicode=True):
                    if line and line.startswith("data: ") and json.loads(line[6:]).get("kind") == "created":
                        with seen:
                            created.append(time.perf_counter())
                            seen.notify_all()
        except requests.RequestException:
            pass  # the server stopped at the end of the run (or the stream failed: the wait says so)

    threading.Thread(target=listen, daemon=True).start()
    opened.wait(30)
    time.sleep(1.0)
    places = ["书院路", "汉桑路", "朝阳路", "中兴路", "人民路", "健康路", "新华路", "汉城路"]
    words = ["井盖丢了", "漏水", "下水道堵塞", "路面塌陷", "雨水篦子坏了"]
    poster = requests.Session()
    latencies = []
    for i in range(count):
        form = {
            "MessageSid": f"SMconsole{i:024d}",
            "From": mobile(4 * 10**7 + i),
            "To": number,
            "Body": f"{places[i % len(places)]}{words[i % len(words)]}，请派人",
        }
        signed = signed_post(f"{sender_base}/sms/inbound", form, AUTH_TOKEN)
        with seen:
            before = len(created)
        started = time.perf_counter()
        answer = poster.post(signed.url, data=signed.data, headers=signed.headers, timeout=60)
        if answer.status_code != 200:
            raise click.ClickException(f"the SMS webhook answered {answer.status_code}")
        with seen:
            if not seen.wait_for(lambda b=before: len(created) > b, timeout=30):
                raise click.ClickException("a report made by SMS never reached the other process's stream")
            latencies.append((created[before] - started) * 1000)
        time.sleep(0.1)
    return latencies


@bench.command("console")
@click.option("--orders", default=10_000, show_default=True)
@click.option("--technicians", default=500, show_default=True)
@click.option("--requests", "n", default=100, show_default=True, help="Requests per kind of page.")
@click.option("--sms", default=30, show_default=True, help="SMS reports timed to the live stream.")
@click.option("--port", type=int, default=0, help="First of two ports to serve on (default: any free).")
@click.option("--database-url", default="", help="An empty database; default: a fresh SQLite file.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object of the figures.")
def console_bench(orders, technicians, n, sms, port, database_url, as_json) -> None:
    """Console pages (p50/p99 over HTTP) and SMS → console latency across two server processes."""
    from dispatch.auth.service import organisation
    from dispatch.extensions import db

    rng = random.Random(2026)
    with srv.scratch() as tmp:
        url = database_url or f"sqlite:///{os.path.join(tmp, 'bench.db')}"
        app, org_id = demo_database(url)
        started = time.perf_counter()
        with app.app_context():
            references = fill(db.session, org_id, orders, technicians, rng)
            analyze()
            number = organisation(db.session, "xinye").sms_number
            db.session.remove()
            db.engine.dispose()
        filled_s = time.perf_counter() - started
        first, second = srv.pick_ports(port, 2)
        env = {
            **os.environ,
            "PYTHONUNBUFFERED": "1",
            "DATABASE_URL": url,
            "SECRET_KEY": os.environ.get("SECRET_KEY") or "bench-only-secret",
            "DEMO_LOAD_WHEN_EMPTY": "false",
            "SMS_BACKEND": "twilio",
            "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "TWILIO_FROM_NUMBER": number,
            "TWILIO_API_BASE": "http://127.0.0.1:9",
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{first}",
        }
        with (
            srv.gunicorn("dispatch:create_app()", first, env, workers=2, threads=4) as one,
            srv.gunicorn("dispatch:create_app()", second, env, workers=1, threads=4) as other,
        ):
            pages = _time_pages(login(one.base), one.base, _cases(rng, references), n)
            latencies = _sms_to_console(one.base, other.base, number, sms)
    figures = {
        "database": url.split("://")[0].split("+")[0],
        **srv.machine(),
        "orders": len(references),
        "technicians": technicians,
        "fill_s": round(filled_s, 1),
        "pages": pages,
        "sms_to_console_p50_ms": round(srv.percentile(latencies, 50), 1),
        "sms_to_console_p99_ms": round(srv.percentile(latencies, 99), 1),
        "sms_to_console_n": len(latencies),
        "goal_p99_ms": GOAL_MS,
        "pages_within_goal": all(p["p99_ms"] <= GOAL_MS for p in pages.values()),
    }
    lines = [
        f"machine: {figures['cores']} cores, load average {figures['loadavg']}; "
        f"database: {figures['database']}",
        f"{figures['orders']} open orders, {technicians} technicians (filled in {figures['fill_s']} s); "
        "gunicorn -w 2 --threads 4 serving the pages, a second gunicorn -w 1 --threads 4 the stream",
        f"over HTTP, one logged-in dispatcher, one request at a time, after {WARM_UP} of each kind left out:",
    ]
    for name, p in pages.items():
        verdict = "ok" if p["p99_ms"] <= GOAL_MS else "over"
        lines.append(
            f"  {name:18s} p50 {p['p50_ms']:7.1f} ms  p99 {p['p99_ms']:7.1f} ms  (n={p['n']}; goal p99 ≤ "
            f"{GOAL_MS} ms: {verdict})"
        )
    lines.append(
        f"SMS → console (signed webhook to one process, live stream of the other): "
        f"p50 {figures['sms_to_console_p50_ms']} ms  p99 {figures['sms_to_console_p99_ms']} ms  "
        f"(n={len(latencies)})"
    )
    srv.emit(figures, lines, NOT_COVERED, as_json)
