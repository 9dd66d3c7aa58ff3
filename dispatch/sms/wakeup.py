"""Waking the outbox job the moment a message is queued, in any process.

On PostgreSQL, a transaction that queued messages sends one ``NOTIFY dispatch_outbox`` just
before it commits (``outbox.enqueue`` marks it), so the notification leaves exactly when (and only
if) the messages are committed, once however many they are.
``OutboxListener`` is a thread on a connection of its own that ``LISTEN``\\ s on that channel and
calls ``wake`` for each notification; ``dispatch worker`` and ``dispatch serve`` start one on
PostgreSQL. It listens on further channels given with ``also`` the same way (the planner's
``dispatch_plan``: a new report to place). SQLite has no such channel: there the embedded
process wakes its own scheduler (``outbox.on_queued``; the planner's commit hook), and a separate
worker process falls back to its polling interval.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping

import psycopg

log = logging.getLogger(__name__)

CHANNEL = "dispatch_outbox"


def libpq_url(sqlalchemy_url: str) -> str | None:
    """The plain libpq URL of a PostgreSQL SQLAlchemy URL, or None for another database."""
    for scheme in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if sqlalchemy_url.startswith(scheme):
            return "postgresql://" + sqlalchemy_url[len(scheme) :]
    return None


class OutboxListener(threading.Thread):
    """Calls ``wake()`` for each ``NOTIFY dispatch_outbox``; reconnects after a lost connection.

    After every (re)connection it wakes once too: a message committed while it was not
    listening is not left waiting for the polling interval.
    """

    def __init__(
        self,
        url: str,
        wake: Callable[[], None],
        *,
        retry_s: float = 2.0,
        also: Mapping[str, Callable[[], None]] | None = None,
    ):
        super().__init__(name="outbox-listener", daemon=True)
        self.url = url
        self.wake = wake
        self.wakes = {CHANNEL: wake, **(also or {})}
        self.retry_s = retry_s
        self.listening = threading.Event()
        self._stopping = threading.Event()

    def stop(self) -> None:
        self._stopping.set()

    def run(self) -> None:
        while not self._stopping.is_set():
            try:
                with psycopg.connect(self.url, autocommit=True) as conn:
                    for channel in self.wakes:
                        conn.execute(f"LISTEN {channel}")
                    self.listening.set()
                    for wake in self.wakes.values():
                        wake()
                    while not self._stopping.is_set():
                        # The timeout only lets stop() take effect. Waking is cheap and
                        # idempotent: a burst of notifications costs one extra delivery run.
                        for notify in conn.notifies(timeout=1.0):
                            self.wakes.get(notify.channel, self.wake)()
            except psycopg.Error as exc:
                self.listening.clear()
                if self._stopping.is_set():
                    break
                log.warning("outbox listener lost its connection (%s); retrying", exc)
                self._stopping.wait(self.retry_s)
        self.listening.clear()


def start_listener(
    database_uri: str, wake: Callable[[], None], also: Mapping[str, Callable[[], None]] | None = None
) -> OutboxListener | None:
    """Start listening when the database is PostgreSQL; None (nothing started) otherwise."""
    url = libpq_url(database_uri)
    if url is None:
        return None
    listener = OutboxListener(url, wake, also=also)
    listener.start()
    return listener
