"""One-time links by SMS: the customer's signing page and the technician's filling page.

The token is signed with the application's secret (``itsdangerous``), carries the link's id and
a random nonce, and expires; the link row records when it was used. A tampered token, an expired
one and a used one are each refused with their own clear message.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from dispatch import clock
from dispatch.errors import DomainError
from dispatch.reports.models import ReportLink, ServiceReport
from dispatch.reports.rules import rules

SALT = "service-report-link"
#: The pages' paths (dispatch/reports/views.py); built by hand: SMS go out without a request.
PATH = {"sign": "/r/", "fill": "/t/"}


class LinkError(DomainError):
    """``kind``: tampered, expired, used."""

    status = 403

    def __init__(self, message: str, kind: str):
        super().__init__(message, kind=kind)
        self.kind = kind


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def create(session: Session, report: ServiceReport, purpose: str, sent_to: str | None = None) -> str:
    """A new link for ``purpose`` (sign or fill); returns the full URL under PUBLIC_BASE_URL."""
    return url_for_link(create_link(session, report, purpose, sent_to))


def create_link(
    session: Session, report: ServiceReport, purpose: str, sent_to: str | None = None
) -> ReportLink:
    """A new link row for ``purpose``. Flushes."""
    hours = rules().sign_link_hours if purpose == "sign" else rules().fill_link_hours
    link = ReportLink(
        report=report,
        purpose=purpose,
        nonce=secrets.token_hex(16),
        sent_to=sent_to,
        created_at=clock.now(),
        expires_at=clock.now() + timedelta(hours=hours),
    )
    session.add(link)
    session.flush()
    return link


def token_for(link: ReportLink) -> str:
    return _serializer().dumps({"l": link.id, "n": link.nonce})


def url_for_link(link: ReportLink) -> str:
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    return base + PATH[link.purpose] + token_for(link)


def resolve(session: Session, token: str, purpose: str) -> ReportLink:
    """The link a token stands for. Raises ``LinkError`` (tampered / expired); a used link is
    returned as it is — the caller decides (a GET shows the report, a POST is refused)."""
    try:
        data = _serializer().loads(token, max_age=int(rules().sign_link_hours * 3600) + 60)
    except SignatureExpired:
        raise LinkError(_("This link has expired. Ask for a new one."), "expired") from None
    except BadSignature:
        raise LinkError(_("This link is not valid. Check that it was copied whole."), "tampered") from None
    link = session.get(ReportLink, data.get("l")) if isinstance(data, dict) else None
    if link is None or link.nonce != data.get("n") or link.purpose != purpose:
        raise LinkError(_("This link is not valid. Check that it was copied whole."), "tampered")
    if link.used_at is None and clock.now() > link.expires_at:
        raise LinkError(_("This link has expired. Ask for a new one."), "expired")
    return link


def ensure_unused(link: ReportLink) -> None:
    if link.used_at is not None:
        raise LinkError(
            _("This link has already been used; the report cannot be changed through it."), "used"
        )


def use(link: ReportLink) -> None:
    ensure_unused(link)
    link.used_at = clock.now()
