"""``/status``: a citizen follows a report by its reference and the phone number it came from.

The answer holds only that report: its state in plain words, its promised time and what happens
next, and the technician's first name at most. A wrong reference and a wrong phone number get the
same answer, and lookups are rate-limited per address against guessing. Every public page shows
the day and night supervision numbers with their hours (R20), from ``supervision_lines``.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, render_template, request
from flask_babel import lazy_gettext as _l

from dispatch.auth.models import Organisation
from dispatch.errors import DomainError
from dispatch.extensions import db, limiter
from dispatch.intake.phones import parse_optional
from dispatch.orders.models import Milestone, Status, WorkOrder

bp = Blueprint("status", __name__, url_prefix="/status")

#: What the citizen is told about each state, and what happens next.
NEXT = {
    Status.NEW: _l("We have your report and are working out where it is."),
    Status.LOCATED: _l("We know where it is; a technician is being chosen."),
    Status.NEEDS_LOCATION: _l("We need a more exact place: we will call you."),
    Status.QUEUED: _l("A technician is being chosen."),
    Status.OFFERED: _l("A technician is being chosen."),
    Status.ACCEPTED: _l("A technician has taken the job and will set out."),
    Status.EN_ROUTE: _l("The technician is on the way."),
    Status.ON_SITE: _l("The technician is on site."),
    Status.WORK_DONE: _l("The work is done; you may be asked to confirm it and rate the service."),
    Status.SIGNED: _l("The work is done and confirmed."),
    Status.APPROVED: _l("The work is done and confirmed."),
    Status.CLOSED: _l("This report is closed."),
    Status.ON_HOLD: _l(
        "The work is paused (waiting for parts or for you); we will tell you when it goes on."
    ),
    Status.CANCELLED: _l("This report was cancelled."),
}


def _limit() -> str:
    return current_app.config.get("INTAKE_STATUS_LIMIT", "10 per minute")


def first_name(full: str | None) -> str | None:
    """The first name only: "Li Wei" → "Li"; a Chinese name → its surname with 师傅."""
    if not full:
        return None
    full = full.strip()
    if " " in full:
        return full.split()[0]
    if full and "\u4e00" <= full[0] <= "\u9fff":
        return f"{full[0]}师傅"
    return full


def supervision_lines(org: Organisation | None) -> list[dict]:
    """The organisation's day and night supervision numbers with their hours, for every public
    page (its own, else the settings': ``dispatch.intake.hotline``)."""
    from dispatch.intake.hotline import hotline

    if org is None:
        return []
    line = hotline(org)
    lines = []
    if line.day_phone:
        lines.append(
            {"label": _l("Day"), "phone": line.day_phone, "hours": f"{line.day_from}–{line.day_until}"}
        )
    if line.night_phone:
        lines.append(
            {"label": _l("Night"), "phone": line.night_phone, "hours": f"{line.day_until}–{line.day_from}"}
        )
    return lines


@bp.app_context_processor
def _hotline():
    def public_supervision(org: Organisation | None = None) -> list[dict]:
        """[{"org", "lines"}] for ``org``, else for the organisations the public site serves."""
        orgs = [org] if org is not None else ([public_org()] if public_org() else _all_orgs())
        return [{"org": o, "lines": supervision_lines(o)} for o in orgs if supervision_lines(o)]

    return {"public_supervision": public_supervision}


def _all_orgs() -> list[Organisation]:
    return list(db.session.scalars(sa.select(Organisation).order_by(Organisation.code)))


def public_org() -> Organisation | None:
    """The organisation the public site serves (INTAKE_PUBLIC_ORG), else the only one."""
    code = current_app.config.get("INTAKE_PUBLIC_ORG") or ""
    query = sa.select(Organisation)
    if code:
        return db.session.scalar(query.where(Organisation.code == code))
    orgs = db.session.scalars(query.limit(2)).all()
    return orgs[0] if len(orgs) == 1 else None


def _find(reference: str, phone: str) -> WorkOrder | None:
    try:
        parsed = parse_optional(phone, current_app.config)
    except (DomainError, ValueError):
        return None
    if parsed is None or not reference:
        return None
    order = db.session.scalar(sa.select(WorkOrder).where(WorkOrder.reference == reference.strip().upper()))
    if order is None or order.reporter_phone != parsed.e164:
        return None
    return order


@bp.get("")
@limiter.limit(_limit, exempt_when=lambda: "reference" not in request.args)
def status():
    reference, phone = request.args.get("reference", ""), request.args.get("phone", "")
    asked = "reference" in request.args
    order = _find(reference, phone) if asked else None
    # A report of a problem already reported is handled with the first one: its state is that
    # one's (whose reference, another person's, is not shown).
    handled = order.duplicate_of if order is not None and order.duplicate_of is not None else order
    promised = None
    if handled is not None and handled.status not in (Status.CLOSED, Status.CANCELLED):
        promised = db.session.scalar(
            sa.select(sa.func.max(Milestone.due_at)).where(
                Milestone.order_id == handled.id, Milestone.met_at.is_(None)
            )
        )
    org = order.org if order is not None else public_org()
    return render_template(
        "intake/status.html",
        asked=asked,
        order=order,
        handled=handled,
        promised=promised,
        next_step=NEXT.get(handled.status) if handled is not None else None,
        technician=first_name(handled.assignee.name) if handled is not None and handled.assignee else None,
        reference=reference,
        hotline_org=org,
    ), (200 if order is not None or not asked else 404)
