"""The outbox job wakes when a message is queued: in-process, and across processes on PostgreSQL."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from dispatch import worker
from dispatch.sms import outbox
from dispatch.sms.alerts import DeliveryAlert
from dispatch.sms.models import OutboxMessage, SendState
from dispatch.sms.wakeup import OutboxListener, libpq_url, start_listener
from tests.conftest import TEST_DATABASE_URL


def test_a_job_woken_while_it_runs_runs_again_at_once(app):
    scheduler = worker.build_scheduler(app, blocking=False)
    scheduler.start(paused=True)
    runs = []

    def run(_app, _worker):
        runs.append(len(runs))
        if len(runs) == 1:
            worker.wake("probe")  # a message queued while the job was busy

    try:
        worker._wrap(app, worker.Job("probe", run, "WORKER_OUTBOX_INTERVAL_S"), "w")()
    finally:
        scheduler.shutdown(wait=False)
    assert runs == [0, 1]
    assert "probe" not in worker._running and "probe" not in worker._woken


def test_only_postgresql_urls_get_a_listener():
    assert libpq_url("postgresql+psycopg://u@h:5432/d") == "postgresql://u@h:5432/d"
    assert libpq_url("sqlite:////tmp/x.db") is None
    assert start_listener("sqlite:////tmp/x.db", lambda: None) is None


@pytest.mark.postgres_only
def test_a_committed_message_notifies_a_listener_and_a_rolled_back_one_does_not(db):
    wakes = []
    woken = threading.Event()

    def wake():
        wakes.append(1)
        woken.set()

    listener = OutboxListener(libpq_url(TEST_DATABASE_URL), wake)
    listener.start()
    try:
        assert listener.listening.wait(10) and woken.wait(10)  # one wake on connecting
        woken.clear()
        outbox.enqueue(db, to="+8613800000001", body="never sent")
        db.rollback()
        outbox.enqueue(db, to="+8613800000001", body="sent")
        db.commit()
        assert woken.wait(10)
        # Notifications arrive in commit order: a rolled-back one would have come first.
        assert len(wakes) == 2
    finally:
        listener.stop()
        listener.join(5)


def test_the_twilio_worker_sends_the_status_callback_and_alerts_when_it_gives_up(make_app, fake_twilio, db):
    from tests.factories import make_org, make_technician

    app = make_app(
        SMS_BACKEND="twilio",
        PUBLIC_BASE_URL="https://dispatch.example.org/",
        OUTBOX_MAX_ATTEMPTS=1,
        **fake_twilio.config(),
    )
    org = make_org()
    tech = make_technician(org)
    outbox.enqueue(db, to=tech.phone, body="任务一", org_id=org.id, technician_id=tech.id)
    outbox.enqueue(db, to=tech.phone, body="任务二", org_id=org.id, technician_id=tech.id)
    db.commit()
    fake_twilio.fail_next(1, status=503)
    with app.app_context():
        worker.run_outbox(app, "w1")
        app.extensions["sms_gateway"].close()
    db.rollback()
    # The two are sent at the same time: either may meet the failure.
    states = dict(db.execute(sa.select(OutboxMessage.state, OutboxMessage.id)).all())
    assert set(states) == {SendState.FAILED, SendState.SENT}
    [sent] = fake_twilio.messages
    assert sent["status_callback"] == "https://dispatch.example.org/sms/status"
    alert = db.scalar(sa.select(DeliveryAlert))
    assert alert.outbox_message_id == states[SendState.FAILED] and alert.org_id == org.id
    assert alert.error_code == "20500" and "503" in alert.reason


@pytest.mark.postgres_only
def test_a_committed_report_wakes_the_plan_job_of_a_listening_worker(db):
    from dispatch.plan.service import PLAN_CHANNEL, mark_dirty
    from tests.factories import make_org

    org = make_org()
    db.commit()
    woken = {"outbox": threading.Event(), "plan": threading.Event()}
    listener = OutboxListener(
        libpq_url(TEST_DATABASE_URL), woken["outbox"].set, also={PLAN_CHANNEL: woken["plan"].set}
    )
    listener.start()
    try:
        assert listener.listening.wait(10) and woken["plan"].wait(10)  # one wake on connecting
        woken["plan"].clear()
        woken["outbox"].clear()
        mark_dirty(db, org.id)
        db.commit()
        assert woken["plan"].wait(10)
        assert not woken["outbox"].is_set()
    finally:
        listener.stop()
        listener.join(5)
