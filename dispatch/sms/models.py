"""The outbox (every outbound SMS) and the inbound log (every SMS received)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dispatch import clock
from dispatch.extensions import db


class SendState(enum.StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    #: The provider may or may not have it (a timeout, a worker that died mid-send): looked up
    #: at the provider before anything is sent again.
    UNCERTAIN = "uncertain"
    SENT = "sent"
    FAILED = "failed"


class OutboxMessage(db.Model):
    """One outbound message. Written in the same transaction as the change that causes it;
    delivered by the worker. ``state`` is our send state; ``delivery_status`` is what the
    provider later reports about the handset, kept apart so neither overwrites the other."""

    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    channel: Mapped[str] = mapped_column(sa.String(10), default="sms")
    recipient: Mapped[str] = mapped_column(sa.String(20), index=True)
    body: Mapped[str] = mapped_column(sa.Text)
    language: Mapped[str | None] = mapped_column(sa.String(10))
    #: What the message is for: ack, offer, offer_taken, reply, escalation, warning, …
    kind: Mapped[str] = mapped_column(sa.String(30), default="notice")
    work_order_id: Mapped[int | None] = mapped_column(sa.ForeignKey("work_order.id"), index=True)
    technician_id: Mapped[int | None] = mapped_column(sa.ForeignKey("technician.id"))
    #: For template-based providers: template key and parameters.
    template: Mapped[str | None] = mapped_column(sa.String(60))
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    state: Mapped[SendState] = mapped_column(
        sa.Enum(SendState, native_enum=False, length=20), default=SendState.QUEUED
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=clock.now)
    claimed_at: Mapped[datetime | None]
    #: Set when the provider may already have the message: ask it before sending again.
    lookup_first: Mapped[bool] = mapped_column(default=False)
    claimed_by: Mapped[str | None] = mapped_column(sa.String(80))
    provider_id: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    segments: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    error_code: Mapped[str | None] = mapped_column(sa.String(20))
    delivery_status: Mapped[str | None] = mapped_column(sa.String(20))
    delivery_error_code: Mapped[str | None] = mapped_column(sa.String(20))
    delivery_updated_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    sent_at: Mapped[datetime | None]

    #: Set only to link a message to an order not flushed yet (``outbox.enqueue``).
    work_order = relationship("WorkOrder")

    __table_args__ = (sa.Index("ix_outbox_due", "state", "next_attempt_at"),)


class InboundMessage(db.Model):
    """Every SMS received, stored before it is acted on, so nothing a sender wrote is lost."""

    __tablename__ = "inbound_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The provider's id (Twilio MessageSid); inbound webhooks are idempotent on it.
    provider_id: Mapped[str] = mapped_column(sa.String(64), unique=True)
    sender: Mapped[str] = mapped_column(sa.String(40), index=True)
    recipient: Mapped[str | None] = mapped_column(sa.String(40))
    body: Mapped[str] = mapped_column(sa.Text)
    received_at: Mapped[datetime] = mapped_column(default=clock.now)
    #: technician or citizen: who the number turned out to be.
    sender_kind: Mapped[str | None] = mapped_column(sa.String(20))
    handled_at: Mapped[datetime | None]
    #: The reply sent back (TwiML), so a retried webhook gets the same answer.
    reply: Mapped[str | None] = mapped_column(sa.Text)
    error: Mapped[str | None] = mapped_column(sa.Text)
    work_order_id: Mapped[int | None] = mapped_column(sa.ForeignKey("work_order.id"))
