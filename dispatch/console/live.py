"""Live console updates: timeline events pushed to open pages as server-sent events.

Every timeline event (``signals.order_event``) wakes the streams once its transaction commits:

- in this process, directly (an after-commit hook sets ``FEED``) — the embedded ``dispatch serve``
  mode sees its own changes at once;
- from other processes on PostgreSQL, by ``NOTIFY dispatch_console`` sent inside the transaction
  (delivered on commit only; once per transaction, however many events it writes) and a
  listener thread per web process that ``LISTEN``s;
- on SQLite, from other processes (``dispatch worker``), by a light poll of the event table.

A wake-up carries nothing: each stream then reads the events after the last one it sent, of its
own organisation only, from the database — in commit order (``Event.seq``), never by id: on
PostgreSQL an event with a lower id can commit after a higher one was sent. So a missed wake-up
delays an update by one poll and never leaks another organisation's data; ``Last-Event-ID``
resumes a dropped connection.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session, object_session

from dispatch import signals
from dispatch.db import notify_on_commit, on_transaction
from dispatch.orders.models import Event, WorkOrder

log = logging.getLogger(__name__)

CHANNEL = "dispatch_console"
#: Wake this process's streams right after a commit. Only `dispatch bench console` turns it off,
#: to measure the path a change made by another process takes (the poll, or NOTIFY).
LOCAL_WAKE = True
#: Timeline kinds that raise the dispatcher's alert whatever the order's type.
ALERT_KINDS = {"breached"}


class Feed:
    """A counter that streams wait on; bumped whenever something may have changed."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self.seq = 0

    def bump(self) -> None:
        with self._cond:
            self.seq += 1
            self._cond.notify_all()

    def wait(self, seen: int, timeout: float) -> int:
        with self._cond:
            self._cond.wait_for(lambda: self.seq != seen, timeout)
            return self.seq


FEED = Feed()


@signals.order_event.connect
def _on_order_event(order: WorkOrder, event: Event, **_kw) -> None:
    session = object_session(order)
    if session is None:
        return
    if session.info.get("console_wake"):
        return  # this transaction already wakes the streams once, which is all a wake-up does
    session.info["console_wake"] = True
    notify_on_commit(session, CHANNEL, json.dumps({"org": order.org_id}))


@on_transaction("after_commit")
def _wake_after_commit(session: Session) -> None:
    if session.info.pop("console_wake", False) and LOCAL_WAKE:
        FEED.bump()


@on_transaction("after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop("console_wake", None)


class PostgresListener:
    """One thread per process: LISTEN on the console channel and bump the feed on every NOTIFY."""

    _started: set[str] = set()
    _lock = threading.Lock()

    @classmethod
    def ensure(cls, url: str) -> None:
        with cls._lock:
            if url in cls._started:
                return
            cls._started.add(url)
        threading.Thread(target=cls._run, args=(url,), name="console-listen", daemon=True).start()

    @staticmethod
    def _run(url: str) -> None:
        import psycopg

        dsn = url.replace("postgresql+psycopg://", "postgresql://", 1)
        while True:
            try:
                with psycopg.connect(dsn, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    FEED.bump()  # anything missed while (re)connecting is read by the streams
                    for _notify in conn.notifies():
                        FEED.bump()
            except Exception:  # the database went away: try again shortly, streams keep polling
                log.warning("console listener lost its connection; retrying", exc_info=True)
                time.sleep(2)


@dataclass(frozen=True)
class LiveEvent:
    id: int
    reference: str
    kind: str
    status: str
    type_code: str
    at: str
    alert: bool

    def as_sse(self, labels: dict) -> str:
        data = dict(self.__dict__, **labels)
        return f"id: {self.id}\nevent: order\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def last_event_id(session: Session, org_id: int) -> int:
    return (
        session.scalar(
            sa.select(sa.func.max(Event.seq))
            .join(WorkOrder, WorkOrder.id == Event.order_id)
            .where(WorkOrder.org_id == org_id)
        )
        or 0
    )


def events_after(
    session: Session, org_id: int, after_id: int, emergency_types: frozenset[str], limit: int = 200
) -> list[LiveEvent]:
    """The organisation's timeline events committed after ``after_id`` (a commit-order number,
    ``Event.seq``), in commit order; each ``LiveEvent.id`` is that number."""
    rows = session.execute(
        sa.select(
            Event.seq.label("id"),
            Event.kind,
            Event.at,
            WorkOrder.reference,
            WorkOrder.status,
            WorkOrder.type_code,
        )
        .join(WorkOrder, WorkOrder.id == Event.order_id)
        .where(Event.seq > after_id, WorkOrder.org_id == org_id)
        .order_by(Event.seq)
        .limit(limit)
    ).all()
    return [
        LiveEvent(
            id=r.id,
            reference=r.reference,
            kind=r.kind,
            status=r.status.value,
            type_code=r.type_code,
            at=r.at.isoformat(),
            alert=r.kind in ALERT_KINDS or (r.kind == "created" and r.type_code in emergency_types),
        )
        for r in rows
    ]


def stream(
    read, after_id: int, *, lifetime_s: float, poll_s: float, heartbeat_s: float = 15.0
) -> Iterator[str]:
    """Server-sent events: ``read(after_id)`` → list of (LiveEvent, labels); runs ``lifetime_s``.

    The browser reconnects by itself after the stream ends (``retry``) and sends Last-Event-ID.
    """
    yield "retry: 1000\n\n"
    end = time.monotonic() + lifetime_s
    seen = FEED.seq
    quiet_since = time.monotonic()
    while time.monotonic() < end:
        batch = read(after_id)
        for live, labels in batch:
            after_id = live.id
            yield live.as_sse(labels)
        if batch:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since >= heartbeat_s:
            quiet_since = time.monotonic()
            yield ": ping\n\n"  # a closed connection shows up as a failed write
        seen = FEED.wait(seen, min(poll_s, max(end - time.monotonic(), 0)))
