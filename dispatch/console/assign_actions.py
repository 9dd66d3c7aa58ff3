"""The assignment slot of the work-order page: assign or reassign to a ranked candidate, record an
acceptance made by phone, broadcast the job. Each form posts here; the operations are
:mod:`dispatch.assign.dispatcher`'s and :mod:`dispatch.assign.offers`', ranked by
:mod:`dispatch.assign.ranking`.

Assigning from the console offers the job to the technician the dispatcher picked (his offer SMS
carries the job code); the job is his when he answers ``Y <code>`` — the console never accepts on
a technician's behalf, except to record an acceptance he made on the phone. Reassigning an
accepted job takes it back from its technician (who is told) and offers it to the one picked.

Every form carries the order version the dispatcher saw: a job changed in the meantime is a 409
page that says so, never a silent overwrite.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField
from wtforms.validators import InputRequired, Length, Optional

from dispatch.assign import dispatcher, offers
from dispatch.assign.models import Technician
from dispatch.assign.ranking import target_milestone
from dispatch.assign.texts import in_language
from dispatch.console.actions import OrderAction, register
from dispatch.console.blueprint import CONSOLE_ROLES, actor, bp
from dispatch.errors import ConflictError, DomainError
from dispatch.extensions import db
from dispatch.orders.models import WorkOrder
from dispatch.orders.service import get_order
from dispatch.web import commit, roles_required

#: How many ranked candidates the page lists.
CANDIDATES_SHOWN = 8


class VersionForm(FlaskForm):
    version = IntegerField(validators=[InputRequired()])


class TechnicianForm(VersionForm):
    technician = IntegerField(validators=[InputRequired()])
    note = StringField(validators=[Optional(), Length(max=500)])


def candidates(order: WorkOrder) -> dict:
    """The ranked candidates for the page: technician, ETA in minutes (None: position unknown),
    distance, load and whether each can be on site before the deadline aimed for."""
    # Whoever holds the job, or an offer of it still waiting for his answer, is not offered it again.
    holding = {o.technician_id for o in offers.pending_offers(db.session, order)}
    if order.assignee_id:
        holding.add(order.assignee_id)
    found = offers.ranked(db.session, order, limit=CANDIDATES_SHOWN, exclude=sorted(holding))
    ids = [c.technician_id for c in found]
    techs = {t.id: t for t in db.session.scalars(sa.select(Technician).where(Technician.id.in_(ids)))}
    target = target_milestone(order)
    rows = [
        {
            "tech": techs[c.technician_id],
            "eta_min": None if c.eta_min == float("inf") else round(c.eta_min),
            "distance_km": None if c.eta_min == float("inf") else round(c.distance_km, 1),
            # None: the order has no on-site deadline (a reply, office work), nothing to make.
            "can_meet": c.can_meet if target is not None else None,
            "load": c.load,
            "stands_in_for": db.session.get(Technician, c.stands_in_for_id) if c.stands_in_for_id else None,
        }
        for c in found
        if c.technician_id in techs
    ]
    return {"rows": rows, "target": target}


@bp.app_context_processor
def _assignment_globals():
    def org_technicians(order: WorkOrder | None = None) -> list[Technician]:
        """The organisation's technicians by name; with ``order``, whoever an offer of it waits
        on comes first (the one a phoned acceptance is most likely from)."""
        techs = list(
            db.session.scalars(
                sa.select(Technician)
                .where(Technician.org_id == current_user.org_id)
                .order_by(Technician.name)
            )
        )
        if order is None:
            return techs
        waiting = {o.technician_id for o in offers.pending_offers(db.session, order)}
        return sorted(techs, key=lambda tech: tech.id not in waiting)

    return {"assign_candidates": candidates, "org_technicians": org_technicians}


def _back(reference: str):
    return redirect(url_for("console.order", reference=reference))


def _checked(reference: str, form: FlaskForm) -> WorkOrder | None:
    """The user's organisation's order, the form valid and its version current; None (with a
    message flashed) for an incomplete form. Raises NotFound / ConflictError."""
    order = get_order(db.session, current_user.org_id, reference)
    if not form.validate_on_submit():
        flash(_("The form was incomplete or expired; please try again."), "error")
        return None
    if form.version.data != order.version:
        raise ConflictError(
            _("Someone else changed this in the meantime; reload and try again."), reference=order.reference
        )
    return order


def _run(reference: str, operation, done):
    """Run ``operation``; a refusal the dispatcher can act on (on leave, wrong state) is flashed,
    and nothing is written. ``done``: the message flashed once committed, or a function of the
    operation's result that gives it."""
    try:
        result = operation()
    except ConflictError:
        raise
    except DomainError as exc:
        if exc.status == 404:
            raise
        db.session.rollback()
        flash(exc.message, "error")
        return _back(reference)
    commit()
    flash(done(result) if callable(done) else done, "ok")
    return _back(reference)


@bp.post("/orders/<reference>/assign")
@roles_required(*CONSOLE_ROLES)
def assign(reference: str):
    form = TechnicianForm()
    order = _checked(reference, form)
    if order is None:
        return _back(reference)
    return _run(
        reference,
        lambda: dispatcher.offer_to(
            db.session, order, form.technician.data, actor(), note=form.note.data or None
        ),
        lambda made: _offered(order, made),
    )


def _offered(order: WorkOrder, made) -> str:
    """The flash after an offer: who was asked and the reply his SMS asks for, in his language
    (a Chinese-speaking technician is told to answer 接<code>, not Y <code>)."""
    tech, code = made[0].technician, order.job_code
    with in_language(tech.language):
        reply = _("Reply Y %(code)s to accept.", code=code)
    return _("Offered by SMS to %(name)s; the job is his once he answers. His SMS says: %(reply)s",
             name=tech.name, reply=reply)  # fmt: skip


@bp.post("/orders/<reference>/phone-acceptance")
@roles_required(*CONSOLE_ROLES)
def phone_acceptance(reference: str):
    form = TechnicianForm()
    order = _checked(reference, form)
    if order is None:
        return _back(reference)
    return _run(
        reference,
        lambda: dispatcher.record_phone_acceptance(
            db.session, order, form.technician.data, actor(), expected_version=form.version.data,
            note=form.note.data or None,
        ),
        _("Acceptance by phone recorded."),
    )  # fmt: skip


@bp.post("/orders/<reference>/broadcast")
@roles_required(*CONSOLE_ROLES)
def broadcast(reference: str):
    form = VersionForm()
    order = _checked(reference, form)
    if order is None:
        return _back(reference)

    def offer_to_several():
        made = dispatcher.broadcast(db.session, order, actor(), expected_version=form.version.data)
        if not made:
            # Said here, and nothing kept: the dispatcher is on the page, so no alert is raised.
            raise DomainError(
                _(
                    "Nobody was offered the job: nobody who fits it is free (whoever declined it "
                    "or let its offer time out is not asked again). Assign it by hand."
                )
            )
        return made

    return _run(reference, offer_to_several, _broadcast_done)


def _broadcast_done(made) -> str:
    names = ", ".join(offer.technician.name for offer in made)
    if len(made) == 1:
        return _("Offered to %(name)s only (nobody else fits); the job is his when he accepts.", name=names)
    return _(
        "Offered to %(count)d technicians at once (%(names)s); the first to accept gets the job.",
        count=len(made),
        names=names,
    )


def _assignable(order: WorkOrder, _user) -> bool:
    return order.status in dispatcher.ASSIGNABLE or order.status in dispatcher.REASSIGNABLE


for _action in (
    OrderAction("assign", "assignment", _l("Assign"), "console/actions/_assign.html", _assignable, rank=10),
    OrderAction(
        "phone_acceptance",
        "assignment",
        _l("Record an acceptance made by phone"),
        "console/actions/_phone_acceptance.html",
        lambda order, _user: order.status in dispatcher.ASSIGNABLE,
        rank=20,
    ),
    OrderAction(
        "broadcast",
        "assignment",
        _l("Broadcast"),
        "console/actions/_broadcast.html",
        lambda order, _user: order.status in dispatcher.ASSIGNABLE,
        rank=30,
    ),
):
    register(_action)
