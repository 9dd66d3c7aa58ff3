"""What the login throttle records: every failed login, for the administrator."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dispatch import clock
from dispatch.auth.models import User
from dispatch.extensions import db


class FailedLogin(db.Model):
    """One failed login: the name typed, the account when it exists, the address, why."""

    __tablename__ = "failed_login"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=clock.now, index=True)
    #: The username as typed (cut to 80 characters).
    username: Mapped[str] = mapped_column(sa.String(80))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    remote_addr: Mapped[str | None] = mapped_column(sa.String(64))
    #: "password" (wrong password or unknown name), "locked" (tried while locked), "inactive".
    reason: Mapped[str] = mapped_column(sa.String(20))

    user: Mapped[User | None] = relationship()
