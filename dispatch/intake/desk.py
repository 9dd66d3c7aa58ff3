"""The dispatcher's intake pages: a report taken on the phone, the calls-and-letters log,
unlinking a duplicate, pinning an order that could not be placed. Thin: the operations live in
service.py, calls.py and duplicates.py."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from dispatch.auth.models import Role
from dispatch.errors import DomainError
from dispatch.extensions import db
from dispatch.intake import calls, duplicates
from dispatch.intake.forms import CallLogForm, PhoneInForm, ReplyForm
from dispatch.intake.models import LogKind
from dispatch.intake.service import place_by_hand, take_report
from dispatch.orders.lifecycle import Actor
from dispatch.orders.models import Channel
from dispatch.orders.service import get_order
from dispatch.sla.service import rulebook
from dispatch.web import commit, roles_required

bp = Blueprint("intake", __name__, url_prefix="/intake")
DESK_ROLES = (Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN)


def _actor() -> Actor:
    return Actor(Channel.CONSOLE, user_id=current_user.id)


def _float(value) -> float | None:
    return float(value) if value is not None else None


@bp.route("/phone", methods=["GET", "POST"])
@roles_required(*DESK_ROLES)
def phone_in():
    zh = str(get_locale()).startswith("zh")
    form = PhoneInForm()
    form.type_code.choices = [
        SelectChoice(t.code, t.name_zh if zh else t.name_en)
        for t in rulebook().types_for_org(current_user.org.code)
    ]
    form.fit_to(lambda question: rulebook().asks(current_user.org.code, question))
    if not form.validate_on_submit():
        return render_template("intake/phone_in.html", form=form), 400 if form.is_submitted() else 200
    try:
        result = take_report(
            db.session,
            org=current_user.org,
            type_code=form.type_code.data,
            channel=Channel.PHONE,
            actor=Actor(Channel.PHONE, user_id=current_user.id),
            description=form.description.data or "",
            reporter_name=form.reporter_name.data or None,
            reporter_phone=form.reporter_phone.data or None,
            language=form.language.data,
            address=form.address.data or None,
            account=form.account.data or None,
            severity=(form.severity.data or None) if form.show["severity"] else None,
            needs_supplier=bool(form.needs_supplier.data) and form.show["needs_supplier"],
            lat=_float(form.lat.data),
            lon=_float(form.lon.data),
            coordinates_source="pin",
        )
    except DomainError as exc:
        db.session.rollback()
        field = (
            getattr(
                form,
                {"phone": "reporter_phone"}.get(exc.details.get("field"), "") or exc.details.get("field", ""),
                None,
            )
            or form.description
        )
        field.errors = [*field.errors, exc.message]
        return render_template("intake/phone_in.html", form=form), 400
    type_def = rulebook().type(result.order.type_code)
    calls.log_phone_in(
        db.session,
        result.order,
        result.ack_text,
        current_user.id,
        type_def.name_zh if zh else type_def.name_en,
    )
    commit()
    return render_template("intake/phone_in_done.html", result=result)


@bp.post("/orders/<reference>/unlink")
@roles_required(*DESK_ROLES)
def unlink(reference: str):
    order = get_order(db.session, current_user.org_id, reference)
    duplicates.unlink(db.session, order, _actor())
    commit()
    flash(_("%(reference)s is now a report of its own.", reference=reference), "ok")
    return redirect(url_for("console.order", reference=reference))


@bp.post("/orders/<reference>/pin")
@roles_required(*DESK_ROLES)
def pin(reference: str):
    order = get_order(db.session, current_user.org_id, reference)
    try:
        lat, lon = float(request.form["lat"]), float(request.form["lon"])
    except (KeyError, ValueError):
        raise DomainError(_("Latitude and longitude must be numbers.")) from None
    place_by_hand(db.session, order, lat, lon, _actor(), address=request.form.get("address") or None)
    commit()
    flash(_("%(reference)s is placed.", reference=reference), "ok")
    return redirect(url_for("console.order", reference=reference))


@bp.get("/calls")
@roles_required(*DESK_ROLES)
def call_log():
    archived = request.args.get("archived") == "1"
    return render_template(
        "intake/calls.html",
        entries=calls.entries(db.session, current_user.org_id, archived=archived),
        archived=archived,
    )


@bp.route("/calls/new", methods=["GET", "POST"])
@roles_required(*DESK_ROLES)
def call_new():
    form = CallLogForm()
    if form.validate_on_submit():
        from flask import current_app

        entry = calls.log_entry(
            db.session,
            org_id=current_user.org_id,
            kind=LogKind(form.kind.data),
            correspondent=form.correspondent.data,
            subject=form.subject.data,
            content=form.content.data or "",
            phone=form.phone.data or None,
            address=form.address.data or None,
            received_at=form.received_at.data,
            taken_by_id=current_user.id,
            config=current_app.config,
        )
        commit()
        flash(_("Logged."), "ok")
        return redirect(url_for(".call_entry", entry_id=entry.id))
    return render_template("intake/call_new.html", form=form), 400 if form.is_submitted() else 200


@bp.get("/calls/<int:entry_id>")
@roles_required(*DESK_ROLES)
def call_entry(entry_id: int):
    entry = calls.get_entry(db.session, current_user.org_id, entry_id)
    return render_template("intake/call_entry.html", entry=entry, form=ReplyForm())


@bp.post("/calls/<int:entry_id>/reply")
@roles_required(*DESK_ROLES)
def call_reply(entry_id: int):
    entry = calls.get_entry(db.session, current_user.org_id, entry_id)
    form = ReplyForm()
    if not form.validate_on_submit():
        raise DomainError(_("The reply is empty."))
    calls.record_reply(db.session, entry, form.reply.data, current_user.id)
    commit()
    flash(_("Reply recorded."), "ok")
    return redirect(url_for(".call_entry", entry_id=entry_id))


@bp.post("/calls/<int:entry_id>/archive")
@roles_required(*DESK_ROLES)
def call_archive(entry_id: int):
    entry = calls.get_entry(db.session, current_user.org_id, entry_id)
    calls.archive(db.session, entry, current_user.id)
    commit()
    flash(_("Archived."), "ok")
    return redirect(url_for(".call_log"))
