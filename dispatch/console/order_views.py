"""The work-order page, its printable dispatch ticket (派工单) and the console's own actions."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from dispatch import clock
from dispatch.assign.models import Technician
from dispatch.auth.models import Organisation, User
from dispatch.console import actions as order_actions
from dispatch.console import holders, live
from dispatch.console.blueprint import CONSOLE_ROLES, actor, bp
from dispatch.console.forms import HandoverForm, MessageForm, NoteForm, PinForm, TransitionForm
from dispatch.console.labels import CHANNEL, STATUS, label
from dispatch.errors import DomainError
from dispatch.extensions import db
from dispatch.intake.placing import place_order
from dispatch.language import short_language
from dispatch.orders import lifecycle
from dispatch.orders.models import Event, WorkOrder
from dispatch.orders.service import get_order
from dispatch.sla.plan import milestone_state
from dispatch.sla.service import promised
from dispatch.sms import outbox, routing
from dispatch.sms.models import InboundMessage, OutboxMessage
from dispatch.web import commit, roles_required

#: Transitions a dispatcher may make from the console; the others happen through the technician,
#: the customer, or the packages that own them (assignment, reports).
CONSOLE_TRANSITIONS = ("hold", "resume", "cancel")


def _colleagues(order: WorkOrder) -> list[tuple[int, str]]:
    users = db.session.scalars(
        sa.select(User)
        .where(User.org_id == current_user.org_id, User.active.is_(True))
        .order_by(User.full_name)
    )
    return [(u.id, u.full_name) for u in users if u.id != order.owner_id]


def _load(reference: str) -> WorkOrder:
    order = get_order(db.session, current_user.org_id, reference)
    db.session.execute(
        sa.select(WorkOrder)
        .where(WorkOrder.id == order.id)
        .options(
            selectinload(WorkOrder.events).selectinload(Event.actor_user),
            selectinload(WorkOrder.events).selectinload(Event.actor_technician),
            selectinload(WorkOrder.milestones),
        )
    ).scalar_one()
    return order


def _sms_thread(order: WorkOrder) -> list[dict]:
    """The order's texts, both ways, oldest first; each with the name behind the number (a
    technician of the organisation, or the reporter) beside the number itself."""
    out = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.work_order_id == order.id)).all()
    inbound = db.session.scalars(
        sa.select(InboundMessage).where(InboundMessage.work_order_id == order.id)
    ).all()
    numbers = {m.recipient for m in out} | {m.sender for m in inbound}
    names = dict(
        db.session.execute(
            sa.select(Technician.phone, Technician.name).where(
                Technician.org_id == order.org_id, Technician.phone.in_(numbers)
            )
        ).all()
    )
    if order.reporter_phone and order.reporter_phone not in names:
        names[order.reporter_phone] = order.reporter_name or _("the reporter")
    thread = [
        {
            "at": m.created_at,
            "out": True,
            "who": m.recipient,
            "name": names.get(m.recipient),
            "body": m.body,
            "state": m.state.value,
            "delivery": m.delivery_status,
            "language": m.language,
        }
        for m in out
    ] + [
        {
            "at": m.received_at,
            "out": False,
            "who": m.sender,
            "name": names.get(m.sender),
            "body": m.body,
            "state": None,
            "delivery": None,
            "language": None,
        }
        for m in inbound
    ]
    return sorted(thread, key=lambda item: item["at"])


def _language_notice(text: str | None, readers: list[Technician]) -> str | None:
    """Say so when the reporter's words are in a language the technician holding the job does
    not read: he gets them as written, not translated."""
    written = holders.written_in(text)
    if written is None:
        return None
    others = [t.name for t in readers if t is not None and short_language(t.language) != written]
    if not others:
        return None
    if written == "en":
        return _(
            "The reporter wrote in English; %(names)s reads Chinese and gets the text as written.",
            names=", ".join(others),
        )
    return _(
        "The reporter wrote in Chinese; %(names)s reads English and gets the text as written.",
        names=", ".join(others),
    )


def _due_changes(order: WorkOrder) -> dict[str, list[dict]]:
    """Every change of a due time (``due_changed`` events), by milestone: who, when, why, old → new."""
    changes: dict[str, list[dict]] = {}
    for event in order.events:
        if event.kind != "due_changed":
            continue
        data = event.data or {}
        old, new = data.get("old_due_at", data.get("old")), data.get("new_due_at", data.get("new"))
        changes.setdefault(data.get("milestone", ""), []).append(
            {
                "at": event.at,
                "who": event.actor_user.full_name if event.actor_user else label(CHANNEL, event.channel),
                # A code (dispatch.sla: placed, paused, set_by_hand, …), and a person's words.
                "why": data.get("reason") or "",
                "note": event.note or "",
                "old": clock.parse(old) if isinstance(old, str) else None,
                "new": clock.parse(new) if isinstance(new, str) else None,
            }
        )
    return changes


def _milestone_states(order: WorkOrder, now) -> dict[int, str]:
    """Each milestone's deadline state; on a closed or cancelled order an unmet one no longer
    runs, and its state is the order's (``closed`` / ``cancelled``: "not met — cancelled")."""
    return {
        m.id: (
            milestone_state(m, now=now, met_at=m.met_at).value
            if order.is_open or m.met_at is not None
            else order.status.value
        )
        for m in order.milestones
    }


def _forms(order: WorkOrder) -> dict:
    handover = HandoverForm(version=order.version)
    handover.to_user.choices = _colleagues(order)
    return {
        "transition": TransitionForm(version=order.version),
        "handover": handover,
        "note": NoteForm(),
        "message": MessageForm(),
        "pin": PinForm(version=order.version),
    }


@bp.get("/orders/<reference>")
@roles_required(*CONSOLE_ROLES)
def order(reference: str):
    order = _load(reference)
    now = clock.now()
    duplicates = db.session.scalars(
        sa.select(WorkOrder).where(WorkOrder.duplicate_of_id == order.id, WorkOrder.org_id == order.org_id)
    ).all()
    offers_waiting = holders.pending_holders(db.session, [order.id]).get(order.id, [])
    history = holders.offer_lines(db.session, order)
    named = {i for e in order.events for i in holders.event_technician_ids(e.data)}
    readers = (
        [order.assignee]
        if order.assignee
        else [db.session.get(Technician, h.technician_id) for h in offers_waiting]
    )
    return render_template(
        "console/order.html",
        language_notice=_language_notice(order.description, readers),
        reporter_takes_sms=order.reporter_takes_sms,
        order=order,
        now=now,
        holders=offers_waiting,
        offer_history=history,
        tech_names=holders.technician_names(db.session, order.org_id, named),
        event_techs=holders.event_technician_ids,
        states=_milestone_states(order, now),
        due_changes=_due_changes(order),
        # A closed or cancelled order promises nothing any more: its milestones say what was met.
        promised=promised(order) if order.is_open else None,
        sms=_sms_thread(order),
        duplicates=duplicates,
        slots=order_actions.available(order, current_user),
        slot_titles=order_actions.SLOT_TITLES,
        forms=_forms(order),
        # The organisation's last event, not this order's: events of other orders older than the
        # page must not come back as new alerts when the stream starts.
        last_event=live.last_event_id(db.session, order.org_id),
    )


@bp.get("/orders/<reference>/ticket")
@roles_required(*CONSOLE_ROLES)
def ticket(reference: str):
    order = _load(reference)
    return render_template("console/ticket.html", order=order, now=clock.now(), promised=promised(order))


def _back(reference: str):
    return redirect(url_for(".order", reference=reference))


@bp.post("/orders/<reference>/transition")
@roles_required(*CONSOLE_ROLES)
def transition(reference: str):
    order = get_order(db.session, current_user.org_id, reference)
    form = TransitionForm()
    if not form.validate_on_submit() or form.action.data not in CONSOLE_TRANSITIONS:
        flash(_("The form was incomplete or expired; please try again."), "error")
        return _back(reference)
    if form.action.data in ("hold", "cancel") and not (form.note.data or "").strip():
        flash(_("Give a reason to put an order on hold or cancel it."), "error")
        return _back(reference)
    lifecycle.transition(
        db.session,
        order,
        form.action.data,
        actor(),
        note=form.note.data or None,
        expected_version=form.version.data,
    )
    commit()
    flash(
        _("%(reference)s is now: %(status)s.", reference=order.reference, status=label(STATUS, order.status)),
        "ok",
    )
    return _back(reference)


@bp.post("/orders/<reference>/handover")
@roles_required(*CONSOLE_ROLES)
def handover(reference: str):
    order = get_order(db.session, current_user.org_id, reference)
    form = HandoverForm()
    form.to_user.choices = _colleagues(order)
    if not form.validate_on_submit():
        flash(_("Choose a colleague and give a reason for the handover."), "error")
        return _back(reference)
    lifecycle.ensure_version(order, form.version.data)
    lifecycle.handover(db.session, order, form.to_user.data, actor(), form.reason.data)
    commit()
    flash(_("Responsibility handed over."), "ok")
    return _back(reference)


@bp.post("/orders/<reference>/note")
@roles_required(*CONSOLE_ROLES)
def note(reference: str):
    order = get_order(db.session, current_user.org_id, reference)
    form = NoteForm()
    if not form.validate_on_submit() or not form.text.data.strip():
        flash(_("Write the note first (at most 2000 characters)."), "error")
        return _back(reference)
    lifecycle.record(db.session, order, "note", actor(), note=form.text.data.strip())
    commit()
    flash(_("Note added."), "ok")
    return _back(reference)


@bp.app_template_global("sms_free_text")
def sms_free_text(org_id: int) -> bool:
    """Whether the organisation's SMS gateway sends free text (a template-only one does not)."""
    org = db.session.get(Organisation, org_id)
    return routing.sends_free_text(current_app.config, org.code if org else None)


@bp.post("/orders/<reference>/message")
@roles_required(*CONSOLE_ROLES)
def message(reference: str):
    """A text to the reporter, through the outbox (sent by the worker), logged on the timeline."""
    order = get_order(db.session, current_user.org_id, reference)
    form = MessageForm()
    if not order.reporter_phone:
        raise DomainError(_("This report has no phone number to write to."))
    if not order.reporter_takes_sms:
        raise DomainError(_("The customer gave a landline, which takes no SMS: call the customer."))
    if not form.validate_on_submit() or not form.body.data.strip():
        flash(_("Write the message first (at most 300 characters)."), "error")
        return _back(reference)
    if not sms_free_text(order.org_id):
        flash(
            _(
                "Text messages go through approved templates only: a message of your own cannot be "
                "sent by SMS. Call the customer on %(phone)s.",
                phone=order.reporter_phone,
            ),
            "error",
        )
        return _back(reference)
    body = form.body.data.strip()
    sent = outbox.send(
        db.session,
        "console_message",
        to=order.reporter_phone,
        text=body,
        params={"text": body},
        order=order,
        language=order.reporter_language,
    )
    # A message to the customer is the recorded reply that meets a `reply` / `contact` deadline.
    lifecycle.record(db.session, order, "customer_replied", actor(), note=body, data={"outbox_id": sent.id})
    commit()
    flash(_("Message queued for sending."), "ok")
    return _back(reference)


@bp.post("/orders/<reference>/place")
@roles_required(*CONSOLE_ROLES)
def place(reference: str):
    """The dispatcher's pin: the order's position, zone, nearest depot and deadlines follow it."""
    order = get_order(db.session, current_user.org_id, reference)
    form = PinForm()
    if not form.validate_on_submit():
        flash(_("Put the pin on the map first."), "error")
        return _back(reference)
    lifecycle.ensure_version(order, form.version.data)
    place_order(
        db.session, order, form.lat.data, form.lon.data, source="pin", precision="exact", actor=actor()
    )
    commit()
    flash(_("Location corrected; deadlines recomputed."), "ok")
    return _back(reference)
