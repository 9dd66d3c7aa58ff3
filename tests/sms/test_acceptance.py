"""Acceptance: real `dispatch worker` and `dispatch serve` processes on PostgreSQL, Twilio faked
at the network edge. Every message reaches Twilio exactly once through failures and a worker
killed in the middle of a send.

The processes share the test database (already migrated by the session fixture). Retries,
backoff and the sending lease are shortened through the environment so each test takes seconds.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from dispatch.sms import outbox
from dispatch.sms.models import OutboxMessage, SendState
from tests.conftest import TEST_DATABASE_URL
from tests.fake_twilio import DEFAULT_FROM_NUMBER

pytestmark = [pytest.mark.postgres_only, pytest.mark.slow]

DEADLINE_S = 45


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Processes:
    """Starts `dispatch …` subprocesses against the test database; kills them all at the end."""

    def __init__(self, fake, log_dir: Path):
        self.fake = fake
        self.log_dir = log_dir
        self.port = _free_port()
        self.running: list[subprocess.Popen] = []

    def env(self, **overrides: str) -> dict[str, str]:
        env = {
            **os.environ,
            "DATABASE_URL": TEST_DATABASE_URL,
            "SECRET_KEY": "acceptance-test-secret",
            "SMS_BACKEND": "twilio",
            "TWILIO_ACCOUNT_SID": self.fake.account_sid,
            "TWILIO_AUTH_TOKEN": self.fake.auth_token,
            "TWILIO_FROM_NUMBER": DEFAULT_FROM_NUMBER,
            "TWILIO_API_BASE": self.fake.base_url,
            "TWILIO_TIMEOUT_S": "5.0",
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{self.port}",
            "DEMO_LOAD_WHEN_EMPTY": "false",
            "OUTBOX_BATCH_SIZE": "5",
            "OUTBOX_MAX_ATTEMPTS": "30",
            "OUTBOX_BACKOFF_BASE_S": "0.2",
            "OUTBOX_BACKOFF_MAX_S": "1.0",
            "OUTBOX_SENDING_LEASE_S": "3.0",
            "WORKER_OUTBOX_INTERVAL_S": "0.5",
            "WORKER_HEARTBEAT_INTERVAL_S": "5",
        }
        env.update(overrides)
        return env

    def start(self, name: str, *args: str, **env: str) -> subprocess.Popen:
        log = open(self.log_dir / f"{name}.log", "wb")  # noqa: SIM115  (closed with the process)
        proc = subprocess.Popen(
            [sys.executable, "-c", "from dispatch.cli import main; main()", *args],
            env=self.env(**env),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        proc.log = log  # type: ignore[attr-defined]
        self.running.append(proc)
        return proc

    def serve(self) -> subprocess.Popen:
        proc = self.start("serve", "serve", "--port", str(self.port))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(f"http://127.0.0.1:{self.port}/healthz", timeout=2).status_code == 200:
                    return proc
            except requests.ConnectionError:
                pass
            assert proc.poll() is None, self.logs()
            time.sleep(0.2)
        raise AssertionError("dispatch serve did not come up\n" + self.logs())

    def kill(self, proc: subprocess.Popen) -> None:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)

    def stop_all(self) -> None:
        for proc in self.running:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.running:
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
            proc.log.close()

    def logs(self) -> str:
        return "\n".join(
            f"--- {path.name}\n{path.read_text(errors='replace')[-3000:]}"
            for path in sorted(self.log_dir.glob("*.log"))
        )


@pytest.fixture
def processes(db, fake_twilio, tmp_path):
    procs = Processes(fake_twilio, tmp_path)
    yield procs
    procs.stop_all()


def _queue(db, bodies: list[str]) -> None:
    for n, body in enumerate(bodies):
        outbox.enqueue(db, to=f"+86139{n % 7:08d}", body=body, kind="offer")
    db.commit()


def _wait_all_sent(db, procs: Processes, count: int) -> list[OutboxMessage]:
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        db.rollback()
        rows = db.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()
        if len(rows) == count and all(r.state is SendState.SENT for r in rows):
            return rows
        assert not any(r.state is SendState.FAILED for r in rows), procs.logs()
        time.sleep(0.2)
    states = Counter(r.state.value for r in rows)
    raise AssertionError(f"not all sent in {DEADLINE_S}s: {states}\n{procs.logs()}")


def _assert_each_once(rows, fake) -> None:
    taken = Counter(m["body"] for m in fake.messages)
    assert {body: n for body, n in taken.items() if n != 1} == {}, "sent more than once"
    assert set(taken) == {r.body for r in rows}, "lost or unexpected messages"
    sid_of = {m["body"]: m["sid"] for m in fake.messages}
    assert all(r.provider_id == sid_of[r.body] for r in rows)


def test_two_workers_and_the_server_deliver_every_message_once_through_failures(db, processes, fake_twilio):
    fake_twilio.fail_every(3)
    processes.serve()
    processes.start("worker-1", "worker")
    processes.start("worker-2", "worker")
    bodies = [f"任务 {n:03d}：书院路漏水，请回复 Y 接单" for n in range(60)]
    for start in range(0, len(bodies), 15):  # in a few transactions, as they would come
        _queue(db, bodies[start : start + 15])
        time.sleep(0.3)
    rows = _wait_all_sent(db, processes, len(bodies))
    _assert_each_once(rows, fake_twilio)
    assert fake_twilio.posts > len(bodies)  # failures did happen and were retried
    assert sum(1 for r in rows if r.attempts > 1) > 0

    # Twilio's receipts reach the server through the StatusCallback URL each message carried.
    callback = f"http://127.0.0.1:{processes.port}/sms/status"
    assert {m["status_callback"] for m in fake_twilio.messages} == {callback}
    for row in rows[:5]:
        assert fake_twilio.post_status(callback, row.provider_id, "delivered").status_code == 204
        assert fake_twilio.post_status(callback, row.provider_id, "sent").status_code == 204
    db.rollback()
    statuses = db.scalars(sa.select(OutboxMessage.delivery_status).order_by(OutboxMessage.id)).all()
    assert statuses[:5] == ["delivered"] * 5 and set(statuses[5:]) == {None}


def test_a_worker_killed_mid_send_loses_nothing_and_sends_nothing_twice(db, processes, fake_twilio):
    # Twilio takes the message and holds its answer back: the worker is inside the request.
    fake_twilio.hang_next(1, seconds=30)
    first = processes.start("worker-1", "worker", TWILIO_TIMEOUT_S="60.0")
    _queue(db, ["任务 A：井盖丢失"])
    deadline = time.monotonic() + DEADLINE_S
    while not fake_twilio.messages:
        assert time.monotonic() < deadline and first.poll() is None, processes.logs()
        time.sleep(0.05)
    db.rollback()
    assert db.scalar(sa.select(OutboxMessage.state)) is SendState.SENDING
    processes.kill(first)

    _queue(db, ["任务 B：污水漫溢", "任务 C：道路塌陷"])  # queued while no worker runs
    processes.start("worker-2", "worker")
    rows = _wait_all_sent(db, processes, 3)
    _assert_each_once(rows, fake_twilio)
    assert fake_twilio.posts == 3  # the first message was found at Twilio, not sent again
    assert rows[0].attempts == 2 and rows[0].provider_id == fake_twilio.messages[0]["sid"]
