"""Old parts: expected back from a job, received on the returns shelf, disposed of at the
monthly close, claimed back from their supplier (二次索赔); and the closed months."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dispatch import clock
from dispatch.extensions import db


class ExpectedReturn(db.Model):
    """An old part that must come back from a job (a report line whose old part returns)."""

    __tablename__ = "expected_return"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    work_order_id: Mapped[int] = mapped_column(sa.ForeignKey("work_order.id"), index=True)
    technician_id: Mapped[int | None] = mapped_column(sa.ForeignKey("technician.id"))
    part_id: Mapped[int] = mapped_column(sa.ForeignKey("part.id"))
    quantity: Mapped[int]
    received_quantity: Mapped[int] = mapped_column(default=0)
    report_id: Mapped[int | None]
    #: The serial of the part taken out (what should arrive) and of the new one fitted.
    serial_removed: Mapped[str | None] = mapped_column(sa.String(60))
    serial_fitted: Mapped[str | None] = mapped_column(sa.String(60))
    expected_at: Mapped[datetime] = mapped_column(default=clock.now)
    #: The technician said by SMS the old part is packed.
    packed_at: Mapped[datetime | None]
    #: A voided report withdraws what it expected.
    cancelled: Mapped[bool] = mapped_column(default=False)

    part = relationship("Part")
    work_order = relationship("WorkOrder")
    technician = relationship("Technician")

    @property
    def outstanding(self) -> int:
        return 0 if self.cancelled else max(0, self.quantity - self.received_quantity)


class Disposition(enum.StrEnum):
    PENDING = "pending"
    SCRAP = "scrap"
    CLAIM = "claim"
    REFURBISH = "refurbish"


class ReturnedPart(db.Model):
    """One old part on the returns shelf, as the warehouse received it."""

    __tablename__ = "returned_part"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    part_id: Mapped[int] = mapped_column(sa.ForeignKey("part.id"))
    #: Two receipts of one serial are one part received twice: refused.
    serial: Mapped[str | None] = mapped_column(sa.String(60))
    quantity: Mapped[int] = mapped_column(default=1)
    work_order_id: Mapped[int | None] = mapped_column(sa.ForeignKey("work_order.id"))
    expected_return_id: Mapped[int | None] = mapped_column(sa.ForeignKey("expected_return.id"))
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("part_document.id"))
    received_at: Mapped[datetime] = mapped_column(default=clock.now)
    #: What is wrong with it, as the warehouse noted (the evidence of a claim).
    note: Mapped[str] = mapped_column(sa.Text, default="")
    #: Nobody expected it, or its serial is not the one removed: listed as a discrepancy.
    unexpected: Mapped[bool] = mapped_column(default=False)
    serial_mismatch: Mapped[bool] = mapped_column(default=False)
    disposition: Mapped[Disposition] = mapped_column(
        sa.Enum(Disposition, native_enum=False, length=20), default=Disposition.PENDING
    )
    disposed_at: Mapped[datetime | None]

    part = relationship("Part")
    work_order = relationship("WorkOrder")
    document = relationship("PartDocument")
    expected = relationship("ExpectedReturn")

    __table_args__ = (sa.UniqueConstraint("org_id", "part_id", "serial", name="uq_returned_part_serial"),)


class MonthClose(db.Model):
    """A closed accounting month: no entry may be dated in it any more."""

    __tablename__ = "part_month_close"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"))
    #: "YYYY-MM"
    month: Mapped[str] = mapped_column(sa.String(7))
    closed_at: Mapped[datetime] = mapped_column(default=clock.now)
    closed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    __table_args__ = (sa.UniqueConstraint("org_id", "month", name="uq_part_month_close"),)


class ClaimState(enum.StrEnum):
    DRAFT = "draft"
    SENT = "sent"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    CREDITED = "credited"


class SupplierClaim(db.Model):
    """二次索赔: defective warranty parts claimed back from their supplier."""

    __tablename__ = "supplier_claim"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    number: Mapped[str] = mapped_column(sa.String(30), unique=True)
    supplier_id: Mapped[int] = mapped_column(sa.ForeignKey("stock_location.id"))
    state: Mapped[ClaimState] = mapped_column(
        sa.Enum(ClaimState, native_enum=False, length=20), default=ClaimState.DRAFT
    )
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    sent_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    credited_at: Mapped[datetime | None]
    credited_cents: Mapped[int] = mapped_column(default=0)
    note: Mapped[str] = mapped_column(sa.Text, default="")

    supplier = relationship("StockLocation")
    lines: Mapped[list[SupplierClaimLine]] = relationship(
        back_populates="claim", order_by="SupplierClaimLine.id", cascade="all, delete-orphan"
    )

    @property
    def amount_cents(self) -> int:
        return sum(line.amount_cents for line in self.lines)


class SupplierClaimLine(db.Model):
    __tablename__ = "supplier_claim_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(sa.ForeignKey("supplier_claim.id"), index=True)
    returned_part_id: Mapped[int] = mapped_column(sa.ForeignKey("returned_part.id"), unique=True)
    amount_cents: Mapped[int]
    #: What shows the defect: the report's finding, the warehouse's note, photographs' names.
    evidence: Mapped[str] = mapped_column(sa.Text, default="")

    claim: Mapped[SupplierClaim] = relationship(back_populates="lines")
    returned_part: Mapped[ReturnedPart] = relationship()
