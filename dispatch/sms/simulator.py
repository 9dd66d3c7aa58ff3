"""The SMS simulator page: text the system as one of the organisation's technicians or as any
citizen, through the same inbound pipeline Twilio's webhook uses, and watch every outbound
message of the organisation with its send state and delivery status.

It is how the offline ``console`` backend is worked, and a quick check on a Twilio deployment.
Dispatchers and admins only; everything shown is the user's own organisation's.
"""

from __future__ import annotations

import uuid

import phonenumbers
import sqlalchemy as sa
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from dispatch.auth.models import Organisation, Role
from dispatch.extensions import db
from dispatch.sms import alerts, directory, inbound
from dispatch.sms.models import InboundMessage, OutboxMessage
from dispatch.web import commit, roles_required

bp = Blueprint("sms_simulator", __name__, url_prefix="/console/sms")

SIMULATOR_ROLES = (Role.DISPATCHER, Role.ADMIN)
PAGE_SIZE = 30
RECENT_INBOUND = 20
#: Twilio takes at most 1 600 characters in one message.
MAX_BODY = 1600


class SimulatedTextForm(FlaskForm):
    sender_kind = RadioField(
        _l("Send as"),
        choices=[
            SelectChoice(inbound.TECHNICIAN, _l("a technician")),
            SelectChoice(inbound.CITIZEN, _l("a citizen")),
        ],
        default=inbound.TECHNICIAN,
    )
    technician = SelectField(_l("Technician"), coerce=int, validators=[Optional()], validate_choice=False)
    citizen_number = StringField(_l("Citizen's number"), validators=[Optional(), Length(max=30)])
    body = TextAreaField(_l("Text"), validators=[Length(max=MAX_BODY)])


def _org_technicians() -> list[directory.Sender]:
    return directory.senders(db.session, current_user.org_id)


def _citizen_number(raw: str) -> str | None:
    """The number in E.164, read in the configured region when it has no +country code."""
    try:
        number = phonenumbers.parse(raw, current_app.config.get("PHONE_REGION", "CN"))
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _visible_inbound():
    """Inbound texts of this organisation: from its technicians, or to its hotline number."""
    org = db.session.get(Organisation, current_user.org_id)
    phones = [s.phone for s in directory.senders(db.session, org.id)]
    condition = InboundMessage.sender.in_(phones)
    if org.sms_number:
        condition = condition | (InboundMessage.recipient == org.sms_number)
    return sa.select(InboundMessage).where(condition)


@bp.get("/simulator")
@roles_required(*SIMULATOR_ROLES)
def page():
    form = SimulatedTextForm()
    technicians = _org_technicians()
    form.technician.choices = [SelectChoice(t.id, f"{t.name} ({t.phone})") for t in technicians]
    page_no = max(request.args.get("page", 1, type=int), 1)
    outbound = db.paginate(
        sa.select(OutboxMessage)
        .where(OutboxMessage.org_id == current_user.org_id)
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc()),
        page=page_no,
        per_page=PAGE_SIZE,
        error_out=False,
    )
    received = db.session.scalars(
        _visible_inbound()
        .order_by(InboundMessage.received_at.desc(), InboundMessage.id.desc())
        .limit(RECENT_INBOUND)
    ).all()
    shown_id = request.args.get("shown", type=int)
    shown = next((m for m in received if m.id == shown_id), None)
    return render_template(
        "sms/simulator.html",
        form=form,
        outbound=outbound,
        received=received,
        shown=shown,
        alerts=alerts.open_alerts(db.session, current_user.org_id),
        technician_names={t.phone: t.name for t in technicians},
    )


@bp.post("/simulator")
@roles_required(*SIMULATOR_ROLES)
def send():
    form = SimulatedTextForm()
    if not form.validate_on_submit():
        flash(_("The text is too long or the form expired; please try again."), "error")
        return redirect(url_for(".page"))
    if form.sender_kind.data == inbound.TECHNICIAN:
        technician = next((s for s in _org_technicians() if s.id == form.technician.data), None)
        if technician is None:
            flash(_("Choose one of your organisation's technicians."), "error")
            return redirect(url_for(".page"))
        sender = technician.phone
    else:
        sender = _citizen_number(form.citizen_number.data or "")
        if sender is None:
            flash(_("Enter the citizen's phone number, e.g. +8613912345678."), "error")
            return redirect(url_for(".page"))
    org = db.session.get(Organisation, current_user.org_id)
    message = inbound.receive(
        db.session,
        provider_id=f"SIM{uuid.uuid4().hex}",
        sender=sender,
        recipient=org.sms_number or current_app.config.get("TWILIO_FROM_NUMBER") or None,
        body=(form.body.data or "").replace("\x00", ""),
    )
    return redirect(url_for(".page", shown=message.id))


@bp.post("/alerts/<int:alert_id>/resolve")
@roles_required(*SIMULATOR_ROLES)
def resolve_alert(alert_id: int):
    alerts.resolve(db.session, current_user.org_id, alert_id, current_user.id)
    commit()
    flash(_("Alert marked as seen."), "ok")
    return redirect(url_for(".page"))
