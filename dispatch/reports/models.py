"""A service report per visit, its part lines, its one signature and its one-time links.

A report is written while it is a *draft*; becoming *complete* freezes its content and part lines
for that revision; a correction is a new revision that voids the old one. The model itself refuses
changes that would alter a frozen report or a signature (``ImmutableReport``), whatever form or
client asked for them.
"""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy import event, inspect
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dispatch import clock
from dispatch.errors import DomainError
from dispatch.extensions import db


class ImmutableReport(DomainError):
    """A change to a report that is complete or signed, or to a signature: never allowed."""

    status = 409


class ReportState(enum.StrEnum):
    DRAFT = "draft"
    #: The required fields are there; content and part lines are final for this revision.
    COMPLETE = "complete"
    SIGNED = "signed"
    #: The customer refused to sign (with a reason): a supervisor decides.
    REFUSED = "refused"
    APPROVED = "approved"
    #: A supervisor sent it back to the technician with a reason; a new revision follows.
    RETURNED = "returned"
    #: Superseded by a newer revision.
    VOID = "void"


class Responsibility(enum.StrEnum):
    PRODUCT_QUALITY = "product_quality"
    CUSTOMER_USE = "customer_use"
    THIRD_PARTY = "third_party"
    OTHER = "other"


class SignatureMethod(enum.StrEnum):
    SCREEN = "screen"
    SMS = "sms"
    PAPER = "paper"


class SurveyState(enum.StrEnum):
    NONE = "none"
    ASKED = "asked"
    REMINDED = "reminded"
    ANSWERED = "answered"
    NOT_ANSWERED = "not_answered"


#: The columns that make up a report's content: frozen once it leaves the draft state.
CONTENT = (
    "arrived_at",
    "departed_at",
    "heard",
    "seen",
    "checked",
    "cause",
    "responsibility",
    "work_done",
    "advice",
    "charges_cny",
    "charges_approved_by_id",
    "mileage_km",
    "warranty",
    "filled_via",
    "signature_required",
    "technician_id",
    "work_order_id",
    "revision",
    "organisation_id",
)
#: Columns that are written once, at signing, and never again.
SEALED = ("signed_at", "content_hash", "pdf")


class ServiceReport(db.Model):
    __tablename__ = "service_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    work_order_id: Mapped[int] = mapped_column(sa.ForeignKey("work_order.id"), index=True)
    #: 1-based; a correction is the next revision, the previous one is voided.
    revision: Mapped[int] = mapped_column(default=1)
    state: Mapped[ReportState] = mapped_column(
        sa.Enum(ReportState, native_enum=False, length=20), default=ReportState.DRAFT, index=True
    )
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    technician_id: Mapped[int | None] = mapped_column(sa.ForeignKey("technician.id"))
    #: Whether a customer signature is required (from config/reports.toml when created).
    signature_required: Mapped[bool] = mapped_column(default=False)
    #: sms, mobile, console_phone, console_paper — how the content reached us.
    filled_via: Mapped[str] = mapped_column(sa.String(20), default="sms")

    arrived_at: Mapped[datetime | None]
    departed_at: Mapped[datetime | None]
    #: 听: what the customer said.
    heard: Mapped[str | None] = mapped_column(sa.Text)
    #: 看: what was seen.
    seen: Mapped[str | None] = mapped_column(sa.Text)
    #: 查: what was checked.
    checked: Mapped[str | None] = mapped_column(sa.Text)
    cause: Mapped[str | None] = mapped_column(sa.Text)
    responsibility: Mapped[Responsibility | None] = mapped_column(
        sa.Enum(Responsibility, native_enum=False, length=20)
    )
    work_done: Mapped[str | None] = mapped_column(sa.Text)
    #: Advice given to the customer on use and upkeep.
    advice: Mapped[str | None] = mapped_column(sa.Text)
    #: Paid service (有偿服务) needs a supervisor's approval before the report is complete.
    charges_cny: Mapped[Decimal | None] = mapped_column(sa.Numeric(10, 2))
    charges_approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    #: Odometer read on site (vehicles); it updates the registry.
    mileage_km: Mapped[int | None]
    #: The 三包 verdict: {"in_warranty": bool|None, "group": ..., "reasons": [...]} .
    warranty: Mapped[dict | None] = mapped_column(sa.JSON)

    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(default=clock.now, onupdate=clock.now)
    submitted_at: Mapped[datetime | None]
    signed_at: Mapped[datetime | None]
    #: SHA-256 (hex) over the canonical content plus the evidence's SHA-256 (see README).
    content_hash: Mapped[str | None] = mapped_column(sa.String(64))
    #: The printable report, stored at signing (or approval, when no signature is required).
    pdf: Mapped[bytes | None] = mapped_column(sa.LargeBinary, deferred=True)
    refused_at: Mapped[datetime | None]
    refusal_reason: Mapped[str | None] = mapped_column(sa.Text)
    approved_at: Mapped[datetime | None]
    approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    returned_at: Mapped[datetime | None]
    return_reason: Mapped[str | None] = mapped_column(sa.Text)
    voided_at: Mapped[datetime | None]

    #: SMS confirmation: the code sent, and the number it was sent to (only that number counts).
    confirm_code: Mapped[str | None] = mapped_column(sa.String(8))
    confirm_phone: Mapped[str | None] = mapped_column(sa.String(20))
    confirm_sent_at: Mapped[datetime | None]

    #: Satisfaction (R12): 1–5, from the signing page or the SMS survey.
    rating: Mapped[int | None]
    rating_comment: Mapped[str | None] = mapped_column(sa.Text)
    rating_source: Mapped[str | None] = mapped_column(sa.String(10))
    rated_at: Mapped[datetime | None]
    survey_state: Mapped[SurveyState] = mapped_column(
        sa.Enum(SurveyState, native_enum=False, length=20), default=SurveyState.NONE
    )
    survey_phone: Mapped[str | None] = mapped_column(sa.String(20))
    survey_sent_at: Mapped[datetime | None]
    survey_reminded_at: Mapped[datetime | None]
    #: A copy for the satisfaction KPI, kept right on every flush by dispatch/kpi/counted.py:
    #: the order is neither cancelled nor a duplicate.
    counted: Mapped[bool] = mapped_column(default=True, server_default=sa.true())

    order = relationship("WorkOrder")
    technician = relationship("Technician")
    parts: Mapped[list[ServiceReportPart]] = relationship(
        back_populates="report", order_by="ServiceReportPart.id", cascade="all, delete-orphan"
    )
    signature: Mapped[ServiceReportSignature | None] = relationship(back_populates="report", uselist=False)

    __table_args__ = (
        sa.UniqueConstraint("work_order_id", "revision", name="uq_service_report_order_revision"),
        sa.CheckConstraint("rating IS NULL OR (rating BETWEEN 1 AND 5)", name="rating_range"),
        # The satisfaction KPI: an index-only range scan over the organisation's rating times.
        sa.Index("ix_service_report_kpi", "organisation_id", "rated_at", "counted", "state", "rating"),
    )

    @property
    def is_draft(self) -> bool:
        return self.state is ReportState.DRAFT

    def __repr__(self) -> str:
        return f"<ServiceReport {self.work_order_id} r{self.revision} {self.state}>"


class ServiceReportPart(db.Model):
    """One part replaced: the report owns its part lines (the ledger books them on submission)."""

    __tablename__ = "service_report_part"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("service_report.id"), index=True)
    part_number: Mapped[str] = mapped_column(sa.String(40))
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    quantity: Mapped[int] = mapped_column(default=1)
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    #: The old part is packed and brought back (R11, R14).
    old_part_returns: Mapped[bool] = mapped_column(default=False)
    serial_fitted: Mapped[str | None] = mapped_column(sa.String(60))
    serial_removed: Mapped[str | None] = mapped_column(sa.String(60))

    report: Mapped[ServiceReport] = relationship(back_populates="parts")


class ServiceReportSignature(db.Model):
    """The customer's signature or its evidence: one per report (unique), never altered."""

    __tablename__ = "service_report_signature"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("service_report.id"), unique=True)
    method: Mapped[SignatureMethod] = mapped_column(sa.Enum(SignatureMethod, native_enum=False, length=10))
    signer_name: Mapped[str] = mapped_column(sa.String(120))
    signed_at: Mapped[datetime] = mapped_column(default=clock.now)
    #: From where: the client's IP address (screen), the phone number (SMS), the uploader (paper).
    client_address: Mapped[str | None] = mapped_column(sa.String(64))
    #: The signature PNG, or the paper scan; None for an SMS confirmation (the message is the evidence).
    evidence: Mapped[bytes | None] = mapped_column(sa.LargeBinary, deferred=True)
    evidence_mime: Mapped[str | None] = mapped_column(sa.String(40))
    evidence_sha256: Mapped[str] = mapped_column(sa.String(64))
    inbound_message_id: Mapped[int | None] = mapped_column(sa.ForeignKey("inbound_message.id"))
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    report: Mapped[ServiceReport] = relationship(back_populates="signature")


class ReportLink(db.Model):
    """A one-time link (the token carries its id): the customer's signing page or the
    technician's filling page. Used once; reopening a used signing link only shows the report."""

    __tablename__ = "report_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("service_report.id"), index=True)
    #: sign or fill.
    purpose: Mapped[str] = mapped_column(sa.String(10))
    nonce: Mapped[str] = mapped_column(sa.String(32), unique=True)
    sent_to: Mapped[str | None] = mapped_column(sa.String(20))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    #: The short code sent instead of the link through a template gateway (``short_codes``).
    short_code: Mapped[str | None] = mapped_column(sa.String(8), unique=True)

    report: Mapped[ServiceReport] = relationship()


class ShortCodeTry(db.Model):
    """A refused short signing code, by the address it came from: the rate limit counts them."""

    __tablename__ = "short_code_try"
    __table_args__ = (sa.Index("ix_short_code_try_address", "address", "tried_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str] = mapped_column(sa.String(64))
    tried_at: Mapped[datetime] = mapped_column(default=clock.now)


# -- the model refuses, not only the forms ---------------------------------------------------


def _changed(state, name: str) -> bool:
    return state.attrs[name].history.has_changes()


def _old(state, name: str):
    history = state.attrs[name].history
    if history.deleted:
        return history.deleted[0]
    return history.unchanged[0] if history.unchanged else None


@event.listens_for(ServiceReport, "before_update")
def _refuse_frozen_change(mapper, connection, target: ServiceReport) -> None:
    state = inspect(target)
    old_state = _old(state, "state")
    if old_state is not None and ReportState(old_state) is not ReportState.DRAFT:
        touched = [name for name in CONTENT if _changed(state, name)]
        if touched:
            raise ImmutableReport(
                _("This report is no longer a draft: a correction is a new revision."), fields=touched
            )
    if _old(state, "signed_at") is not None:
        touched = [name for name in SEALED if _changed(state, name)]
        if touched:
            raise ImmutableReport(_("A signed report is never altered."))


@event.listens_for(ServiceReport, "before_delete")
def _refuse_delete(mapper, connection, target: ServiceReport) -> None:
    if target.state is not ReportState.DRAFT:
        raise ImmutableReport(_("A signed report is never altered."))


def _refuse_part_change(mapper, connection, target: ServiceReportPart) -> None:
    report = target.report
    if report is not None and report.state is not ReportState.DRAFT:
        raise ImmutableReport(_("This report is no longer a draft: a correction is a new revision."))


for _name in ("before_insert", "before_update", "before_delete"):
    event.listen(ServiceReportPart, _name, _refuse_part_change)


@event.listens_for(ServiceReportSignature, "before_update")
@event.listens_for(ServiceReportSignature, "before_delete")
def _refuse_signature_change(mapper, connection, target: ServiceReportSignature) -> None:
    raise ImmutableReport(_("A signed report is never altered."))
