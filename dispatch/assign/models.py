"""Technicians and partner service stations: the people and companies a job can be given to."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dispatch import clock
from dispatch.extensions import db


class AssigneeKind(enum.StrEnum):
    TECHNICIAN = "technician"
    #: A partner service station: a company with a duty phone (the coach maker's network).
    STATION = "station"


class DutyStatus(enum.StrEnum):
    ON_DUTY = "on_duty"
    OFF_DUTY = "off_duty"
    ON_LEAVE = "on_leave"


class Technician(db.Model):
    __tablename__ = "technician"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    kind: Mapped[AssigneeKind] = mapped_column(
        sa.Enum(AssigneeKind, native_enum=False, length=20), default=AssigneeKind.TECHNICIAN
    )
    name: Mapped[str] = mapped_column(sa.String(120))
    #: E.164. A registered number drives jobs by SMS; so it is unique across organisations.
    phone: Mapped[str] = mapped_column(sa.String(20), unique=True)
    language: Mapped[str] = mapped_column(sa.String(10), default="zh")
    skills: Mapped[list[str]] = mapped_column(default=list)
    home_depot_id: Mapped[int | None] = mapped_column(sa.ForeignKey("depot.id"))
    duty_status: Mapped[DutyStatus] = mapped_column(
        sa.Enum(DutyStatus, native_enum=False, length=20), default=DutyStatus.OFF_DUTY
    )
    #: While on leave, jobs go to this colleague (同岗替代, R8).
    substitute_id: Mapped[int | None] = mapped_column(sa.ForeignKey("technician.id"))
    leave_until: Mapped[datetime | None]
    #: Last known position. A basic phone reports none: it is the last job site, the home depot
    #: at the start of a shift, or where a dispatcher put it.
    last_lat: Mapped[float | None]
    last_lon: Mapped[float | None]
    last_position_at: Mapped[datetime | None]
    last_position_source: Mapped[str | None] = mapped_column(sa.String(20))
    #: Open jobs beyond which no new offer is made.
    max_load: Mapped[int] = mapped_column(default=3)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    home_depot = relationship("Depot")
    substitute: Mapped[Technician | None] = relationship(remote_side=[id])


class OfferState(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    #: Nobody answered within the offer's timeout.
    EXPIRED = "expired"
    #: A colleague accepted first (broadcast), or a dispatcher assigned someone else.
    TAKEN = "taken"
    #: The dispatcher took the offer back (unassigned, cancelled, reassigned).
    WITHDRAWN = "withdrawn"
    #: The offer SMS could not be delivered.
    UNDELIVERED = "undelivered"


#: The states in which an offer is still waiting for its answer.
OPEN_OFFER_STATES = frozenset({OfferState.PENDING})


class Offer(db.Model):
    """A job offered to one technician by SMS, answered by reply, lapsing after a timeout.

    Concurrency: every change bumps ``version`` (optimistic lock), and a partial unique index
    allows one accepted offer per work order, so two technicians answering a broadcast at the
    same moment can never both win — the loser's transaction fails and he is told it is taken.
    """

    __tablename__ = "offer"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    work_order_id: Mapped[int] = mapped_column(sa.ForeignKey("work_order.id"), index=True)
    technician_id: Mapped[int] = mapped_column(sa.ForeignKey("technician.id"), index=True)
    state: Mapped[OfferState] = mapped_column(
        sa.Enum(OfferState, native_enum=False, length=20), default=OfferState.PENDING
    )
    #: Part of a broadcast to several technicians (first accept wins).
    broadcast: Mapped[bool] = mapped_column(default=False)
    #: The technician this one stands in for (同岗替代), when he was offered the job as substitute.
    stands_in_for_id: Mapped[int | None] = mapped_column(sa.ForeignKey("technician.id"))
    #: Ranking figures at the time of the offer, shown to the dispatcher.
    distance_km: Mapped[float | None]
    eta_min: Mapped[float | None]
    can_meet: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    expires_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]
    #: Why it was declined (the technician's words) or why it lapsed.
    reason: Mapped[str | None] = mapped_column(sa.String(200))
    #: The offer SMS, so an undelivered message moves the job on.
    outbox_message_id: Mapped[int | None] = mapped_column(sa.ForeignKey("outbox_message.id"), index=True)
    version: Mapped[int] = mapped_column(default=1)

    technician: Mapped[Technician] = relationship(foreign_keys=[technician_id])
    stands_in_for: Mapped[Technician | None] = relationship(foreign_keys=[stands_in_for_id])
    order = relationship("WorkOrder")
    outbox_message = relationship("OutboxMessage")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.Index("ix_offer_due", "state", "expires_at"),
        # One winner per order, whatever the races: a second accepted offer cannot be written.
        sa.Index(
            "uq_offer_one_accepted",
            "work_order_id",
            unique=True,
            sqlite_where=sa.text("state = 'ACCEPTED'"),
            postgresql_where=sa.text("state = 'ACCEPTED'"),
        ),
    )


class JobCode(db.Model):
    """The short code technicians type for a job, held while the job is open.

    Unique per organisation among open jobs; released when the order is closed or cancelled so
    the code can be reused. (The code is copied to ``WorkOrder.job_code`` for display.)
    """

    __tablename__ = "job_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"))
    code: Mapped[str] = mapped_column(sa.String(8))
    work_order_id: Mapped[int] = mapped_column(sa.ForeignKey("work_order.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    __table_args__ = (sa.UniqueConstraint("org_id", "code", name="uq_job_code_org_code"),)


class DispatchAlert(db.Model):
    """Something the dispatcher must act on: nobody accepted in time, nobody could be offered."""

    __tablename__ = "dispatch_alert"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    work_order_id: Mapped[int] = mapped_column(sa.ForeignKey("work_order.id"), index=True)
    #: no_acceptance (share of the window gone, nobody accepted) or no_candidates.
    kind: Mapped[str] = mapped_column(sa.String(30))
    message: Mapped[str] = mapped_column(sa.String(300))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    order = relationship("WorkOrder")

    __table_args__ = (
        # Raised once per order and kind while open: a sweep running in several workers cannot
        # raise it twice.
        sa.UniqueConstraint("work_order_id", "kind", name="uq_dispatch_alert_order_kind"),
    )
