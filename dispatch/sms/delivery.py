"""Delivery receipts: what the provider later says about a message it took.

The provider's status is kept in ``OutboxMessage.delivery_status``, apart from our send state.
Receipts can arrive out of order (Twilio posts them from several machines), so a status only
replaces one that comes before it in a message's life: a late ``sent`` never overwrites
``delivered``. A message to a technician that ends ``undelivered`` or ``failed`` is treated like a
failed send: it is given up (``outbox.fail``) and ``signals.outbox_failed`` fires, once.
"""

from __future__ import annotations

import enum

import sqlalchemy as sa
from sqlalchemy.orm import Session

from dispatch import clock
from dispatch.sms import outbox
from dispatch.sms.models import OutboxMessage, SendState

#: Twilio's message statuses in the order a message goes through them. Statuses of the same rank
#: are alternative outcomes: the first one heard wins.
STATUS_RANK: dict[str, int] = {
    "accepted": 0,
    "scheduled": 0,
    "queued": 1,
    "sending": 2,
    "sent": 3,
    "delivered": 4,
    "undelivered": 4,
    "failed": 4,
    "canceled": 4,
    "partially_delivered": 4,
    "read": 5,
}
#: Final statuses that mean the handset did not get the message.
NOT_DELIVERED = frozenset({"undelivered", "failed"})


class Outcome(enum.StrEnum):
    RECORDED = "recorded"
    #: A status that comes before the one already recorded (or the same one again).
    STALE = "stale"
    UNKNOWN_MESSAGE = "unknown_message"
    UNKNOWN_STATUS = "unknown_status"


def record_status(session: Session, provider_id: str, status: str, error_code: str | None = None) -> Outcome:
    """Record a receipt for the message the provider knows as ``provider_id``. Flushes.

    Locks the message row (PostgreSQL) so two receipts for one message cannot both act on a
    failure; on SQLite the caller's writer transaction (BEGIN IMMEDIATE) does the same.
    """
    status = (status or "").strip().lower()
    if status not in STATUS_RANK:
        return Outcome.UNKNOWN_STATUS
    if not provider_id:
        return Outcome.UNKNOWN_MESSAGE
    message = session.scalar(
        sa.select(OutboxMessage).where(OutboxMessage.provider_id == provider_id).with_for_update()
    )
    if message is None:
        return Outcome.UNKNOWN_MESSAGE
    current = STATUS_RANK.get(message.delivery_status or "", -1)
    if STATUS_RANK[status] <= current:
        return Outcome.STALE
    message.delivery_status = status
    message.delivery_error_code = (error_code or None) and str(error_code)[:20]
    message.delivery_updated_at = clock.now()
    if status in NOT_DELIVERED and message.technician_id is not None and message.state is SendState.SENT:
        # The technician never got the job: whoever waits on it must move on, as for a send
        # that failed. Only a SENT message can get here, and fail() leaves it FAILED: once.
        outbox.fail(message, f"the provider reports the message {status}", message.delivery_error_code)
    session.flush()
    return Outcome.RECORDED
