"""`dispatch bench quality`: how many promises the dispatcher keeps on a scenario day.

A fresh database (a temporary SQLite file, or ``--database-url``) holds one organisation
configured from the scenario (:mod:`dispatch.bench.quality_setup`). The day is run on a
simulated clock (``clock.freeze``/``advance``), one report at a time at its time, through the
real system:

* the report comes in through ``take_report``, what the Open311 endpoint calls, and is
  committed; the worker's placement that commit wakes (``plan.service.place_all``) then inserts
  it into a plan and offers it; ``decision_ms`` is both (report in → offer chosen);
* the technician the offer went to accepts at once: an SMS ``Y <job code>`` through the inbound
  SMS pipeline (``sms.inbound.receive``, as the gateways' webhooks call it);
* the worker's re-plan job (the function ``dispatch worker`` runs) is then called in-process with
  ``--budget-s`` for its improvement; its time is reported apart, it is off the request path;
* technicians set off (``OTW``), arrive (``ARR``) and finish (``DONE``) by SMS at the times the
  dispatch-quality simulator's rules give (:mod:`dispatch.bench.quality_field`), always for the
  first job of their plan as the last decision left it.

After each report the decision is written: every technician's plan of jobs not yet set off for
(``dispatch.plan.service.queues``). The log is the format ``score.py`` of the dispatch-quality
scenarios reads; the bench runs it when it finds the scorer (``--score``), else prints the
command. Nothing reads a report before its time: the scenario's reports are fed in order, each
only once the clock has reached it.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click

from dispatch.bench import bench
from dispatch.bench.quality_field import Field
from dispatch.bench.quality_setup import Scenario, app_config, rulebook, seed, service_area

#: The local day the scenario is played on (any weekday would do: deadlines run round the clock).
DAY = (2026, 6, 1)
NOT_COVERED = (
    "not covered: dispatchers' pins and decisions, declines and timeouts (every technician accepts "
    "at once), breakdowns, duty changes, other organisations' load, the web/SMS transport in front "
    "of intake and inbound SMS, and outbox delivery timing"
)


class Run:
    def __init__(self, app, scenario: Scenario, org_id: int, tech_ids: list[int]) -> None:
        from dispatch import clock

        self.app, self.scenario, self.org_id = app, scenario, org_id
        self.tech_ids = tech_ids
        self.index_of_tech = {tid: k for k, tid in enumerate(tech_ids)}
        self.field = Field(scenario.data)
        self.midnight = datetime(*DAY, tzinfo=clock.zone())
        self.report_of_order: dict[int, int] = {}
        self.order_of_report: dict[int, int] = {}
        self.phones: dict[int, str] = {}
        self.sms_count = 0
        self.refused: list[str] = []
        self.skipped_departures = 0
        self.mismatched = 0

    def at(self, seconds: int) -> None:
        from dispatch import clock

        clock.freeze(self.midnight + timedelta(seconds=seconds))

    def text(self, tech_id: int, body: str) -> None:
        from dispatch.extensions import db
        from dispatch.sms import inbound

        self.sms_count += 1
        message = inbound.receive(
            db.session,
            provider_id=f"QB{self.sms_count:07d}",
            sender=self.phones[tech_id],
            recipient=None,
            body=body,
        )
        if message.error or message.work_order_id is None:
            self.refused.append(f"{body}: {message.error or message.reply}")

    def accept_offers(self) -> int:
        """Every pending offer's planned technician answers ``Y <code>`` at once."""
        import sqlalchemy as sa

        from dispatch.assign.models import Offer, OfferState
        from dispatch.extensions import db
        from dispatch.orders.models import WorkOrder
        from dispatch.plan.models import PlanEntry

        accepted = 0
        while True:
            rows = db.session.execute(
                sa.select(
                    Offer.work_order_id, Offer.technician_id, WorkOrder.job_code, PlanEntry.technician_id
                )
                .join(WorkOrder, WorkOrder.id == Offer.work_order_id)
                .outerjoin(PlanEntry, PlanEntry.work_order_id == Offer.work_order_id)
                .where(Offer.org_id == self.org_id, Offer.state == OfferState.PENDING)
                .order_by(Offer.id)
            ).all()
            db.session.rollback()
            chosen: dict[int, tuple[int, str]] = {}
            for order_id, tech_id, code, planned in rows:
                if order_id not in chosen or tech_id == planned:
                    chosen[order_id] = (tech_id, code)
            if not chosen:
                return accepted
            for tech_id, code in chosen.values():
                self.text(tech_id, f"Y {code}")
                accepted += 1

    def queues(self) -> list[list[int]]:
        """Every technician's jobs not yet set off for, in plan order (report indices)."""
        from dispatch.extensions import db

        try:
            from dispatch.plan import service
        except ImportError:  # no planner: the accepted jobs, soonest deadline first
            return self._held_queues()
        out: list[list[int]] = [[] for _ in self.tech_ids]
        for tech_id, entries in service.queues(db.session, self.org_id).items():
            out[self.index_of_tech[tech_id]] = [self.report_of_order[e.work_order_id] for e in entries]
        db.session.rollback()
        return out

    def _held_queues(self) -> list[list[int]]:
        import sqlalchemy as sa

        from dispatch.extensions import db
        from dispatch.orders.models import Status, WorkOrder

        rows = db.session.execute(
            sa.select(WorkOrder.id, WorkOrder.assignee_id)
            .where(WorkOrder.org_id == self.org_id, WorkOrder.status == Status.ACCEPTED)
            .order_by(WorkOrder.id)
        ).all()
        db.session.rollback()
        out: list[list[int]] = [[] for _ in self.tech_ids]
        for order_id, tech_id in rows:
            out[self.index_of_tech[tech_id]].append(self.report_of_order[order_id])
        reports = self.scenario.reports
        return [sorted(q, key=lambda j: reports[j]["deadline"]) for q in out]

    def play_until(self, t: int) -> None:
        """Let the technicians work until ``t``: OTW, ARR and DONE by SMS, in time order."""
        from dispatch.extensions import db
        from dispatch.orders.models import Status, WorkOrder

        verbs = {"depart": "OTW", "arrive": "ARR", "done": "DONE"}
        while (event := self.field.next_event(t)) is not None:
            when, what, crew, j = event
            tech_id = self.tech_ids[crew.index]
            order = db.session.get(WorkOrder, self.order_of_report[j])
            code, holder, status = order.job_code, order.assignee_id, order.status
            db.session.rollback()
            if what == "depart" and (holder != tech_id or status is not Status.ACCEPTED):
                self.skipped_departures += 1  # the live plan gave it to someone else meanwhile
                crew.queue.pop(0)
                continue
            self.at(when)
            self.text(tech_id, f"{verbs[what]} {code}")
            self.field.happen(event)

    def report(self, j: int) -> float:
        """Take report ``j`` in through intake at its time; returns the request's seconds."""
        from dispatch.auth.models import Organisation
        from dispatch.extensions import db
        from dispatch.intake.service import take_report
        from dispatch.orders.lifecycle import Actor
        from dispatch.orders.models import Channel

        r = self.scenario.reports[j]
        self.at(r["t"])
        started = time.perf_counter()
        org = db.session.get(Organisation, self.org_id)
        result = take_report(
            db.session,
            org=org,
            type_code=r["type"],
            channel=Channel.OPEN311,
            actor=Actor(Channel.OPEN311),
            description=f"{r['id']} {r['type']}",
            language="en",
            lat=r["lat"],
            lon=r["lon"],
            require_place=True,
        )
        order_id = result.order.id
        db.session.commit()
        self.place()
        elapsed = time.perf_counter() - started
        self._check(result.order, r)
        self.report_of_order[order_id], self.order_of_report[j] = j, order_id
        return elapsed

    def _check(self, order, r: dict) -> None:
        """Count the reports whose zone or on-site deadline differ from the scenario's."""
        from dispatch.extensions import db

        zone = "built_up" if r["inside"] else "outside"
        arrive = next((m for m in order.milestones if m.name == "arrive"), None)
        due = None if arrive is None or arrive.due_at is None else clock_seconds(arrive.due_at, self.midnight)
        self.mismatched += order.zone != zone or due != r["deadline"]
        db.session.rollback()

    def place(self) -> None:
        """The worker's placement of new reports, as the report's commit wakes it."""
        from dispatch.extensions import db

        try:
            from dispatch.plan import service
        except ImportError:  # no planner: intake offered it already
            return
        service.place_all(db.session)

    def improve(self) -> float | None:
        """The worker's re-plan job, in-process; None when this version has none."""
        from dispatch import worker

        job = getattr(worker, "run_plan", None)
        if job is None:
            return None
        started = time.perf_counter()
        job(self.app, "bench-quality")
        return time.perf_counter() - started


def run(scenario: Scenario, out: Path, budget_s: float, database_url: str | None) -> dict:
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from dispatch import clock, create_app
    from dispatch.db import sqlite_writer
    from dispatch.extensions import db
    from dispatch.geo.placing import use_service_area
    from dispatch.sla.service import use_rulebook

    tmp = None
    if not database_url:
        tmp = tempfile.mkdtemp(prefix="dispatch-quality-")
        database_url = f"sqlite:///{os.path.join(tmp, 'quality.db')}"
    use_rulebook(rulebook(scenario))
    use_service_area(service_area(scenario))
    app = create_app(app_config(scenario, database_url, budget_s))
    ids = [t["id"] for t in scenario.data["technicians"]]
    decisions, decision_s, improve_s, moved = [], [], [], 0
    try:
        with app.app_context():
            upgrade()
            if db.session.scalar(sa.text("SELECT count(*) FROM organisation")):
                raise click.ClickException("--database-url must name an empty (or new) database")
            # The day's clock from the start: what seeding marks (a re-plan asked for) is dated on it.
            clock.freeze(datetime(*DAY, tzinfo=clock.zone()))
            org, techs = seed(db.session, scenario)
            sim = Run(app, scenario, org.id, [t.id for t in techs])
            sim.phones = {t.id: t.phone for t in techs}
            db.session.commit()
            token = sqlite_writer.set(True)
            order = sorted(range(len(scenario.reports)), key=lambda j: scenario.reports[j]["t"])
            for j in order:
                t = scenario.reports[j]["t"]
                sim.play_until(t)
                decision_s.append(sim.report(j))
                sim.accept_offers()
                spent = sim.improve()
                if spent is not None:
                    improve_s.append(spent)
                    sim.accept_offers()
                queues = sim.queues()
                moved += sim.field.decided(t, queues)
                decisions.append(
                    {
                        "report": scenario.reports[j]["id"],
                        "t": t,
                        "queues": {
                            ids[k]: [scenario.reports[x]["id"] for x in q] for k, q in enumerate(queues)
                        },
                        "decision_ms": round(decision_s[-1] * 1000, 3),
                    }
                )
            sqlite_writer.reset(token)
            plan_moves = _plan_moves(db.session, org.id)
            db.session.remove()
            db.engine.dispose()
    finally:
        clock.unfreeze()
        use_rulebook(None)
        use_service_area(None)
        if tmp:
            for name in os.listdir(tmp):
                os.unlink(os.path.join(tmp, name))
            os.rmdir(tmp)
    out.write_text(json.dumps({"technicians": ids, "decisions": decisions}, indent=1), encoding="utf-8")
    return {
        "scenario": scenario.name,
        "reports": len(decisions),
        "decisions": str(out),
        "decision_ms_p50": _ms(decision_s, 50),
        "decision_ms_p99": _ms(decision_s, 99),
        "improve_ms_p50": _ms(improve_s, 50),
        "improve_ms_p99": _ms(improve_s, 99),
        "budget_s": budget_s,
        "moves": plan_moves if plan_moves is not None else moved,
        "moves_between_decisions": moved,
        "sms_in": sim.sms_count,
        "sms_refused": len(sim.refused),
        "refused_examples": sim.refused[:3],
        "departures_skipped": sim.skipped_departures,
        "zone_or_deadline_unlike_scenario": sim.mismatched,
        "km_driven_by_bench": round(sim.field.km_driven, 1),
    }


def clock_seconds(moment: datetime, midnight: datetime) -> int:
    """Seconds from ``midnight`` to ``moment`` (naive: UTC, as SQLite hands it back)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return round((moment - midnight).total_seconds())


def _plan_moves(session, org_id: int) -> int | None:
    from dispatch.plan.models import PlanState

    state = session.get(PlanState, org_id)
    return None if state is None else state.moves


def _ms(samples: list[float], q: int) -> float | None:
    if not samples:
        return None
    ordered = sorted(samples)
    if q == 50:
        return round(statistics.median(ordered) * 1000, 2)
    return round(ordered[max(0, int(q / 100 * len(ordered)) - 1)] * 1000, 2)


def find_scorer(scenario_path: Path) -> Path | None:
    """score.py beside the scenarios directory the scenario came from, if it is there."""
    for folder in (scenario_path.resolve().parent, *scenario_path.resolve().parents[:2]):
        if (folder / "score.py").is_file():
            return folder / "score.py"
    return None


def score(scorer: Path, scenario_path: Path, out: Path) -> dict:
    done = subprocess.run(  # noqa: S603  (our interpreter, the scorer the user named)
        [sys.executable, str(scorer), str(scenario_path), str(out), "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        return {"error": (done.stderr or done.stdout).strip().splitlines()[-1:]}
    return json.loads(done.stdout)


@bench.command("quality")
@click.option("--scenario", "scenario_path", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="The decision log to write.")
@click.option(
    "--budget-s",
    default=0.5,
    show_default=True,
    help="The worker's improvement budget per re-plan (the default is [plan] improve_budget_s).",
)
@click.option(
    "--scorer", default=None, type=click.Path(dir_okay=False), help="score.py (default: found beside.)"
)
@click.option("--database-url", default=None, help="An empty database (default: a temporary SQLite file).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def quality_bench(scenario_path, out, budget_s, scorer, database_url, as_json) -> None:
    """Run a scenario day through the real intake, planner and SMS; write the decision log."""
    path = Path(scenario_path)
    figures = run(Scenario.load(path), Path(out), budget_s, database_url)
    figures["load_average"] = (
        Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else None
    )
    found = Path(scorer) if scorer else find_scorer(path)
    command = f"python {found or 'score.py'} {path} {out} --json"
    figures["score"] = score(found, path, Path(out)) if found else None
    figures["score_command"] = command
    if as_json:
        click.echo(json.dumps(figures))
        click.echo(NOT_COVERED)
        return
    click.echo(f"cores: {os.cpu_count()}; load average {' '.join(figures['load_average'] or [])}")
    click.echo(f"{figures['scenario']}: {figures['reports']} reports, decision log {out}")
    click.echo(
        f"decision (report in -> offer chosen): p50 {figures['decision_ms_p50']} ms  "
        f"p99 {figures['decision_ms_p99']} ms   goal p99 <= 250 ms"
    )
    click.echo(
        f"improvement (worker, off the request path, budget {budget_s:g} s): "
        f"p50 {figures['improve_ms_p50']} ms  p99 {figures['improve_ms_p99']} ms"
    )
    click.echo(
        f"moves (jobs moved to another technician, counted by the planner): {figures['moves']}; "
        f"jobs whose technician changed between two decisions: {figures['moves_between_decisions']}"
    )
    click.echo(
        f"SMS from technicians: {figures['sms_in']}, refused {figures['sms_refused']}; departures skipped "
        f"(the live plan had moved the job since the last decision): {figures['departures_skipped']}"
    )
    if figures["score"]:
        click.echo("score: " + json.dumps(figures["score"]))
    else:
        click.echo(f"score it with: {command}")
    click.echo(NOT_COVERED)
