"""The outbox: written with the change, delivered by the worker, retried, never lost or doubled."""

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from dispatch import clock, signals
from dispatch.extensions import db as _db
from dispatch.sms import outbox
from dispatch.sms.console_gateway import ConsoleGateway
from dispatch.sms.gateway import Gateway, GatewayError, GatewayTimeout, SendResult
from dispatch.sms.models import OutboxMessage, SendState

POLICY = outbox.OutboxPolicy(
    batch_size=50, max_attempts=3, backoff_base_s=10, backoff_max_s=100, sending_lease_s=60
)


class ProviderStub(Gateway):
    """Stands in for the SMS provider at the network edge: records and can fail."""

    name = "stub"

    def __init__(self, fail_with: Exception | None = None, fail_times: int = 0):
        self.sent: list[str] = []
        self.stored: dict[str, str] = {}
        self.fail_with, self.fail_times = fail_with, fail_times
        self.lock = threading.Lock()

    def send(self, message):
        with self.lock:
            if self.fail_times:
                self.fail_times -= 1
                if isinstance(self.fail_with, GatewayTimeout):
                    self.stored[message.body] = f"SM{message.outbox_id}"  # it did arrive
                raise self.fail_with
            self.sent.append(message.body)
            self.stored[message.body] = f"SM{message.outbox_id}"
            return SendResult(provider_id=f"SM{message.outbox_id}", segments=1)

    def find_sent(self, message, since):
        return self.stored.get(message.body)


def _queue(db, n=1, body="Job 123 water leak"):
    for i in range(n):
        outbox.enqueue(db, to=f"+8613800000{i:03d}", body=f"{body} #{i}", kind="offer")
    db.commit()


def test_a_rolled_back_change_texts_nobody(db):
    outbox.enqueue(db, to="+8613800000000", body="never")
    db.rollback()
    assert db.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 0


def test_console_gateway_delivers_and_counts_segments(db):
    outbox.enqueue(
        db, to="+8613800000000", body="供水抢修：书院路漏水，请于10:00前到场。回复 Y 123 接单。" * 3
    )
    db.commit()
    report = outbox.deliver_due(db, ConsoleGateway(), POLICY, "w1")
    message = db.scalar(sa.select(OutboxMessage))
    assert report.sent == 1
    assert message.state is SendState.SENT and message.provider_id.startswith("CONSOLE")
    assert message.segments == 2 and message.sent_at is not None


def test_a_failed_send_is_retried_later_and_not_lost(db):
    clock.freeze(clock.now())
    _queue(db)
    gateway = ProviderStub(GatewayError("503 from provider"), fail_times=1)
    report = outbox.deliver_due(db, gateway, POLICY, "w1")
    message = db.scalar(sa.select(OutboxMessage))
    assert report.retried == 1 and message.state is SendState.QUEUED and message.attempts == 1
    assert message.next_attempt_at > clock.now() and "503" in message.last_error

    assert outbox.deliver_due(db, gateway, POLICY, "w1").claimed == 0  # not before its time
    clock.advance(timedelta(seconds=20))
    assert outbox.deliver_due(db, gateway, POLICY, "w1").sent == 1
    db.rollback()  # end the read snapshot: see what the others committed
    assert db.scalar(sa.select(OutboxMessage)).state is SendState.SENT
    assert gateway.sent == ["Job 123 water leak #0"]


def test_backoff_grows_and_gives_up_after_max_attempts(db):
    clock.freeze(clock.now())
    _queue(db)
    failed = []
    gateway = ProviderStub(GatewayError("provider down"), fail_times=99)

    def on_failed(message):
        failed.append(message.id)

    signals.outbox_failed.connect(on_failed)
    try:
        delays = []
        for _ in range(POLICY.max_attempts):
            outbox.deliver_due(db, gateway, POLICY, "w1")
            message = db.scalar(sa.select(OutboxMessage))
            if message.state is SendState.QUEUED:
                delays.append((message.next_attempt_at - clock.now()).total_seconds())
                clock.advance(timedelta(seconds=200))
    finally:
        signals.outbox_failed.disconnect(on_failed)
    message = db.scalar(sa.select(OutboxMessage))
    assert message.state is SendState.FAILED and message.attempts == POLICY.max_attempts
    assert failed == [message.id]
    assert delays[1] > delays[0]


def test_a_refused_number_fails_at_once(db):
    _queue(db)
    gateway = ProviderStub(GatewayError("invalid To", retryable=False, code="21211"), fail_times=1)
    outbox.deliver_due(db, gateway, POLICY, "w1")
    message = db.scalar(sa.select(OutboxMessage))
    assert message.state is SendState.FAILED and message.error_code == "21211" and message.attempts == 1


def test_a_timeout_is_looked_up_before_sending_again(db):
    clock.freeze(clock.now())
    _queue(db)
    gateway = ProviderStub(GatewayTimeout("read timed out"), fail_times=1)
    outbox.deliver_due(db, gateway, POLICY, "w1")
    message = db.scalar(sa.select(OutboxMessage))
    assert message.state is SendState.UNCERTAIN
    clock.advance(timedelta(seconds=60))
    report = outbox.deliver_due(db, gateway, POLICY, "w1")
    db.rollback()  # end the read snapshot: see what the others committed
    message = db.scalar(sa.select(OutboxMessage))
    assert report.found == 1 and report.sent == 0
    assert message.state is SendState.SENT and message.provider_id == f"SM{message.id}"
    assert gateway.sent == []  # never sent a second time


def test_a_message_left_sending_by_a_dead_worker_is_recovered(db):
    clock.freeze(clock.now())
    _queue(db)
    assert outbox.claim_due(db, POLICY, "dead-worker")  # claimed, then the worker died
    clock.advance(timedelta(seconds=POLICY.sending_lease_s + 1))
    gateway = ProviderStub()
    report = outbox.deliver_due(db, gateway, POLICY, "w2")
    assert report.sent == 1 and len(gateway.sent) == 1
    db.rollback()  # end the read snapshot: see what the others committed
    assert db.scalar(sa.select(OutboxMessage)).state is SendState.SENT


@pytest.mark.postgres_only
def test_two_workers_draining_the_same_outbox_send_each_message_once(app, db):
    _queue(db, n=200)
    gateway = ProviderStub()
    errors = []

    def work(name):
        with app.app_context():
            try:
                while outbox.deliver_due(
                    _db.session, gateway, outbox.OutboxPolicy(batch_size=7), name
                ).claimed:
                    pass
            except Exception as exc:  # surfaced below
                errors.append(exc)
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    assert sorted(gateway.sent) == sorted(f"Job 123 water leak #{i}" for i in range(200))
    states = db.scalars(sa.select(OutboxMessage.state)).all()
    assert set(states) == {SendState.SENT}
    claimers = set(db.scalars(sa.select(OutboxMessage.claimed_by)).all())
    assert claimers == {"w0", "w1"}
