"""The deadlines slot of the work-order page: set a deadline by hand with the explanation the
citizen receives by SMS (a hot issue, a callback; a landline gets no SMS, so the dispatcher is
told to call instead), and reclassify (severity, needs a supplier). The operations are
:mod:`dispatch.sla.changes`'s; every form carries the order version."""

from __future__ import annotations

from datetime import datetime

from flask import flash
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length

from dispatch import clock
from dispatch.console.actions import OrderAction, in_progress, register
from dispatch.console.assign_actions import _back, _checked, _run
from dispatch.console.blueprint import CONSOLE_ROLES, FULL_PHONE_ROLES, actor, bp, mask_phone
from dispatch.extensions import db
from dispatch.orders.models import WorkOrder
from dispatch.sla import changes
from dispatch.web import roles_required

#: Form values of the reclassification selects; ``keep`` leaves the value as it is.
SEVERITY_VALUES = {"keep": changes.KEEP, "none": None, "minor": "minor", "major": "major"}
SUPPLIER_VALUES = {"keep": changes.KEEP, "yes": True, "no": False}


class DeadlineForm(FlaskForm):
    version = IntegerField(validators=[InputRequired()])
    milestone = StringField(validators=[DataRequired(), Length(max=30)])
    #: datetime-local, read in the configured zone.
    due_at = StringField(validators=[DataRequired()])
    explanation = TextAreaField(validators=[DataRequired(), Length(max=500)])


class ReclassifyForm(FlaskForm):
    version = IntegerField(validators=[InputRequired()])
    severity = SelectField(choices=list(SEVERITY_VALUES), validators=[AnyOf(list(SEVERITY_VALUES))])
    needs_supplier = SelectField(choices=list(SUPPLIER_VALUES), validators=[AnyOf(list(SUPPLIER_VALUES))])
    reason = StringField(validators=[DataRequired(), Length(max=500)])


def settable(order: WorkOrder) -> list:
    """The order's open milestones whose rule lets a dispatcher set them by hand."""
    return [m for m in order.milestones if m.met_at is None and changes._may_set(m.rule, m.name)]


@bp.app_context_processor
def _deadline_globals():
    return {"settable_milestones": settable}


@bp.post("/orders/<reference>/deadline")
@roles_required(*CONSOLE_ROLES)
def set_deadline(reference: str):
    form = DeadlineForm()
    order = _checked(reference, form)
    if order is None:
        return _back(reference)
    try:
        due_at = clock.check_range(datetime.fromisoformat(form.due_at.data))
    except ValueError:
        flash(_("Give the new deadline as a date and time."), "error")
        return _back(reference)
    return _run(
        reference,
        lambda: changes.set_deadline(
            db.session, order, form.milestone.data, due_at, form.explanation.data, actor(),
            expected_version=form.version.data,
        ),
        lambda moved: _deadline_set(order, moved),
    )  # fmt: skip


def _deadline_set(order: WorkOrder, moved: list) -> str:
    """What became of a deadline set by hand: the explanation goes by SMS to a mobile only."""
    if not moved:
        return _("That is already the deadline: nothing changed, nobody is told.")
    if order.reporter_takes_sms:
        return _("Deadline set; the caller is told why.")
    if order.reporter_phone:
        return _(
            "Deadline set. No SMS reaches a landline: call the customer on %(phone)s and tell them "
            "the new deadline and why.",
            phone=mask_phone(order.reporter_phone, current_user.has_role(*FULL_PHONE_ROLES)),
        )
    return _("Deadline set. The report has no phone number: nobody can be told by SMS.")


@bp.post("/orders/<reference>/reclassify")
@roles_required(*CONSOLE_ROLES)
def reclassify(reference: str):
    form = ReclassifyForm()
    order = _checked(reference, form)
    if order is None:
        return _back(reference)
    return _run(
        reference,
        lambda: changes.reclassify(
            db.session, order, severity=SEVERITY_VALUES[form.severity.data],
            needs_supplier=SUPPLIER_VALUES[form.needs_supplier.data], actor=actor(),
            reason=form.reason.data, expected_version=form.version.data,
        ),
        _("Reclassified; deadlines recomputed."),
    )  # fmt: skip


for _action in (
    OrderAction(
        "set_deadline",
        "deadlines",
        _l("Set a deadline by hand"),
        "console/actions/_set_deadline.html",
        lambda order, _user: in_progress(order) and bool(settable(order)),
        rank=10,
    ),
    OrderAction(
        "reclassify",
        "deadlines",
        _l("Reclassify"),
        "console/actions/_reclassify.html",
        in_progress,
        rank=20,
    ),
):
    register(_action)
