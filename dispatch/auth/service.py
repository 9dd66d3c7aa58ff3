"""Users and API keys: creating them and checking them."""

from __future__ import annotations

import hashlib
import secrets

import sqlalchemy as sa
from sqlalchemy.orm import Session

from dispatch import clock
from dispatch.auth.models import ApiKey, DutyShift, Organisation, Role, User
from dispatch.errors import DomainError, NotFound


def organisation(session: Session, code: str) -> Organisation:
    org = session.scalar(sa.select(Organisation).where(Organisation.code == code))
    if org is None:
        raise NotFound(f"No organisation with code {code!r}.")
    return org


def create_user(
    session: Session,
    *,
    org: Organisation,
    username: str,
    password: str,
    role: Role,
    full_name: str | None = None,
    language: str | None = None,
    phone: str | None = None,
) -> User:
    if len(password) < 8:
        raise DomainError("A password needs at least 8 characters.")
    if session.scalar(sa.select(User.id).where(User.username == username)):
        raise DomainError(f"The username {username!r} is taken.")
    user = User(
        org_id=org.id,
        username=username,
        full_name=full_name or username,
        role=role,
        language=language,
        phone=phone,
    )
    user.set_password(password)
    session.add(user)
    session.flush()
    return user


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_api_key(session: Session, org: Organisation, name: str) -> str:
    """A new key for the JSON API and Open311. Returns the key; only its hash is kept."""
    key = "dk_" + secrets.token_urlsafe(32)
    session.add(ApiKey(org_id=org.id, name=name, key_hash=_hash(key), prefix=key[:10]))
    session.flush()
    return key


def check_api_key(session: Session, key: str | None) -> ApiKey | None:
    """The live key matching ``key``, or None (unknown, revoked or empty)."""
    if not key:
        return None
    found = session.scalar(sa.select(ApiKey).where(ApiKey.key_hash == _hash(key.strip())))
    if found is None or found.revoked_at is not None:
        return None
    return found


def revoke_api_key(session: Session, org: Organisation, prefix: str) -> int:
    keys = session.scalars(
        sa.select(ApiKey).where(ApiKey.org_id == org.id, ApiKey.prefix == prefix, ApiKey.revoked_at.is_(None))
    ).all()
    for key in keys:
        key.revoked_at = clock.now()
    return len(keys)


def supervisor_on_duty(session: Session, org_id: int, at=None) -> User | None:
    """Who escalations go to at ``at``: the rostered supervisor, else any active supervisor."""
    at = at or clock.now()
    shift = session.scalar(
        sa.select(DutyShift)
        .where(DutyShift.org_id == org_id, DutyShift.starts_at <= at, DutyShift.ends_at > at)
        .order_by(DutyShift.starts_at.desc())
    )
    if shift is not None:
        return shift.user
    return session.scalar(
        sa.select(User)
        .where(User.org_id == org_id, User.role == Role.SUPERVISOR, User.active.is_(True))
        .order_by(User.id)
    )
