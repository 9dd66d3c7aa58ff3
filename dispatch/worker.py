"""The scheduled jobs and the schedulers that run them.

Each job is "claim the due rows, act, commit" and holds no state of its own, so any number of
processes can run the same jobs side by side. ``dispatch worker`` runs them in a blocking
scheduler next to gunicorn; ``dispatch serve`` runs them in a background scheduler inside the
single demo process. ``create_app`` never starts one.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from dispatch import clock, heartbeat
from dispatch.assign.reactions import run_sweep as run_offer_sweep
from dispatch.db import sqlite_writer
from dispatch.extensions import db
from dispatch.sla import jobs as sla_jobs
from dispatch.sms import outbox, tencent_inbound
from dispatch.sms.routing import OrgGateways

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    id: str
    run: Callable[[Flask, str], object]
    #: The config key holding the interval in seconds.
    interval_key: str


def run_heartbeat(app: Flask, worker: str) -> None:
    token = sqlite_writer.set(True)
    try:
        heartbeat.beat(db.session, worker, app.extensions["dispatch_started_at"])
        db.session.commit()
    finally:
        sqlite_writer.reset(token)


def _gateway(app: Flask) -> OrgGateways:
    gateway = app.extensions.get("sms_gateway")
    if gateway is None:
        gateway = app.extensions["sms_gateway"] = OrgGateways(app.config)
    gateway.refresh(db.session)
    return gateway


def run_outbox(app: Flask, worker: str) -> outbox.DeliveryReport:
    gateway = _gateway(app)
    base = app.config["PUBLIC_BASE_URL"].rstrip("/")
    callback = (
        (lambda _m: f"{base}/sms/status") if app.config["SMS_BACKEND"] != "console" else (lambda _m: None)
    )
    report = outbox.deliver_due(
        db.session, gateway, outbox.OutboxPolicy.from_config(app.config), worker, callback
    )
    # Anything left due (a full batch) is picked up at once rather than at the next tick.
    if report.claimed >= int(app.config["OUTBOX_BATCH_SIZE"]):
        wake("outbox")
    return report


def run_tencent_pull(app: Flask, worker: str) -> tuple[int, int]:
    """Pull replies and receipts from Tencent Cloud SMS (deployments without callbacks)."""
    tencent = _gateway(app).gateways.get("tencent")
    if tencent is None or not app.config.get("TENCENT_SMS_PULL"):
        return 0, 0
    return tencent_inbound.pull(db.session, app.config, tencent)


def run_preventive(app: Flask, worker: str) -> int:
    from dispatch.intake import preventive

    return preventive.run(app, worker)


def run_report_survey(app: Flask, worker: str) -> tuple[int, int]:
    from dispatch.reports import survey

    token = sqlite_writer.set(True)
    try:
        result = survey.sweep(db.session)
        db.session.commit()
        return result
    finally:
        sqlite_writer.reset(token)


#: When this process last began placing (``run_place``).
_placed_at = [float("-inf")]


def run_place(app: Flask, worker: str) -> int:
    """Place and offer the new reports (dispatch/plan/service.py); apart from ``run_plan`` so
    that a report is offered while an improvement is still searching.

    A run begins at least ``[plan] place_gap_s`` after the last one began: each run reads the
    organisation's whole plan, so in a storm runs back to back (a report or two each) would spend
    the CPU reading it again and again; waiting a moment places the reports that came meanwhile
    together. A report that comes alone is placed at once."""
    from dispatch.plan import service

    wait = _placed_at[0] + service.settings(app.config).place_gap_s - time.monotonic()
    if wait > 0:
        time.sleep(wait)
    _placed_at[0] = time.monotonic()
    token = sqlite_writer.set(True)
    try:
        placed = service.place_all(db.session)
    finally:
        sqlite_writer.reset(token)
    if placed:
        wake("plan")  # the improvement follows, once ``[plan] batch_s`` has passed (its interval else)
    return placed


def run_plan(app: Flask, worker: str) -> int:
    """Re-plan the organisations whose plan is out of date (dispatch/plan/service.py)."""
    from dispatch.plan import service

    token = sqlite_writer.set(True)
    try:
        return service.run_dirty(app, db.session)
    finally:
        sqlite_writer.reset(token)


JOBS: list[Job] = [
    Job("heartbeat", run_heartbeat, "WORKER_HEARTBEAT_INTERVAL_S"),
    Job("outbox", run_outbox, "WORKER_OUTBOX_INTERVAL_S"),
    Job("sla_warnings", sla_jobs.run_warnings, "SLA_JOB_INTERVAL_S"),
    Job("sla_escalations", sla_jobs.run_escalations, "SLA_JOB_INTERVAL_S"),
    Job("preventive", run_preventive, "INTAKE_PREVENTIVE_INTERVAL_S"),
    Job("offers", run_offer_sweep, "ASSIGN_SWEEP_INTERVAL_S"),
    Job("place", run_place, "PLAN_INTERVAL_S"),
    Job("plan", run_plan, "PLAN_INTERVAL_S"),
    Job("report_survey", run_report_survey, "REPORTS_SURVEY_INTERVAL_S"),
    Job("tencent_pull", run_tencent_pull, "TENCENT_SMS_PULL_INTERVAL_S"),
]

_scheduler: BaseScheduler | None = None
_wake_lock = threading.Lock()


#: Jobs running now, and jobs woken while they ran: those run again as soon as they finish
#: (the scheduler would skip a wake-up that finds the job running — max_instances=1 — and
#: whatever was queued during the run would wait for the next tick).
_running: set[str] = set()
_woken: set[str] = set()


def _wrap(app: Flask, job: Job, worker: str) -> Callable[[], None]:
    def run() -> None:
        with _wake_lock:
            _running.add(job.id)
            _woken.discard(job.id)
        try:
            again = True
            while again:
                with app.app_context():
                    try:
                        job.run(app, worker)
                    except Exception:
                        log.exception("job %s failed; it runs again at its next tick", job.id)
                        db.session.rollback()
                        again = False
                    finally:
                        db.session.remove()
                with _wake_lock:
                    again = again and job.id in _woken
                    _woken.discard(job.id)
                    if not again:  # in the same lock as wake(): no wake-up falls in between
                        _running.discard(job.id)
        finally:
            with _wake_lock:
                _running.discard(job.id)

    return run


def wake(job_id: str) -> None:
    """Run a job now instead of at its next tick (e.g. the outbox, right after a commit)."""
    scheduler = _scheduler
    if scheduler is None or not scheduler.running:
        return
    with _wake_lock:
        if job_id in _running:
            _woken.add(job_id)
            return
        job = scheduler.get_job(job_id)
        if job is not None:
            job.modify(next_run_time=clock.now())


def build_scheduler(app: Flask, *, blocking: bool) -> BaseScheduler:
    global _scheduler
    scheduler_cls = BlockingScheduler if blocking else BackgroundScheduler
    scheduler = scheduler_cls(
        timezone="UTC", job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 30}
    )
    worker = heartbeat.process_name()
    app.extensions["dispatch_started_at"] = clock.now()
    for job in JOBS:
        scheduler.add_job(
            _wrap(app, job, worker),
            "interval",
            seconds=float(app.config[job.interval_key]),
            id=job.id,
            next_run_time=clock.now(),
        )
    _scheduler = scheduler
    outbox.on_queued(lambda: wake("outbox"))
    return scheduler
