"""The outbox: outbound SMS written with the change that causes them, delivered by the worker.

``enqueue`` only adds a row to the caller's transaction, so a change that rolls back texts nobody.
``deliver_due`` is the worker's job: claim due rows, hand each to the gateway, record the result,
retry with growing backoff, give up after the configured attempts and tell whoever cares
(``signals.outbox_failed``). A send whose outcome is unknown (timeout, a worker killed mid-send)
becomes *uncertain* and is looked up at the provider before it is sent again.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy.orm import Session, aliased

from dispatch import clock, signals
from dispatch.db import claim, notify_on_commit, on_transaction, sqlite_writer
from dispatch.language import short_language
from dispatch.sms import template_gate
from dispatch.sms.gateway import Gateway, GatewayError, GatewayTimeout, OutgoingMessage
from dispatch.sms.models import OutboxMessage, SendState
from dispatch.sms.wakeup import CHANNEL as NOTIFY_CHANNEL

log = logging.getLogger(__name__)

#: Called (in the committing thread) after a transaction that queued messages commits.
_wake_callbacks: list[Callable[[], None]] = []
_wake_lock = threading.Lock()


def on_queued(callback: Callable[[], None]) -> None:
    """Register a callback run after any commit that queued outbox messages (worker wake-up)."""
    with _wake_lock:
        if callback not in _wake_callbacks:
            _wake_callbacks.append(callback)


@on_transaction("after_commit")
def _wake_after_commit(session: Session) -> None:
    if session.info.pop("outbox_queued", False):
        for callback in list(_wake_callbacks):
            callback()


@on_transaction("after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop("outbox_queued", None)


def enqueue(
    session: Session,
    *,
    to: str,
    body: str,
    kind: str = "notice",
    org_id: int | None = None,
    work_order_id: int | None = None,
    technician_id: int | None = None,
    language: str | None = None,
    template: str | None = None,
    params: Mapping[str, str] | None = None,
    flush: bool = True,
    work_order: Any = None,
) -> OutboxMessage:
    """Add one outbound SMS to the caller's transaction. Flushes (``flush=False``: the row goes
    in with the caller's next flush, for a caller that links it by relationship rather than by
    id); the caller commits.

    Under a gateway that sends only approved templates, the message is rendered as its
    template, or refused at once (given up with its reason and a delivery alert): see
    ``template_gate``."""
    message = OutboxMessage(
        recipient=to,
        body=body,
        kind=kind,
        org_id=org_id,
        work_order_id=work_order_id,
        technician_id=technician_id,
        language=language,
        template=template,
        params=dict(params or {}),
        state=SendState.QUEUED,
        next_attempt_at=clock.now(),
    )
    if work_order is not None:
        message.work_order = work_order  # its id may not be known yet (flush=False)
    session.add(message)
    if flush:
        session.flush()
    refusal = template_gate.apply(session, message)
    if refusal is not None:
        session.flush()  # the delivery alert points at the message's id
        fail(message, *refusal)
        session.flush()
    session.info["outbox_queued"] = True
    # One NOTIFY per transaction however many messages it queued, delivered to listening
    # workers when, and only if, it commits.
    notify_on_commit(session, NOTIFY_CHANNEL)
    signals.outbox_queued.send(message)
    return message


def send(
    session: Session,
    kind: str,
    *,
    to: str,
    text: str,
    params: Mapping[str, Any] | None = None,
    language: str | None = None,
    order: Any = None,
    org_id: int | None = None,
    technician_id: int | None = None,
    flush: bool = True,
) -> OutboxMessage:
    """Queue one text to a person: the one call every package makes.

    ``kind`` is what the message is (``offer``, ``ack``, ``customer_done``, …) and also its
    template name, so a template gateway needs no change here; ``params`` are the values
    substituted into ``text`` (taken from a :class:`~dispatch.language.Rendered` text when not
    given). ``order`` (a work order) fills the organisation and the order the message belongs to.
    Flushes, unless ``flush=False`` (see ``enqueue``).
    """
    if params is None:
        params = getattr(text, "params", None) or {}
    return enqueue(
        session,
        to=to,
        body=str(text),
        kind=kind,
        org_id=org_id if org_id is not None else getattr(order, "org_id", None),
        work_order_id=getattr(order, "id", None),
        technician_id=technician_id,
        language=short_language(language) if language else None,
        template=kind,
        params={k: "" if v is None else str(v) for k, v in params.items()},
        flush=flush,
        # A work order not flushed yet is linked by the relationship, its id being unknown.
        work_order=order if order is not None and getattr(order, "id", None) is None else None,
    )


@dataclass(frozen=True)
class OutboxPolicy:
    batch_size: int = 50
    max_attempts: int = 6
    backoff_base_s: float = 15
    backoff_max_s: float = 900
    sending_lease_s: float = 120
    #: Messages of one run sent at the same time (threads); 1 sends them one after another.
    send_concurrency: int = 1

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> OutboxPolicy:
        return cls(
            batch_size=int(config.get("OUTBOX_BATCH_SIZE", 50)),
            max_attempts=int(config.get("OUTBOX_MAX_ATTEMPTS", 6)),
            backoff_base_s=float(config.get("OUTBOX_BACKOFF_BASE_S", 15)),
            backoff_max_s=float(config.get("OUTBOX_BACKOFF_MAX_S", 900)),
            sending_lease_s=float(config.get("OUTBOX_SENDING_LEASE_S", 120)),
            send_concurrency=int(config.get("OUTBOX_SEND_CONCURRENCY", 1)),
        )

    def backoff(self, attempts: int) -> timedelta:
        delay = min(self.backoff_base_s * 2 ** max(attempts - 1, 0), self.backoff_max_s)
        # Jitter keeps a crowd of failed messages from retrying in lockstep.
        return timedelta(seconds=delay * random.uniform(0.9, 1.1))


@dataclass
class DeliveryReport:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    found: int = 0


def claim_due(session: Session, policy: OutboxPolicy, worker: str) -> list[int]:
    """Take this worker's share of due messages and mark them ``sending``. Commits."""
    return [p.outgoing.outbox_id for p in _claim(session, policy, worker, lambda m: None)]


def _claim(
    session: Session,
    policy: OutboxPolicy,
    worker: str,
    status_callback: Callable[[OutboxMessage], str | None],
) -> list[_Pending]:
    """Claim due messages and read what sending them needs, in one short transaction."""
    now = clock.now()
    token = sqlite_writer.set(True)
    try:
        session.rollback()  # start a fresh (writer) transaction
        ids = claim(
            session,
            OutboxMessage,
            [
                sa.or_(
                    sa.and_(
                        OutboxMessage.state.in_([SendState.QUEUED, SendState.UNCERTAIN]),
                        OutboxMessage.next_attempt_at <= now,
                    ),
                    # Left "sending" past the lease by a worker that died mid-send: it may have
                    # reached the provider, so it is looked up before being sent again.
                    sa.and_(
                        OutboxMessage.state == SendState.SENDING,
                        OutboxMessage.claimed_at < now - timedelta(seconds=policy.sending_lease_s),
                    ),
                )
            ],
            {
                "state": SendState.SENDING,
                "claimed_at": now,
                "claimed_by": worker,
                "attempts": OutboxMessage.attempts + 1,
                "lookup_first": sa.case(
                    (OutboxMessage.state == SendState.SENDING, sa.true()), else_=OutboxMessage.lookup_first
                ),
            },
            order_by=[OutboxMessage.next_attempt_at, OutboxMessage.id],
            limit=policy.batch_size,
        )
        pending = []
        if ids:
            rows = session.scalars(
                sa.select(OutboxMessage)
                .where(OutboxMessage.id.in_(ids))
                .order_by(OutboxMessage.id)
                .execution_options(populate_existing=True)
            ).all()
            pending = [
                _Pending(
                    OutgoingMessage(
                        outbox_id=m.id,
                        to=m.recipient,
                        body=m.body,
                        status_callback=status_callback(m),
                        template=m.template,
                        params=m.params,
                        kind=m.kind,
                        org_id=m.org_id,
                    ),
                    m.lookup_first,
                    m.created_at,
                    m.attempts,
                )
                for m in rows
            ]
        session.commit()
        return pending
    finally:
        sqlite_writer.reset(token)


def deliver_due(
    session: Session,
    gateway: Gateway,
    policy: OutboxPolicy,
    worker: str,
    status_callback: Callable[[OutboxMessage], str | None] = lambda m: None,
) -> DeliveryReport:
    """One run of the delivery job: claim, send each, record. Safe to run in several workers.

    No transaction (and no lock) is held while the network is used. With
    ``policy.send_concurrency`` above 1, the claimed messages are sent by that many threads at
    once, each recording its outcome in a session of its own: a send waits mostly on the
    provider and its record on the database's commit, so a backlog drains that much faster.
    """
    report = DeliveryReport()
    pending = _claim(session, policy, worker, status_callback)
    report.claimed = len(pending)
    threads = min(policy.send_concurrency, len(pending))
    if threads <= 1:
        results = [_deliver_one(session, gateway, policy, worker, p) for p in pending]
    else:
        bind = session.get_bind()
        # A give-up fires outbox_failed in the sending thread, and its reactions (the next
        # technician, the alert) need the application: each thread works inside an app context
        # of its own, and the reactions join the session that records the give-up.
        app = current_app._get_current_object() if has_app_context() else None

        def deliver(p: _Pending) -> str:
            with app.app_context() if app is not None else nullcontext(), Session(bind=bind) as own:
                return _deliver_one(own, gateway, policy, worker, p)

        with ThreadPoolExecutor(threads, thread_name_prefix="outbox-send") as pool:
            results = list(pool.map(deliver, pending))
    for result in results:
        setattr(report, result, getattr(report, result) + 1)
    return report


@dataclass(frozen=True)
class _Pending:
    outgoing: OutgoingMessage
    lookup_first: bool
    since: datetime
    attempts: int


def _deliver_one(session: Session, gateway: Gateway, policy: OutboxPolicy, worker: str, p: _Pending) -> str:
    """Send (or find) one claimed message and record the outcome; the DeliveryReport field."""
    outcome: Callable[[OutboxMessage], None]
    # Only the provider's calls are inside the try: a failure to *record* a send (a lost
    # database connection) must not be taken for a failed send and sent again. It propagates,
    # the row stays "sending", and after the lease it is looked up before anything is resent.
    outgoing = _with_known_ids(session, p.outgoing) if p.lookup_first else p.outgoing
    try:
        found = gateway.find_sent(outgoing, p.since) if p.lookup_first else None
        sent = None if found else gateway.send(outgoing)
    except GatewayTimeout as exc:
        outcome, result = _mark_uncertain(str(exc), policy), "retried"
    except GatewayError as exc:
        if exc.retryable and p.attempts < policy.max_attempts:
            outcome, result = _mark_retry(str(exc), exc.code, policy), "retried"
        else:
            outcome, result = _mark_failed(str(exc), exc.code), "failed"
    except Exception as exc:  # a bug in a gateway must not lose the message
        log.exception("gateway %s crashed on outbox message %s", gateway.name, p.outgoing.outbox_id)
        outcome, result = _mark_retry(f"{type(exc).__name__}: {exc}", "crash", policy), "retried"
    else:
        if sent is not None:
            _record_sent(session, p.outgoing.outbox_id, worker, sent.provider_id, sent.segments)
            return "sent"
        if _record_sent(session, p.outgoing.outbox_id, worker, found, None, exclusive=True):
            return "found"
        # Recorded for another message in the meantime: not ours after all; look again.
        outcome, result = (
            _mark_uncertain("the provider id found belongs to another message", policy),
            "retried",
        )
    _record(session, p.outgoing.outbox_id, worker, outcome)
    return result


def _record(session: Session, message_id: int, worker: str, outcome) -> None:
    token = sqlite_writer.set(True)
    try:
        session.rollback()
        message = session.get(OutboxMessage, message_id, populate_existing=True)
        # Only the worker holding the claim records the outcome; a reclaimed row is another's.
        if message.state is SendState.SENDING and message.claimed_by == worker:
            outcome(message)
            session.commit()
        else:
            session.rollback()
    finally:
        sqlite_writer.reset(token)


def _with_known_ids(session: Session, outgoing: OutgoingMessage) -> OutgoingMessage:
    """``outgoing`` with the provider ids of the other messages of the same text to the same
    number: a look-up must never take one of those for this message's send."""
    known = session.scalars(
        sa.select(OutboxMessage.provider_id).where(
            OutboxMessage.recipient == outgoing.to,
            OutboxMessage.body == outgoing.body,
            OutboxMessage.id != outgoing.outbox_id,
            OutboxMessage.provider_id.is_not(None),
        )
    ).all()
    session.rollback()
    return replace(outgoing, known_ids=frozenset(known))


def _record_sent(
    session: Session,
    message_id: int,
    worker: str,
    provider_id: str | None,
    segments: int | None,
    *,
    exclusive: bool = False,
) -> bool:
    """Record a hand-over in one guarded UPDATE (the common outcome, kept to one round trip):
    only while this worker still holds the claim, as ``_record`` does; with ``exclusive``, only
    while no other message has ``provider_id``. Whether it was recorded."""
    values: dict[str, Any] = {
        "state": SendState.SENT,
        "provider_id": provider_id,
        "sent_at": clock.now(),
        "lookup_first": False,
        "last_error": None,
    }
    if segments is not None:
        values["segments"] = segments
    token = sqlite_writer.set(True)
    try:
        session.rollback()
        guard = [
            OutboxMessage.id == message_id,
            OutboxMessage.state == SendState.SENDING,
            OutboxMessage.claimed_by == worker,
        ]
        if exclusive:
            other = aliased(OutboxMessage)
            guard.append(~sa.exists().where(other.provider_id == provider_id, other.id != message_id))
        done = session.execute(
            sa.update(OutboxMessage).where(*guard).values(**values),
            execution_options={"synchronize_session": False},
        )
        session.commit()
        return done.rowcount == 1
    finally:
        sqlite_writer.reset(token)


def _mark_uncertain(error: str, policy: OutboxPolicy):
    def apply(message: OutboxMessage) -> None:
        message.state = SendState.UNCERTAIN
        message.lookup_first = True
        message.last_error = error
        message.error_code = "timeout"
        # Give the provider a moment to list the message before we ask for it.
        message.next_attempt_at = clock.now() + policy.backoff(1)

    return apply


def _mark_retry(error: str, code: str | None, policy: OutboxPolicy):
    def apply(message: OutboxMessage) -> None:
        message.state = SendState.QUEUED
        message.last_error = error
        message.error_code = code
        message.next_attempt_at = clock.now() + policy.backoff(message.attempts)

    return apply


def _mark_failed(error: str, code: str | None):
    def apply(message: OutboxMessage) -> None:
        fail(message, error, code)

    return apply


def fail(message: OutboxMessage, error: str, code: str | None) -> None:
    """Give a message up and tell whoever cares (in the caller's transaction)."""
    message.state = SendState.FAILED
    message.last_error = error
    message.error_code = code
    signals.outbox_failed.send(message)
