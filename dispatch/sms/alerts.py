"""The dispatcher's alerts about text messages that could not be delivered.

Every message the outbox gives up (refused, out of attempts, reported undelivered to a
technician) raises ``signals.outbox_failed``; the receiver here stores one ``DeliveryAlert`` for
it in the same transaction, so the alert exists exactly when the failure was committed. The
console lists ``open_alerts`` until a dispatcher marks them seen (``resolve``).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Mapped, Session, mapped_column, object_session, relationship

from dispatch import clock, signals
from dispatch.errors import NotFound
from dispatch.extensions import db
from dispatch.sms.models import OutboxMessage


class DeliveryAlert(db.Model):
    """An outbound SMS given up: shown to the organisation's dispatchers until resolved."""

    __tablename__ = "delivery_alert"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    #: One alert per given-up message, whatever the number of receipts that report it.
    outbox_message_id: Mapped[int] = mapped_column(sa.ForeignKey("outbox_message.id"), unique=True)
    work_order_id: Mapped[int | None] = mapped_column(sa.ForeignKey("work_order.id"))
    technician_id: Mapped[int | None] = mapped_column(sa.ForeignKey("technician.id"))
    recipient: Mapped[str] = mapped_column(sa.String(20))
    #: Why it was given up, in the provider's words, and its error code.
    reason: Mapped[str | None] = mapped_column(sa.Text)
    error_code: Mapped[str | None] = mapped_column(sa.String(20))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    message: Mapped[OutboxMessage] = relationship()


@signals.outbox_failed.connect
def _raise_alert(message: OutboxMessage, **_kwargs) -> None:
    session = object_session(message)
    if session is None:  # a detached message (a test double): nothing to store it with
        return
    exists = session.scalar(sa.select(DeliveryAlert.id).where(DeliveryAlert.outbox_message_id == message.id))
    if exists is not None:
        return
    session.add(
        DeliveryAlert(
            org_id=message.org_id,
            outbox_message_id=message.id,
            work_order_id=message.work_order_id,
            technician_id=message.technician_id,
            recipient=message.recipient,
            reason=message.last_error,
            error_code=message.error_code,
            created_at=clock.now(),
        )
    )


def open_alerts(session: Session, org_id: int, limit: int = 100) -> list[DeliveryAlert]:
    """The organisation's unresolved delivery alerts, newest first."""
    return list(
        session.scalars(
            sa.select(DeliveryAlert)
            .where(DeliveryAlert.org_id == org_id, DeliveryAlert.resolved_at.is_(None))
            .order_by(DeliveryAlert.created_at.desc(), DeliveryAlert.id.desc())
            .limit(limit)
        )
    )


def resolve(session: Session, org_id: int, alert_id: int, user_id: int | None) -> DeliveryAlert:
    """Mark an alert seen. Another organisation's alert is not found. Flushes."""
    alert = session.get(DeliveryAlert, alert_id)
    if alert is None or alert.org_id != org_id:
        raise NotFound(_("No such alert."))
    if alert.resolved_at is None:
        alert.resolved_at = clock.now()
        alert.resolved_by_id = user_id
        session.flush()
    return alert
