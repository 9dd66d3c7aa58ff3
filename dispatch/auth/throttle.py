"""The per-account login throttle, kept in the database so every process sees the same count.

After ``[auth] lockout_after`` failed logins in a row, the account refuses logins — even with
the right password — for ``lockout_base_s`` seconds, doubling with each further failure up to
``lockout_max_s``. A successful login resets the count. Every failed login is recorded
(``FailedLogin``) with the name typed, the account when it exists and the address, for the
administrator (``/admin/failed-logins``, ``dispatch user failed-logins``).

The per-address limit (flask-limiter on ``POST /login``) stays: it slows one address; this
slows guessing one account from many addresses.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from dispatch import clock
from dispatch.auth.models import User
from dispatch.auth.security_models import FailedLogin


@dataclass(frozen=True)
class ThrottlePolicy:
    after: int = 5
    base_s: float = 30.0
    max_s: float = 900.0

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ThrottlePolicy:
        return cls(
            after=int(config.get("AUTH_LOCKOUT_AFTER", 5)),
            base_s=float(config.get("AUTH_LOCKOUT_BASE_S", 30)),
            max_s=float(config.get("AUTH_LOCKOUT_MAX_S", 900)),
        )

    def delay(self, failures: int) -> timedelta | None:
        if failures < self.after:
            return None
        return timedelta(seconds=min(self.base_s * 2 ** (failures - self.after), self.max_s))


def locked_until(user: User | None) -> datetime | None:
    """When ``user`` may try again, if logins are refused now."""
    if user is None or user.login_locked_until is None or user.login_locked_until <= clock.now():
        return None
    return user.login_locked_until


def lock_user(session: Session, user_id: int) -> User | None:
    """The user row, locked for the rest of the transaction (two processes counting one account's
    failures must not both read the old count)."""
    return session.scalar(sa.select(User).where(User.id == user_id).with_for_update())


def record_failure(
    session: Session,
    policy: ThrottlePolicy,
    username: str,
    user: User | None,
    remote_addr: str | None,
    reason: str,
) -> None:
    """Count a failed login against ``user`` (when the name is an account) and record it. Flushes."""
    if user is not None and reason != "locked":
        user.failed_logins = (user.failed_logins or 0) + 1
        delay = policy.delay(user.failed_logins)
        if delay is not None:
            user.login_locked_until = clock.now() + delay
    session.add(
        FailedLogin(
            username=username[:80],
            user_id=user.id if user is not None else None,
            remote_addr=(remote_addr or "")[:64] or None,
            reason=reason,
        )
    )
    session.flush()


def record_success(user: User) -> None:
    user.failed_logins = 0
    user.login_locked_until = None


def recent_failures(session: Session, *, org_id: int | None = None, limit: int = 200) -> list[FailedLogin]:
    """The latest failed logins, newest first; of one organisation's accounts when ``org_id``."""
    query = sa.select(FailedLogin).order_by(FailedLogin.at.desc(), FailedLogin.id.desc()).limit(limit)
    if org_id is not None:
        query = query.join(User, User.id == FailedLogin.user_id).where(User.org_id == org_id)
    return list(session.scalars(query))
