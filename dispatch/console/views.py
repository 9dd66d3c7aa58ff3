"""Dispatcher pages. Every query is scoped to the user's organisation: another organisation's
order is simply not found."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Optional

from dispatch.auth.models import Role, User
from dispatch.extensions import db
from dispatch.orders import lifecycle
from dispatch.orders.models import FINAL, Channel, WorkOrder
from dispatch.orders.service import get_order
from dispatch.web import commit, roles_required

bp = Blueprint("console", __name__, url_prefix="/console")

CONSOLE_ROLES = (Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN)
PAGE_SIZE = 50


class TransitionForm(FlaskForm):
    action = HiddenField(validators=[DataRequired()])
    version = IntegerField(validators=[Optional()])
    note = StringField(validators=[Optional()])


class HandoverForm(FlaskForm):
    to_user = SelectField(coerce=int)
    reason = StringField(validators=[DataRequired()])
    version = IntegerField(validators=[Optional()])


def _actor() -> lifecycle.Actor:
    return lifecycle.Actor(Channel.CONSOLE, user_id=current_user.id)


@bp.get("/")
@roles_required(*CONSOLE_ROLES)
def index():
    page = max(request.args.get("page", 1, type=int), 1)
    query = (
        sa.select(WorkOrder)
        .where(WorkOrder.org_id == current_user.org_id, WorkOrder.status.not_in(FINAL))
        .order_by(WorkOrder.reported_at.desc())
    )
    orders = db.paginate(query, page=page, per_page=PAGE_SIZE, error_out=False)
    return render_template("console/index.html", orders=orders)


@bp.get("/orders/<reference>")
@roles_required(*CONSOLE_ROLES)
def order(reference: str):
    order = get_order(db.session, current_user.org_id, reference)
    colleagues = db.session.scalars(
        sa.select(User)
        .where(User.org_id == current_user.org_id, User.active.is_(True))
        .order_by(User.full_name)
    ).all()
    handover_form = HandoverForm(version=order.version)
    handover_form.to_user.choices = [(u.id, u.full_name) for u in colleagues if u.id != order.owner_id]
    return render_template(
        "console/order.html",
        order=order,
        actions=lifecycle.allowed_actions(order),
        form=TransitionForm(version=order.version),
        handover_form=handover_form,
    )


@bp.post("/orders/<reference>/transition")
@roles_required(*CONSOLE_ROLES)
def transition(reference: str):
    order = get_order(db.session, current_user.org_id, reference)
    form = TransitionForm()
    if not form.validate_on_submit():
        flash(_("The form was incomplete or expired; please try again."), "error")
        return redirect(url_for(".order", reference=reference))
    lifecycle.transition(
        db.session,
        order,
        form.action.data,
        _actor(),
        note=form.note.data or None,
        expected_version=form.version.data,
    )
    commit()
    flash(_("%(reference)s is now %(status)s.", reference=order.reference, status=order.status.value), "ok")
    return redirect(url_for(".order", reference=reference))


@bp.post("/orders/<reference>/handover")
@roles_required(*CONSOLE_ROLES)
def handover(reference: str):
    order = get_order(db.session, current_user.org_id, reference)
    form = HandoverForm()
    form.to_user.choices = [
        (u.id, u.full_name)
        for u in db.session.scalars(sa.select(User).where(User.org_id == current_user.org_id)).all()
    ]
    if not form.validate_on_submit():
        flash(_("Choose a colleague and give a reason for the handover."), "error")
        return redirect(url_for(".order", reference=reference))
    lifecycle.ensure_version(order, form.version.data)
    lifecycle.handover(db.session, order, form.to_user.data, _actor(), form.reason.data)
    commit()
    flash(_("Responsibility handed over."), "ok")
    return redirect(url_for(".order", reference=reference))
