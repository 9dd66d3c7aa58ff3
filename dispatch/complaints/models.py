"""A complaint's investigation record, and administrative warnings (行政告诫) to staff."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dispatch import clock
from dispatch.extensions import db


class Classification(enum.StrEnum):
    PRODUCT_QUALITY = "product_quality"
    #: Not product quality: the customer's use or damage.
    CUSTOMER_USE = "customer_use"
    #: The service's own conduct (attitude, delay, shirking): the service is at fault.
    SERVICE_CONDUCT = "service_conduct"


class Complaint(db.Model):
    """The investigation record of a work order of type ``complaint`` (one per such order)."""

    __tablename__ = "complaint"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    #: The complaint itself (type ``complaint``); its reference is the complaint number.
    work_order_id: Mapped[int] = mapped_column(sa.ForeignKey("work_order.id"), unique=True)
    #: The work order complained about, if any.
    concerns_order_id: Mapped[int | None] = mapped_column(sa.ForeignKey("work_order.id"), index=True)
    #: The staff member complained about, if any (a technician or a user).
    technician_id: Mapped[int | None] = mapped_column(sa.ForeignKey("technician.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    classification: Mapped[Classification | None] = mapped_column(
        sa.Enum(Classification, native_enum=False, length=20)
    )
    root_cause: Mapped[str | None] = mapped_column(sa.Text)
    responsible_department: Mapped[str | None] = mapped_column(sa.String(120))
    responsible_person: Mapped[str | None] = mapped_column(sa.String(120))
    corrective_action: Mapped[str | None] = mapped_column(sa.Text)
    cost_cny: Mapped[Decimal | None] = mapped_column(sa.Numeric(10, 2))
    cost_borne_by: Mapped[str | None] = mapped_column(sa.String(120))
    #: What the customer was told, and when the SMS went into the outbox.
    feedback: Mapped[str | None] = mapped_column(sa.Text)
    feedback_sent_at: Mapped[datetime | None]
    #: None while undecided.
    upheld: Mapped[bool | None]
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    # Copies for the complaint rate, kept right on every flush by dispatch/kpi/counted.py:
    #: when the complaint order was received (its ``reported_at``);
    received_at: Mapped[datetime | None]
    #: the complaint order is neither cancelled nor a duplicate.
    counted: Mapped[bool] = mapped_column(default=True, server_default=sa.true())

    order = relationship("WorkOrder", foreign_keys=[work_order_id])
    concerns = relationship("WorkOrder", foreign_keys=[concerns_order_id])
    technician = relationship("Technician")
    user = relationship("User", foreign_keys=[user_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])

    __table_args__ = (
        # The complaint rate's numerator: one index range scan over the receiving times.
        sa.Index("ix_complaint_kpi", "org_id", "received_at", "counted", "upheld", "classification"),
    )


class WarningKind(enum.StrEnum):
    ORAL = "oral"
    WRITTEN = "written"


class StaffWarning(db.Model):
    """An administrative warning to a staff member: who issued it, why, and the self-examination."""

    __tablename__ = "staff_warning"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    technician_id: Mapped[int | None] = mapped_column(sa.ForeignKey("technician.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    kind: Mapped[WarningKind] = mapped_column(sa.Enum(WarningKind, native_enum=False, length=10))
    reason: Mapped[str] = mapped_column(sa.Text)
    issued_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    issued_at: Mapped[datetime] = mapped_column(default=clock.now)
    self_examination: Mapped[str | None] = mapped_column(sa.Text)
    self_examination_at: Mapped[datetime | None]

    technician = relationship("Technician")
    user = relationship("User", foreign_keys=[user_id])
    issued_by = relationship("User", foreign_keys=[issued_by_id])
