"""The console blueprint and what its pages share: the actor, phone masking, labels, links."""

from __future__ import annotations

from datetime import datetime

import phonenumbers
from flask import Blueprint, current_app, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from dispatch import clock
from dispatch.auth.models import Role
from dispatch.console import labels, live
from dispatch.console.actions import CONSOLE_ROLES
from dispatch.extensions import db
from dispatch.orders import lifecycle
from dispatch.orders.models import Channel
from dispatch.sla.service import worked_on_site

bp = Blueprint("console", __name__, url_prefix="/console")

__all__ = ["bp", "CONSOLE_ROLES", "actor", "mask_phone"]

#: Roles that see phone numbers in full: they call citizens back and ring technicians. Everyone
#: else on the console (an administrator) sees them masked, e.g. +86138****5678.
FULL_PHONE_ROLES = (Role.DISPATCHER, Role.SUPERVISOR)

#: Pages of other packages linked from the console when (and only when) they are installed.
LINKED_PAGES = (
    ("intake.phone_in", _l("Phone-in")),
    ("sms_simulator.page", _l("SMS simulator")),
    ("intake.call_log", _l("Calls and letters")),
    ("console.reports", _l("Service reports")),
    ("complaints.register", _l("Complaints")),
)
#: Pages only supervisors and administrators are linked to.
SUPERVISOR_PAGES = (("kpi.dashboard", _l("KPIs")), ("complaints.staff", _l("Staff accountability")))


def actor() -> lifecycle.Actor:
    return lifecycle.Actor(Channel.CONSOLE, user_id=current_user.id)


def mask_phone(number: str | None, full: bool) -> str:
    """The number as the reader may see it: whole, or its country/operator prefix and last 4 digits.
    A landline is shown whole as it is dialled at home ("0377 6622 1750"), the way a dispatcher
    calls it; a mobile as stored."""
    if not number:
        return ""
    if full:
        return landline_national(number) or number
    if len(number) < 8:
        return number
    keep = 6 if number.startswith("+") else 3
    return number[:keep] + "*" * (len(number) - keep - 4) + number[-4:]


def landline_national(number: str) -> str | None:
    """A fixed-line E.164 number in its national format; None for a mobile or an unreadable one."""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return None
    if phonenumbers.number_type(parsed) != phonenumbers.PhoneNumberType.FIXED_LINE:
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)


def locale() -> str:
    return str(get_locale())


@bp.app_template_filter("phone")
def _phone_filter(number: str | None) -> str:
    full = getattr(current_user, "is_authenticated", False) and current_user.has_role(*FULL_PHONE_ROLES)
    return mask_phone(number, full)


@bp.app_template_filter("when")
def _when_filter(dt: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return clock.local(dt).strftime(fmt) if dt else ""


@bp.app_template_filter("short_when")
def _short_when_filter(dt: datetime | None) -> str:
    return clock.short(dt)


@bp.app_context_processor
def _console_globals():
    def linked_pages():
        return [
            (url_for(endpoint), text)
            for endpoint, text in LINKED_PAGES
            + (SUPERVISOR_PAGES if current_user.has_role(Role.SUPERVISOR, Role.ADMIN) else ())
            if endpoint in current_app.view_functions
        ]

    return {
        "linked_pages": linked_pages,
        "live_last_event": lambda: live.last_event_id(db.session, current_user.org_id),
        "status_label": lambda code: labels.label(labels.STATUS, code),
        "channel_label": lambda code: labels.label(labels.CHANNEL, code),
        "milestone_label": lambda code: labels.label(labels.MILESTONE, code),
        "sla_label": lambda code: labels.label(labels.SLA_STATE, code),
        "zone_label": lambda code: labels.label(labels.ZONE, code),
        "duty_label": lambda code: labels.label(labels.DUTY, code),
        "event_label": lambda code: labels.label(labels.EVENT, code),
        "clock_start": labels.clock_start,
        "eta_label": labels.eta,
        "sees_full_phones": lambda: current_user.has_role(*FULL_PHONE_ROLES),
        "due_reason": lambda code: labels.label(labels.DUE_REASON, code),
        "source_label": lambda code: labels.label(labels.LOCATION_SOURCE, code),
        "precision_label": lambda code: labels.label(labels.PRECISION, code),
        "send_label": lambda code: labels.label(labels.SEND_STATE, code),
        "offer_label": lambda code: labels.label(labels.OFFER_STATE, code),
        "system_note": lambda text: labels.label(labels.SYSTEM_NOTE, text),
        "skills_label": lambda codes: ", ".join(labels.label(labels.SKILL, c) for c in codes or ()),
        "type_name": lambda code: labels.type_name(code, locale()),
        "worked_on_site": worked_on_site,
        "is_console_user": lambda: (
            getattr(current_user, "is_authenticated", False) and current_user.has_role(*CONSOLE_ROLES)
        ),
    }
