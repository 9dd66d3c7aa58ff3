"""The public report form: for citizens, on a phone or a desk, in both languages.

CSRF-protected and rate-limited per address (``[intake] web_form_limit``). The place is an
address or landmark, or a pin given as latitude/longitude ("use my location" fills them).
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, render_template
from flask_babel import get_locale
from wtforms import SelectChoice

from dispatch.auth.models import Organisation
from dispatch.errors import DomainError
from dispatch.extensions import db, limiter
from dispatch.intake.forms import PublicReportForm
from dispatch.intake.service import take_report
from dispatch.orders.lifecycle import Actor
from dispatch.orders.models import Channel
from dispatch.sla.service import rulebook
from dispatch.web import commit

bp = Blueprint("report", __name__, url_prefix="/report")


def service_choices(locale: str) -> list[SelectChoice]:
    orgs = db.session.scalars(sa.select(Organisation).order_by(Organisation.id)).all()
    zh = locale.startswith("zh")
    choices = []
    for org in orgs:
        for type_def in rulebook().types_for_org(org.code):
            name = type_def.name_zh if zh else type_def.name_en
            label = name if len(orgs) == 1 else f"{org.name(locale)} — {name}"
            choices.append(SelectChoice(f"{org.code}:{type_def.code}", label))
    return choices


def _form_limit() -> str:
    return current_app.config.get("INTAKE_WEB_FORM_LIMIT", "5 per minute")


@bp.route("", methods=["GET", "POST"])
@limiter.limit(_form_limit, methods=["POST"])
def form():
    locale = str(get_locale())
    form = PublicReportForm()
    form.service.choices = [SelectChoice("", "—"), *service_choices(locale)]
    if not form.validate_on_submit():
        status = 400 if form.is_submitted() else 200
        return render_template("intake/public_form.html", form=form), status
    org_code, _sep, type_code = form.service.data.partition(":")
    org = db.session.scalar(sa.select(Organisation).where(Organisation.code == org_code))
    try:
        if org is None:
            raise DomainError("Unknown organisation.", field="service")
        result = take_report(
            db.session,
            org=org,
            type_code=type_code,
            channel=Channel.WEB,
            actor=Actor(Channel.WEB),
            description=form.description.data or "",
            reporter_name=form.reporter_name.data or None,
            reporter_phone=form.reporter_phone.data or None,
            language="zh" if locale.startswith("zh") else "en",
            address=form.address.data or None,
            lat=float(form.lat.data) if form.lat.data is not None else None,
            lon=float(form.lon.data) if form.lon.data is not None else None,
            coordinates_source="device" if form.place_source.data == "device" else "pin",
        )
    except DomainError as exc:
        db.session.rollback()
        name = {"type_code": "service", "phone": "reporter_phone"}.get(exc.details.get("field"), "")
        field = getattr(form, name or exc.details.get("field", ""), None) or form.description
        field.errors = [*field.errors, exc.message]
        return render_template("intake/public_form.html", form=form), 400
    commit()
    return render_template("intake/public_thanks.html", result=result)
