"""The scheduler runs the registered jobs: heartbeat and outbox delivery."""

import time

import sqlalchemy as sa

from dispatch.extensions import db
from dispatch.heartbeat import WorkerHeartbeat
from dispatch.sms import outbox
from dispatch.sms.models import OutboxMessage, SendState
from dispatch.worker import JOBS, build_scheduler


def test_jobs_are_coalesced_single_instance_and_cover_heartbeat_and_outbox(app):
    scheduler = build_scheduler(app, blocking=False)
    scheduler.start(paused=True)
    try:
        ids = {job.id for job in scheduler.get_jobs()}
        assert ids == {job.id for job in JOBS} >= {"heartbeat", "outbox"}
        for job in scheduler.get_jobs():
            assert job.coalesce is True and job.max_instances == 1
    finally:
        scheduler.shutdown(wait=False)


def test_a_running_scheduler_beats_and_delivers_a_queued_message(app, client):
    scheduler = build_scheduler(app, blocking=False)
    scheduler.start()
    try:
        outbox.enqueue(db.session, to="+8613800000001", body="测试短信")
        db.session.commit()
        # Every job starts at once and they take turns on SQLite's one writer: the heartbeat may
        # come before or after the delivery, both within the wait.
        deadline = time.monotonic() + 15
        state, beats = None, 0
        while time.monotonic() < deadline:
            db.session.rollback()
            state = db.session.scalar(sa.select(OutboxMessage.state))
            beats = db.session.scalar(sa.select(sa.func.count(WorkerHeartbeat.name)))
            if state is SendState.SENT and beats:
                break
            time.sleep(0.05)
        assert state is SendState.SENT
        assert beats == 1
        assert client.get("/healthz").get_json()["scheduler"] == "ok"
    finally:
        scheduler.shutdown(wait=True)
