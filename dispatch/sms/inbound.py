"""Inbound SMS: store first, then hand to whoever the sender is.

The pipe knows no command language and no citizen channel. At start-up the layers above
register a *classifier* (is this number a technician's or a service station's?) and one handler
per kind of sender. A message is stored and committed before it is acted on, so nothing a sender
wrote is lost even when acting on it fails; a provider retrying the same message id gets the
stored reply and changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, scoped_session

from dispatch import clock
from dispatch.db import sqlite_writer
from dispatch.language import text_language
from dispatch.sms.models import InboundMessage

log = logging.getLogger(__name__)

TECHNICIAN = "technician"
CITIZEN = "citizen"


@dataclass(frozen=True)
class HandlerResult:
    #: The text to answer with (sent as the webhook's reply), or None for no answer.
    reply: str | None
    work_order_id: int | None = None


#: handler(session, message) -> HandlerResult. It may write (through the lifecycle, the outbox);
#: it must not commit: receive() commits its work together with the reply.
Handler = Callable[[Session, InboundMessage], HandlerResult]
#: classifier(session, sender) -> TECHNICIAN or CITIZEN.
Classifier = Callable[[Session, str], str]

_handlers: dict[str, Handler] = {}
_classifier: Classifier | None = None

FALLBACK_REPLY = {
    "zh": "抱歉，您的短信暂时无法处理，已转调度员人工处理。",
    "en": "Sorry, we could not process your message; a dispatcher will look at it.",
}


def register_handler(kind: str, handler: Handler) -> None:
    _handlers[kind] = handler


def register_classifier(classifier: Classifier) -> None:
    global _classifier
    _classifier = classifier


_language_of = text_language


def receive(
    session: Session, *, provider_id: str, sender: str, recipient: str | None, body: str
) -> InboundMessage:
    """Store the message (idempotent on ``provider_id``), act on it once, return the stored row.

    Commits twice: once to keep the message whatever happens next, once with the handler's work
    and the reply. A handler that raises has its work rolled back; the message stays stored with
    the error and gets a polite fallback reply.

    This is the webhook's hot path, so it spends few round trips: the message is inserted
    without looking first (a repeated id is rare and shows as a unique-key conflict), and the
    stored row is not reloaded after each commit — only this call writes it.
    """
    token = sqlite_writer.set(True)
    plain = session() if isinstance(session, scoped_session) else session
    expire_on_commit, plain.expire_on_commit = plain.expire_on_commit, False
    try:
        session.rollback()
        message = InboundMessage(
            provider_id=provider_id, sender=sender, recipient=recipient, body=body, received_at=clock.now()
        )
        session.add(message)
        try:
            session.commit()
        except IntegrityError:
            # Already stored: a provider's retry, or the same id arriving twice at once (the
            # other delivery acts on it). Either way the stored row and its reply stand.
            session.rollback()
            return session.scalar(sa.select(InboundMessage).where(InboundMessage.provider_id == provider_id))

        kind = CITIZEN
        try:
            kind = _classifier(session, sender) if _classifier else CITIZEN
            handler = _handlers.get(kind)
            message.sender_kind = kind
            result = (
                handler(session, message) if handler else HandlerResult(FALLBACK_REPLY[_language_of(body)])
            )
            message.reply = result.reply
            message.work_order_id = result.work_order_id
            message.handled_at = clock.now()
            session.commit()
        except Exception as exc:
            log.exception("inbound message %s from %s could not be handled", provider_id, kind)
            session.rollback()
            message = session.get(InboundMessage, message.id)
            message.sender_kind = kind
            message.error = f"{type(exc).__name__}: {exc}"
            message.reply = FALLBACK_REPLY[_language_of(body)]
            message.handled_at = clock.now()
            session.commit()
        return message
    finally:
        plain.expire_on_commit = expire_on_commit
        sqlite_writer.reset(token)
