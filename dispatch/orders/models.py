"""A work order, its timeline of events and its milestones (deadlines)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dispatch import clock
from dispatch.extensions import db
from dispatch.language import takes_sms


class Status(enum.StrEnum):
    NEW = "new"
    LOCATED = "located"
    NEEDS_LOCATION = "needs_location"
    QUEUED = "queued"
    OFFERED = "offered"
    ACCEPTED = "accepted"
    EN_ROUTE = "en_route"
    ON_SITE = "on_site"
    WORK_DONE = "work_done"
    SIGNED = "signed"
    APPROVED = "approved"
    CLOSED = "closed"
    ON_HOLD = "on_hold"
    CANCELLED = "cancelled"


#: States in which an order is finished; everything else is open.
FINAL = frozenset({Status.CLOSED, Status.CANCELLED})


class Channel(enum.StrEnum):
    PHONE = "phone"
    WEB = "web"
    SMS = "sms"
    OPEN311 = "open311"
    API = "api"
    LETTER = "letter"
    SCHEDULED = "scheduled"
    CONSOLE = "console"
    SYSTEM = "system"


class WorkOrder(db.Model):
    __tablename__ = "work_order"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    #: Human reference, e.g. WO-2026-000123; Open311's service_request_id.
    reference: Mapped[str] = mapped_column(sa.String(20), unique=True)
    type_code: Mapped[str] = mapped_column(sa.String(40), index=True)
    channel: Mapped[Channel] = mapped_column(sa.Enum(Channel, native_enum=False, length=20))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    reporter_name: Mapped[str | None] = mapped_column(sa.String(120))
    #: E.164 (normalised with phonenumbers).
    reporter_phone: Mapped[str | None] = mapped_column(sa.String(20), index=True)
    reporter_language: Mapped[str | None] = mapped_column(sa.String(10))
    address: Mapped[str | None] = mapped_column(sa.String(300))
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    #: Where the position came from: given, registry, gazetteer, geocoder, pin.
    location_source: Mapped[str | None] = mapped_column(sa.String(20))
    #: How exact: exact, building, intersection, street, village, town, …
    location_precision: Mapped[str | None] = mapped_column(sa.String(20))
    #: built_up or outside; None while unplaced.
    zone: Mapped[str | None] = mapped_column(sa.String(20))
    nearest_depot_id: Mapped[int | None] = mapped_column(sa.ForeignKey("depot.id"))
    distance_km: Mapped[float | None]
    priority: Mapped[int] = mapped_column(default=3)
    #: minor or major (a leak's repair class); None when not known.
    severity: Mapped[str | None] = mapped_column(sa.String(10))
    needs_supplier: Mapped[bool] = mapped_column(default=False)
    status: Mapped[Status] = mapped_column(
        sa.Enum(Status, native_enum=False, length=20), default=Status.NEW, index=True
    )
    #: While on hold, the state to go back to.
    held_from: Mapped[Status | None] = mapped_column(sa.Enum(Status, native_enum=False, length=20))
    #: First responsibility (R10): the first person who took the report, until handed over.
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    assignee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("technician.id"), index=True)
    customer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("customer.id"))
    duplicate_of_id: Mapped[int | None] = mapped_column(sa.ForeignKey("work_order.id"))
    #: Short code technicians type in SMS (unique among open jobs).
    job_code: Mapped[str | None] = mapped_column(sa.String(8))
    reported_at: Mapped[datetime] = mapped_column(default=clock.now)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(default=clock.now, onupdate=clock.now)
    closed_at: Mapped[datetime | None]
    #: The earliest due / warning time of its running, unmet milestones; None when no clock runs
    #: or the order is finished. Kept by the deadline engine (``sla.service.keep_next_due``) so
    #: the console sorts and filters the queue on an index instead of grouping milestones.
    next_due_at: Mapped[datetime | None]
    next_warn_at: Mapped[datetime | None]
    #: Optimistic lock: every UPDATE checks and bumps it, so a concurrent change is a conflict.
    version: Mapped[int] = mapped_column(default=1)

    org = relationship("Organisation")
    owner = relationship("User", foreign_keys=[owner_id])
    assignee = relationship("Technician")
    nearest_depot = relationship("Depot")
    customer = relationship("Customer")
    duplicate_of: Mapped[WorkOrder | None] = relationship(remote_side=[id])
    events: Mapped[list[Event]] = relationship(
        back_populates="order", order_by="Event.id", cascade="all, delete-orphan"
    )
    milestones: Mapped[list[Milestone]] = relationship(
        back_populates="order", order_by="Milestone.id", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.Index("ix_work_order_org_status", "org_id", "status"),
        sa.Index("ix_work_order_job_code", "org_id", "job_code"),
        # The console's queue: open orders of an organisation by next due time (and the same
        # with its filters: type, zone), and the map's view box.
        sa.Index("ix_work_order_queue", "org_id", "next_due_at", "reported_at", "id"),
        sa.Index("ix_work_order_queue_type", "org_id", "type_code", "next_due_at"),
        # Covering for the whole-county map grid (position, state, deadline state).
        sa.Index("ix_work_order_map", "org_id", "lat", "lon", "status", "next_due_at", "next_warn_at"),
        # Duplicate detection: the same type nearby lately, one range probe.
        sa.Index("ix_work_order_nearby", "org_id", "type_code", "lat", "lon", "reported_at"),
        # The complaint rate's denominator: an index-only range scan over closing times.
        sa.Index("ix_work_order_kpi_closed", "org_id", "closed_at", "status", "type_code", "duplicate_of_id"),
    )

    @property
    def is_open(self) -> bool:
        return self.status not in FINAL

    @property
    def reporter_takes_sms(self) -> bool:
        """Whether the reporter's number can receive SMS (a mobile)."""
        return takes_sms(self.reporter_phone)

    @property
    def customer_must_be_called(self) -> bool:
        """The reporter gave a landline: no SMS reaches them, news goes by a phone call."""
        return bool(self.reporter_phone) and not self.reporter_takes_sms

    def __repr__(self) -> str:
        return f"<WorkOrder {self.reference} {self.status}>"


class Event(db.Model):
    """One line of an order's timeline: who did what, when, through which channel."""

    __tablename__ = "event"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("work_order.id"), index=True)
    #: A transition name (accept, arrive, …) or another happening (note, handover, sms_sent, …).
    kind: Mapped[str] = mapped_column(sa.String(40))
    from_status: Mapped[Status | None] = mapped_column(sa.Enum(Status, native_enum=False, length=20))
    to_status: Mapped[Status | None] = mapped_column(sa.Enum(Status, native_enum=False, length=20))
    actor_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    actor_technician_id: Mapped[int | None] = mapped_column(sa.ForeignKey("technician.id"))
    channel: Mapped[Channel] = mapped_column(sa.Enum(Channel, native_enum=False, length=20))
    note: Mapped[str | None] = mapped_column(sa.Text)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    at: Mapped[datetime] = mapped_column(default=clock.now)
    #: Its place in commit order (dispatch/orders/commit_order.py); None until its transaction
    #: commits. Readers that follow the timeline resume by this number, never by ``id``.
    seq: Mapped[int | None] = mapped_column(sa.BigInteger, index=True)

    order: Mapped[WorkOrder] = relationship(back_populates="events")
    actor_user = relationship("User")
    actor_technician = relationship("Technician")


class Milestone(db.Model):
    """A deadline of an order: when it is due, when it was met, warned about, breached."""

    __tablename__ = "milestone"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("work_order.id"), index=True)
    #: reply, contact, warning_sign, arrive, review, install_start, resolve
    name: Mapped[str] = mapped_column(sa.String(30))
    #: None while it waits for the event that starts its clock.
    due_at: Mapped[datetime | None]
    warn_at: Mapped[datetime | None]
    met_at: Mapped[datetime | None]
    warned_at: Mapped[datetime | None]
    breached_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]
    #: 24x7 or working_days.
    clock: Mapped[str] = mapped_column(sa.String(20), default="24x7")
    #: The rule variant it came from, e.g. safety_accident.built_up.
    rule: Mapped[str | None] = mapped_column(sa.String(80))
    waits_for: Mapped[str | None] = mapped_column(sa.String(40))
    #: Set by hand by a dispatcher (hot issues that cannot be solved at once).
    manual: Mapped[bool] = mapped_column(default=False)
    #: The calendar did not know the year and fell back to Monday–Friday.
    calendar_warning: Mapped[bool] = mapped_column(default=False)
    #: The event that meets it (on_site, work_done, customer_replied, …), from the rule.
    met_by: Mapped[str | None] = mapped_column(sa.String(40))
    #: On-hold time does not count; the deadline jobs leave it alone while the order is on hold.
    pausable: Mapped[bool] = mapped_column(default=False)
    # Copies of the order's state that the timeliness KPI filters on, so that it reads this
    # table alone (an index range scan); kept right on every flush by dispatch/kpi/counted.py.
    #: The order's organisation.
    org_id: Mapped[int | None] = mapped_column(sa.Integer)
    #: The order is neither cancelled nor a duplicate.
    counted: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    #: The order is on hold now.
    order_held: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    order: Mapped[WorkOrder] = relationship(back_populates="milestones")

    __table_args__ = (
        sa.UniqueConstraint("order_id", "name", name="uq_milestone_order_name"),
        sa.Index("ix_milestone_open_due", "met_at", "due_at"),
        # An order's next unmet deadline in one index probe (the console's queue and map).
        sa.Index("ix_milestone_order_open_due", "order_id", "met_at", "due_at", "warn_at"),
        # The timeliness KPI: an index-only range scan over the organisation's due times.
        sa.Index("ix_milestone_kpi", "org_id", "due_at", "counted", "order_held", "pausable", "met_at"),
    )


class ReferenceCounter(db.Model):
    """The last reference number handed out per year (WO-YYYY-NNNNNN)."""

    __tablename__ = "reference_counter"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(default=0)
