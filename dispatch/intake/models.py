"""What intake keeps beside the work order: how each report came in and how it was acknowledged,
retried API posts, the calls-and-letters log (R2) and the preventive work already planned."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dispatch import clock
from dispatch.extensions import db


class AckVia(enum.StrEnum):
    #: Sent by SMS through the outbox.
    SMS = "sms"
    #: No mobile number: the text is shown to the person who took the report, to read out.
    READ_OUT = "read_out"
    #: Shown on the page / returned in the API or Open311 answer (no phone to text).
    SHOWN = "shown"


class ReportIntake(db.Model):
    """One per work order taken in: the acknowledgement (R4) and the channel's own details.

    The unique ``work_order_id`` is what makes the acknowledgement exactly one per report.
    """

    __tablename__ = "report_intake"

    id: Mapped[int] = mapped_column(primary_key=True)
    work_order_id: Mapped[int] = mapped_column(sa.ForeignKey("work_order.id"), unique=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    ack_text: Mapped[str] = mapped_column(sa.Text)
    ack_language: Mapped[str] = mapped_column(sa.String(10))
    ack_via: Mapped[AckVia] = mapped_column(sa.Enum(AckVia, native_enum=False, length=20))
    ack_outbox_id: Mapped[int | None] = mapped_column(sa.ForeignKey("outbox_message.id"))
    #: The reporter's number is a mobile (texts go to it) rather than a landline.
    reporter_mobile: Mapped[bool] = mapped_column(default=False)
    #: Contact details never shown in public output (Open311 GET).
    contact_email: Mapped[str | None] = mapped_column(sa.String(200))
    media_url: Mapped[str | None] = mapped_column(sa.String(500))
    api_key_id: Mapped[int | None] = mapped_column(sa.ForeignKey("api_key.id"))
    #: When the reporter of a duplicate was told the original was fixed.
    closure_notified_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    order = relationship("WorkOrder")
    ack_outbox = relationship("OutboxMessage")


class IdempotentPost(db.Model):
    """A JSON API post made with an Idempotency-Key: the same key and body get the stored answer."""

    __tablename__ = "idempotent_post"

    id: Mapped[int] = mapped_column(primary_key=True)
    api_key_id: Mapped[int] = mapped_column(sa.ForeignKey("api_key.id"))
    key: Mapped[str] = mapped_column(sa.String(200))
    #: SHA-256 of the canonical JSON body.
    body_hash: Mapped[str] = mapped_column(sa.String(64))
    status_code: Mapped[int]
    response: Mapped[dict[str, Any]] = mapped_column(default=dict)
    work_order_id: Mapped[int | None] = mapped_column(sa.ForeignKey("work_order.id"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    __table_args__ = (sa.UniqueConstraint("api_key_id", "key", name="uq_idempotent_post_key"),)


class LogKind(enum.StrEnum):
    CALL = "call"
    LETTER = "letter"


class CallLog(db.Model):
    """The calls-and-letters log (来电来函记录, R2): every call or letter in time order, the reply
    recorded, then archived."""

    __tablename__ = "call_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"))
    kind: Mapped[LogKind] = mapped_column(sa.Enum(LogKind, native_enum=False, length=10))
    received_at: Mapped[datetime]
    correspondent: Mapped[str] = mapped_column(sa.String(200))
    #: E.164 when it could be read as a number, else as given.
    phone: Mapped[str | None] = mapped_column(sa.String(40))
    address: Mapped[str | None] = mapped_column(sa.String(300))
    subject: Mapped[str] = mapped_column(sa.String(200))
    content: Mapped[str] = mapped_column(sa.Text, default="")
    taken_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    reply: Mapped[str | None] = mapped_column(sa.Text)
    replied_at: Mapped[datetime | None]
    replied_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    work_order_id: Mapped[int | None] = mapped_column(sa.ForeignKey("work_order.id"))
    archived_at: Mapped[datetime | None]
    archived_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    taken_by = relationship("User", foreign_keys=[taken_by_id])
    replied_by = relationship("User", foreign_keys=[replied_by_id])
    order = relationship("WorkOrder")

    __table_args__ = (sa.Index("ix_call_log_org_received", "org_id", "received_at"),)


class ScheduledWork(db.Model):
    """A preventive order already created for a plan, year and place (so the job is idempotent)."""

    __tablename__ = "scheduled_work"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"))
    plan: Mapped[str] = mapped_column(sa.String(60))
    year: Mapped[int]
    place: Mapped[str] = mapped_column(sa.String(200))
    work_order_id: Mapped[int] = mapped_column(sa.ForeignKey("work_order.id"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    __table_args__ = (
        sa.UniqueConstraint("org_id", "plan", "year", "place", name="uq_scheduled_work_plan_year_place"),
    )
