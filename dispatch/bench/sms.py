"""``dispatch bench sms``: signed Twilio webhooks doing real work, against a bare endpoint.

A fresh database (a temporary SQLite file, or an empty one given with ``--database-url``) gets
the demo organisations, ``--technicians`` more technicians, and ``--jobs`` reports taken through
intake, which automatic dispatch offers to them. The application then runs under ``gunicorn -w
2`` as deployed, with a Twilio auth token, and every request is a real webhook, signed with that
token as Twilio signs it (``X-Twilio-Signature`` over the public URL and the form):

1. a bare Flask app answering "ok", same gunicorn settings, same generator (the yardstick);
2. citizens' reports by SMS to the county's number: each from another mobile, naming another
   place of the gazetteer and a problem in words (``书院路井盖…``) — the keyword match, the
   geocoding chain, the duplicate check, the report, its acknowledgement and its offer;
3. technicians' commands on the jobs they were offered, in the order a technician sends them:
   accept (``Y 123``), on the way (``OTW 123``), arrived (``ARR 123``), then waiting for parts
   and resuming (``WAIT PARTS 123`` / ``RESUME 123``) again and again — each one a change of
   state of the job through its lifecycle.

Goal: each webhook ≥ 0.15× the bare endpoint's rate.
"""

from __future__ import annotations

import csv
import os
import random
from urllib.parse import urlencode

import click

from dispatch.bench import bench, demo_database
from dispatch.bench import serving as srv
from dispatch.bench.workload import add_technicians, field_types, mobile, reports, take

GOAL = 0.15
AUTH_TOKEN = "bench-auth-token-0123456789abcdef"  # noqa: S105  (a local, throw-away token)
NOT_COVERED = (
    "the worker: the delivery of the replies and acknowledgements to Twilio (queued only; "
    "`dispatch bench storm` covers it) and the placing and offering of the citizens' reports, "
    "follow-up messages completing an unfinished report, parts and service "
    "report commands, broadcast offers, Tencent's webhook"
)
STEPS = ("Y {code}", "OTW {code}", "ARR {code}")
REPEAT = ("WAIT PARTS {code}", "RESUME {code}")


def _prepare(app, jobs: int, technicians: int) -> tuple[list[tuple[str, str]], str]:
    """Technicians and offered jobs: [(technician's phone, job code)] and the county's number."""
    import sqlalchemy as sa

    from dispatch import worker
    from dispatch.assign.models import Offer, OfferState, Technician
    from dispatch.auth.service import organisation
    from dispatch.extensions import db
    from dispatch.orders.models import WorkOrder

    rng = random.Random(15)
    with app.app_context():
        org = organisation(db.session, "xinye")
        add_technicians(db.session, org.id, technicians, rng)
        db.session.commit()
        for n, (kind, lat, lon, _phone) in enumerate(reports(rng, jobs)):
            take(db.session, org, kind, lat, lon, mobile(10**7 + n), n)
            db.session.commit()
        worker.run_place(app, "bench-sms")  # the worker offers them, as their commits wake it
        held = db.session.execute(
            sa.select(Technician.phone, WorkOrder.job_code)
            .join(Offer, Offer.technician_id == Technician.id)
            .join(WorkOrder, WorkOrder.id == Offer.work_order_id)
            .where(Offer.state == OfferState.PENDING, Offer.broadcast.is_(False))
            .order_by(Offer.id)
        ).all()
        number = org.sms_number
        db.session.remove()
        db.engine.dispose()
    return [(phone, code) for phone, code in held], number


def _places() -> list[str]:
    from dispatch.settings import CONFIG_DIR

    with open(CONFIG_DIR / "gazetteer.csv", newline="", encoding="utf-8") as f:
        return [row["name"] for row in csv.DictReader(f) if row["org"] == "xinye"]


def _signed(base: str, form: dict) -> tuple[str, str, str]:
    from dispatch.sms.fake_twilio import signed_post

    signed = signed_post(f"{base}/sms/inbound", form, AUTH_TOKEN)
    return "/sms/inbound", urlencode(signed.data), signed.headers["X-Twilio-Signature"]


def _citizens(base: str, number: str, count: int) -> list[tuple[str, str, str]]:
    from dispatch.sla.service import rulebook

    rng = random.Random(7)
    places = _places()
    rng.shuffle(places)
    words = [rulebook().type(code).keywords_zh[0] for code in field_types()]
    lines = []
    for n in range(count):
        place = places[n % len(places)]
        word = words[(n % len(places) + n // len(places)) % len(words)]
        form = {
            "MessageSid": f"SMcitizen{n:024d}",
            "From": mobile(2 * 10**7 + n),
            "To": number,
            "Body": f"{place}{word}了，请派人来修",
        }
        lines.append(_signed(base, form))
    return lines


def _commands(base: str, number: str, held: list[tuple[str, str]], repeats: int):
    """Each job's commands in order; the jobs taken in turn, so two commands on one job are
    never in flight together (an even number of jobs keeps each job on one wrk thread)."""
    held = held[: len(held) // 2 * 2]
    steps = list(STEPS) + list(REPEAT) * repeats
    lines = []
    for k, step in enumerate(steps):
        for j, (phone, code) in enumerate(held):
            form = {
                "MessageSid": f"SMtech{k:06d}{j:018d}",
                "From": phone,
                "To": number,
                "Body": step.format(code=code),
            }
            lines.append(_signed(base, form))
    return lines


def _count_events(app) -> tuple[int, int, int]:
    import sqlalchemy as sa

    from dispatch.extensions import db
    from dispatch.orders.models import Channel, Event, WorkOrder

    with app.app_context():
        events = db.session.scalar(sa.select(sa.func.count()).select_from(Event))
        by_sms = sa.select(sa.func.count()).select_from(WorkOrder).where(WorkOrder.channel == Channel.SMS)
        orders = db.session.scalar(by_sms)
        duplicates = db.session.scalar(by_sms.where(WorkOrder.duplicate_of_id.is_not(None)))
        db.session.remove()
    return events, orders, duplicates


@bench.command("sms")
@click.option("--seconds", type=float, default=10.0, show_default=True, help="Length of each phase.")
@click.option("--jobs", type=int, default=200, show_default=True, help="Jobs offered to technicians.")
@click.option("--technicians", type=int, default=100, show_default=True, help="Technicians added.")
@click.option("--workers", type=int, default=2, show_default=True, help="gunicorn worker processes.")
@click.option("--threads", type=int, default=1, show_default=True, help="Threads per worker (1: sync).")
@click.option("--connections", type=int, default=8, show_default=True, help="Concurrent connections.")
@click.option("--generator", type=click.Choice(["auto", "wrk", "python"]), default="auto", show_default=True)
@click.option("--port", type=int, default=0, help="First of two ports to serve on (default: any free).")
@click.option("--database-url", default="", help="An empty database; default: a fresh SQLite file.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object of the figures.")
def sms_bench(
    seconds, jobs, technicians, workers, threads, connections, generator, port, database_url, as_json
):
    """Signed inbound SMS webhooks/s (a citizen's report, a technician's command) vs a bare endpoint."""
    generator = srv.generator_name(generator)
    with srv.scratch() as tmp:
        url = database_url or f"sqlite:///{os.path.join(tmp, 'bench.db')}"
        app, _org_id = demo_database(url)
        held, number = _prepare(app, jobs, technicians)
        bare_port, app_port = srv.pick_ports(port, 2)
        base = f"http://127.0.0.1:{app_port}"
        citizens = _citizens(base, number, max(1000, int(seconds * 300)))
        commands = _commands(base, number, held, repeats=max(5, int(seconds * 30)))
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        with srv.gunicorn(
            "dispatch.bench.bare_app:app", bare_port, env, workers=workers, threads=threads
        ) as b:
            bare_file = srv.write_requests([("/bare", "", "")], tmp)
            srv.replay(generator, b.base, bare_file, 1, connections)
            bare = srv.replay(generator, b.base, bare_file, seconds, connections)
        env.update(
            DATABASE_URL=url,
            SECRET_KEY=os.environ.get("SECRET_KEY") or "bench-only-secret",
            DEMO_LOAD_WHEN_EMPTY="false",
            SMS_BACKEND="twilio",
            TWILIO_ACCOUNT_SID="AC" + "0" * 32,
            TWILIO_AUTH_TOKEN=AUTH_TOKEN,
            TWILIO_FROM_NUMBER=number,
            TWILIO_API_BASE="http://127.0.0.1:9",  # nothing is delivered: no worker runs
            PUBLIC_BASE_URL=base,
        )
        with srv.gunicorn("dispatch:create_app()", app_port, env, workers=workers, threads=threads) as web:
            # Warm every worker up on messages that are not measured (a citizen asking for help).
            warm = [_signed(base, {"MessageSid": f"SMwarm{n:026d}", "From": mobile(3 * 10**7 + n),
                                   "To": number, "Body": "帮助"}) for n in range(200)]  # fmt: skip
            srv.replay("python", web.base, srv.write_requests(warm, tmp), 2, 2)
            events0, orders0, dup0 = _count_events(app)
            citizen = srv.replay(generator, web.base, srv.write_requests(citizens, tmp), seconds, connections)
            events1, orders1, dup1 = _count_events(app)
            tech = srv.replay(generator, web.base, srv.write_requests(commands, tmp), seconds, connections)
            events2, _, _ = _count_events(app)
    bare_rate = bare["rate"] or 1.0
    figures = {
        "database": url.split("://")[0].split("+")[0],
        **srv.machine(),
        "generator": generator,
        "workers": workers,
        "threads": threads,
        "connections": connections,
        "bare_rate": bare["rate"],
        "bare_p99_ms": bare["p99_ms"],
        "citizen_rate": citizen["rate"],
        "citizen_p50_ms": citizen["p50_ms"],
        "citizen_p99_ms": citizen["p99_ms"],
        "citizen_errors": citizen["errors"],
        "citizen_ratio": round(citizen["rate"] / bare_rate, 4),
        "citizen_reports": orders1 - orders0,
        "citizen_duplicates": dup1 - dup0,
        "technician_rate": tech["rate"],
        "technician_p50_ms": tech["p50_ms"],
        "technician_p99_ms": tech["p99_ms"],
        "technician_errors": tech["errors"],
        "technician_ratio": round(tech["rate"] / bare_rate, 4),
        "technician_jobs": len(held) // 2 * 2,
        "technician_events": events2 - events1,
        "goal_ratio": GOAL,
    }
    f = figures

    def verdict(ratio):
        return "met" if ratio >= GOAL else "MISSED"

    lines = [
        f"machine: {f['cores']} cores, load average {f['loadavg']}; database: {f['database']}",
        f"gunicorn -w {workers}" + (f" --threads {threads}" if threads > 1 else " (sync)")
        + f"; load: {generator}, {connections} connections, {seconds:g} s a phase, same machine",
        f"bare Flask endpoint        {f['bare_rate']:8.1f} req/s  p99 {f['bare_p99_ms']:6.1f} ms",
        f"citizen's report by SMS    {f['citizen_rate']:8.1f} req/s  p50 {f['citizen_p50_ms']:6.1f} ms  "
        f"p99 {f['citizen_p99_ms']:6.1f} ms  errors {f['citizen_errors']}  = {f['citizen_ratio']:.4f}× bare "
        f"(goal ≥ {GOAL}×: {verdict(f['citizen_ratio'])})",
        f"  reports created {f['citizen_reports']}, of which duplicates {f['citizen_duplicates']}",
        f"technician's command       {f['technician_rate']:8.1f} req/s  "
        f"p50 {f['technician_p50_ms']:6.1f} ms  "
        f"p99 {f['technician_p99_ms']:6.1f} ms  errors {f['technician_errors']}  = "
        f"{f['technician_ratio']:.4f}× bare (goal ≥ {GOAL}×: {verdict(f['technician_ratio'])})",
        f"  on {f['technician_jobs']} offered jobs; timeline events written {f['technician_events']}",
    ]  # fmt: skip
    srv.emit(figures, lines, NOT_COVERED, as_json)
