"""PostgreSQL reachable but unreliable — slow, stalled, connections cut — behind a TCP proxy on
loopback: /healthz tells the truth in time, and the outbox loses and doubles nothing."""

from __future__ import annotations

import contextlib
import threading
from collections import Counter
from datetime import timedelta

import pytest
import sqlalchemy as sa

from dispatch import clock
from dispatch.extensions import db as _db
from dispatch.sms import outbox
from dispatch.sms.gateway import Gateway, SendResult
from dispatch.sms.models import OutboxMessage, SendState
from tests.faultproxy import FaultProxy

pytestmark = pytest.mark.postgres_only


def _bounded(call, bound_s: float = 30):
    """``call()``'s result; fails the test if it has not answered within ``bound_s`` (a hang
    guard, not a timing)."""
    answers: list = []
    worker = threading.Thread(target=lambda: answers.append(call()), daemon=True)
    worker.start()
    worker.join(bound_s)
    assert answers, "no answer: it hung"
    return answers[0]


@pytest.fixture
def proxy(db):
    url = db.get_bind().url
    faulty = FaultProxy(url.port or 5432)
    faulty.url = url.set(host="127.0.0.1", port=faulty.port).render_as_string(hide_password=False)
    yield faulty
    faulty.close()


@pytest.fixture
def flaky_app(make_app, proxy):
    return make_app(
        DATABASE_URL=proxy.url, DB_HEALTH_TIMEOUT_S=1.5, DB_CONNECT_TIMEOUT_S=2.0, DB_POOL_TIMEOUT_S=3.0
    )


def test_healthz_tells_the_truth_through_a_stall_and_back(flaky_app, proxy):
    client = flaky_app.test_client()
    assert _bounded(lambda: client.get("/healthz")).status_code == 200
    proxy.stall()
    stalled = _bounded(lambda: client.get("/healthz"))
    assert stalled.status_code == 503 and stalled.get_json()["database"] == "unreachable"
    proxy.resume()
    statuses = []
    for _ in range(10):  # the stalled check's connection drains first; then it is healthy again
        statuses.append(_bounded(lambda: client.get("/healthz")).status_code)
        if statuses[-1] == 200:
            break
    assert statuses[-1] == 200
    proxy.delay_s = 0.02  # slow, but answering: healthy
    assert _bounded(lambda: client.get("/healthz")).status_code == 200
    proxy.drop()
    proxy.delay_s = 0.0
    # Connections cut under the pool: the next check opens a fresh one and says so truthfully.
    assert _bounded(lambda: client.get("/healthz")).status_code == 200


class CountingProvider(Gateway):
    """The provider at the network edge: counts every hand-over per outbox message."""

    name = "counting"

    def __init__(self):
        self.sends: Counter[int] = Counter()
        self.lock = threading.Lock()

    def send(self, message):
        with self.lock:
            self.sends[message.outbox_id] += 1
        return SendResult(provider_id=f"SM{message.outbox_id:032d}", segments=1)

    def find_sent(self, message, since):
        with self.lock:
            return f"SM{message.outbox_id:032d}" if self.sends[message.outbox_id] else None


def one_run(app, provider, policy) -> bool:
    """One run of the delivery job as the worker makes it: in its app context; a run that fails
    on a lost connection is rolled back and the job runs again at its next tick."""
    with app.app_context():
        try:
            outbox.deliver_due(_db.session, provider, policy, "w1")
            return True
        except Exception:
            with contextlib.suppress(Exception):  # the connection may be gone too
                _db.session.rollback()
            return False
        finally:
            _db.session.remove()


def test_the_outbox_loses_and_doubles_nothing_on_a_flaky_database(db, flaky_app, proxy):
    clock.freeze(clock.now())
    for n in range(40):
        outbox.enqueue(db, to=f"+86139{n:08d}", body=f"工单{n:03d}：供水管网跑冒滴漏")
    db.commit()
    provider = CountingProvider()
    policy = outbox.OutboxPolicy(batch_size=10, max_attempts=50, sending_lease_s=60, send_concurrency=2)

    def pending() -> int:
        db.rollback()
        return db.scalar(
            sa.select(sa.func.count(OutboxMessage.id)).where(OutboxMessage.state != SendState.SENT)
        )

    for run in range(60):
        if run < 16:  # faults first: slow, cut mid-run, stalled mid-run; clean runs after
            proxy.delay_s = 0.01 if run % 4 == 1 else 0.0
            if run % 4 == 2:
                threading.Timer(0.05, proxy.drop).start()
            if run % 4 == 3:
                threading.Timer(0.05, proxy.stall).start()
                threading.Timer(1.0, proxy.resume).start()
        else:
            proxy.delay_s = 0.0
            proxy.resume()
        _bounded(lambda: one_run(flaky_app, provider, policy), 60)
        clock.advance(timedelta(seconds=policy.sending_lease_s + 1))
        if run >= 16 and pending() == 0:
            break

    assert pending() == 0
    db.rollback()
    ids = db.scalars(sa.select(OutboxMessage.id)).all()
    assert sorted(provider.sends) == sorted(ids)  # every message reached the provider…
    assert set(provider.sends.values()) == {1}  # …exactly once
