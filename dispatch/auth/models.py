"""Who: organisations, users with roles, API keys, and the supervisors' duty roster."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from dispatch import clock
from dispatch.extensions import db


class Role(enum.StrEnum):
    DISPATCHER = "dispatcher"
    TECHNICIAN = "technician"
    WAREHOUSE = "warehouse"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


class Organisation(db.Model):
    """One served organisation; every record of the system belongs to exactly one."""

    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name_zh: Mapped[str] = mapped_column(sa.String(200))
    name_en: Mapped[str] = mapped_column(sa.String(200))
    #: The organisation's hotline number that citizens text (E.164), if it has one.
    sms_number: Mapped[str | None] = mapped_column(sa.String(20))
    #: Open311 jurisdiction_id; decides where a request goes when two organisations offer a code.
    jurisdiction_id: Mapped[str | None] = mapped_column(sa.String(100), unique=True)
    #: Supervision hotline shown to the public (R20), day and night.
    supervision_phone_day: Mapped[str | None] = mapped_column(sa.String(40))
    supervision_phone_night: Mapped[str | None] = mapped_column(sa.String(40))
    #: Local "HH:MM" between which the day number is given (the night one otherwise); empty:
    #: the settings' [intake] supervision_day_from / supervision_day_until.
    supervision_day_from: Mapped[str | None] = mapped_column(sa.String(5))
    supervision_day_until: Mapped[str | None] = mapped_column(sa.String(5))

    def name(self, locale: str) -> str:
        return self.name_zh if locale.startswith("zh") else self.name_en


class User(UserMixin, db.Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    username: Mapped[str] = mapped_column(sa.String(80), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(120))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(sa.Enum(Role, native_enum=False, length=20))
    #: "zh_Hans_CN" or "en"; pages follow the browser unless the user chose.
    language: Mapped[str | None] = mapped_column(sa.String(20))
    phone: Mapped[str | None] = mapped_column(sa.String(20))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    #: Bumped by logout, a password change and "sign out everywhere": a session cookie carrying
    #: an older number no longer opens anything.
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")
    #: Failed logins in a row (the per-account throttle) and until when logins are refused.
    failed_logins: Mapped[int] = mapped_column(default=0, server_default="0")
    login_locked_until: Mapped[datetime | None]

    org: Mapped[Organisation] = relationship()

    def get_id(self) -> str:  # Flask-Login: the session names the user *and* the generation
        return f"{self.id}:{self.session_generation}"

    @property
    def is_active(self) -> bool:  # Flask-Login: deactivated users cannot log in
        return self.active

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles


class ApiKey(db.Model):
    """A key for the JSON API (X-API-Key) and Open311 (api_key). Only its SHA-256 is stored."""

    __tablename__ = "api_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    key_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: The first characters of the key, to tell keys apart in listings.
    prefix: Mapped[str] = mapped_column(sa.String(12))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    revoked_at: Mapped[datetime | None]

    org: Mapped[Organisation] = relationship()


class DutyShift(db.Model):
    """A supervisor on duty for a period (day or night); escalations go to whoever is on duty."""

    __tablename__ = "duty_shift"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    #: "day" or "night".
    shift: Mapped[str] = mapped_column(sa.String(10))

    user: Mapped[User] = relationship()

    __table_args__ = (sa.Index("ix_duty_shift_org_period", "org_id", "starts_at", "ends_at"),)
