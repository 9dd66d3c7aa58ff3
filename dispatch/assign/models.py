"""Technicians and partner service stations: the people and companies a job can be given to."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

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
