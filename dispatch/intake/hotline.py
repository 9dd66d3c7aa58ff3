"""Each organisation's supervision hotline (R20): its day and night numbers and the hours of the
day number, shown on every public page of that organisation and given in acknowledgements.

An organisation's own values win; what it leaves empty falls back to the settings ([intake]
supervision_phone_day / supervision_phone_night / supervision_day_from / supervision_day_until).
An administrator edits them at ``/admin/hotline``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import Session

from dispatch.auth.models import Organisation, Role
from dispatch.errors import DomainError
from dispatch.extensions import db

bp = Blueprint("hotline", __name__)

_HOURS = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_PHONE = re.compile(r"^[0-9+()\- ]{3,40}$")


class HotlineError(DomainError):
    status = 400


@dataclass(frozen=True)
class Hotline:
    day_phone: str | None
    night_phone: str | None
    #: "HH:MM", local time: the day number is given from ``day_from`` until ``day_until``.
    day_from: str
    day_until: str

    def is_day(self, local: time) -> bool:
        start, end = _time(self.day_from), _time(self.day_until)
        if start <= end:
            return start <= local < end
        return local >= start or local < end  # day hours across midnight


def _time(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def _setting(name: str, default: str = "") -> str:
    value = str(current_app.config.get(f"INTAKE_SUPERVISION_{name.upper()}", default) or "").strip()
    return value


def hotline(org: Organisation) -> Hotline:
    """The organisation's hotline, its empty fields filled from the settings."""
    day_from = org.supervision_day_from or _setting("day_from", "08:00")
    day_until = org.supervision_day_until or _setting("day_until", "20:00")
    if not _HOURS.match(day_from):
        day_from = "08:00"
    if not _HOURS.match(day_until):
        day_until = "20:00"
    return Hotline(
        day_phone=org.supervision_phone_day or _setting("phone_day") or None,
        night_phone=org.supervision_phone_night or _setting("phone_night") or None,
        day_from=day_from,
        day_until=day_until,
    )


def update(session: Session, org: Organisation, **values: str) -> None:
    """Set the organisation's numbers and hours (an empty value: use the settings'). Raises
    HotlineError for a malformed number or time, and then changes nothing."""
    clean = {}
    for field in ("supervision_phone_day", "supervision_phone_night"):
        value = (values.get(field) or "").strip()
        if value and not _PHONE.match(value):
            raise HotlineError(_("Not a phone number: %(value)s", value=value), field=field)
        clean[field] = value or None
    for field in ("supervision_day_from", "supervision_day_until"):
        value = (values.get(field) or "").strip()
        if value and not _HOURS.match(value):
            raise HotlineError(_("Not a time of day (HH:MM): %(value)s", value=value), field=field)
        clean[field] = value or None
    for field, value in clean.items():
        setattr(org, field, value)
    session.flush()


FIELDS = ("supervision_phone_day", "supervision_phone_night", "supervision_day_from", "supervision_day_until")


@bp.route("/admin/hotline", methods=["GET", "POST"])
@login_required
def edit():
    """The organisation's supervision hotline, as the public sees it, and the form to change it."""
    if not current_user.has_role(Role.ADMIN):
        abort(403)
    org = db.session.get(Organisation, current_user.org_id)
    error = None
    if request.method == "POST":
        try:
            update(db.session, org, **{f: request.form.get(f, "") for f in FIELDS})
        except HotlineError as exc:
            db.session.rollback()
            error = str(exc)
        else:
            db.session.commit()
            flash(_("Supervision hotline saved."), "ok")
            return redirect(url_for("hotline.edit"))
    return render_template(
        "auth/hotline.html", org=org, shown=hotline(org), error=error, defaults=hotline(Organisation())
    )
