"""Short signing codes: how a signing link travels through a gateway that sends only templates.

A template gateway refuses a link as a template variable: the link is the organisation's
registered address, fixed in the approved text (``{link}`` in config/sms_templates.toml), and
only a short code follows it — ``https://…/s/<code>``. The code belongs to one signing link
(``ReportLink``: one report, the number it was sent to, the link's expiry, used once), so it is
as single-use and as short-lived as the link. ``/s/<code>`` leads to the same signing page as
the full link. Every refused try (unknown, expired or used code) is recorded against the
address it came from; an address with too many refused tries in the window is refused before
any code is looked up, which bounds guessing far below the size of the code space.
"""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from dispatch import clock
from dispatch.errors import DomainError
from dispatch.reports import links
from dispatch.reports.models import ReportLink, ShortCodeTry

#: No 0/O, 1/I/L: a code read off a phone screen is typed right.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 8
#: Refused tries allowed from one address within WINDOW.
MAX_REFUSED = 10
WINDOW = timedelta(minutes=15)
_SHAPE = re.compile(rf"[{ALPHABET}]{{{LENGTH}}}")


class TooManyTries(DomainError):
    status = 429


def create(session: Session, link: ReportLink) -> str:
    """A fresh code for ``link``. Flushes."""
    while True:
        code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
        if session.scalar(sa.select(ReportLink.id).where(ReportLink.short_code == code)) is None:
            link.short_code = code
            session.flush()
            return code


def _refused_recently(session: Session, address: str) -> int:
    since = clock.now() - WINDOW
    return session.scalar(
        sa.select(sa.func.count())
        .select_from(ShortCodeTry)
        .where(ShortCodeTry.address == address, ShortCodeTry.tried_at >= since)
    )


def _refuse(session: Session, address: str, error: links.LinkError) -> links.LinkError:
    session.add(ShortCodeTry(address=address, tried_at=clock.now()))
    session.flush()
    return error


def resolve(session: Session, code: str, address: str | None) -> str:
    """The signing token a code stands for. Raises ``TooManyTries`` or ``LinkError``; a refusal
    is recorded (flushed: the caller commits it even though it refuses)."""
    address = (address or "unknown")[:64]
    if _refused_recently(session, address) >= MAX_REFUSED:
        raise TooManyTries(_("Too many wrong codes from this connection. Try again in 15 minutes."))
    normal = (code or "").strip().upper()
    link = None
    if _SHAPE.fullmatch(normal):
        link = session.scalar(sa.select(ReportLink).where(ReportLink.short_code == normal))
    if link is None or link.purpose != "sign":
        raise _refuse(
            session,
            address,
            links.LinkError(_("This code is not valid. Check the code in the text message."), "tampered"),
        )
    if link.used_at is not None:
        raise _refuse(session, address, links.LinkError(_("This code has already been used."), "used"))
    if clock.now() > link.expires_at:
        raise _refuse(
            session, address, links.LinkError(_("This code has expired. Ask for a new one."), "expired")
        )
    return links.token_for(link)
