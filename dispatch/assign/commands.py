"""The technician's SMS language end to end: a message from a registered number → one command →
the lifecycle → a short answer in the technician's language.

``classify`` and ``handle`` are registered with ``dispatch.sms.inbound`` at start-up. The job code
may be left out when exactly one of the technician's jobs fits the command; otherwise the answer
lists the candidates and the right form. A command on somebody else's job, or on an offer that
expired or was taken, is refused politely; nothing is changed then.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from dispatch import clock
from dispatch.assign import fieldwork, grammar, listing, offers, texts
from dispatch.assign.grammar import Command, CommandKind, ParseError
from dispatch.assign.models import DutyStatus, JobCode, Offer, OfferState, Technician
from dispatch.assign.ranking import is_away, target_milestone
from dispatch.errors import DomainError
from dispatch.language import number_language
from dispatch.orders.lifecycle import Actor
from dispatch.orders.models import FINAL, Channel, Status, WorkOrder
from dispatch.plan import service as plan_service
from dispatch.plan import sms as plan_sms
from dispatch.sms.inbound import CITIZEN, FALLBACK_REPLY, TECHNICIAN, HandlerResult
from dispatch.sms.models import InboundMessage

K = CommandKind
#: States of an order the technician is working on (offers aside).
ACTIVE = (Status.ACCEPTED, Status.EN_ROUTE, Status.ON_SITE, Status.ON_HOLD)
#: How long a lapsed offer is still mentioned when a technician answers without a job code.
RECENT = timedelta(hours=2)

#: For each job command, the states (of the order, or the state it was held from) it applies to.
APPLIES: dict[CommandKind, Collection[Status]] = {
    K.ON_THE_WAY: (Status.ACCEPTED,),
    K.ARRIVED: (Status.ACCEPTED, Status.EN_ROUTE),
    K.SIGN_PLACED: (Status.ACCEPTED, Status.EN_ROUTE, Status.ON_SITE),
    K.MAJOR: (Status.ACCEPTED, Status.EN_ROUTE, Status.ON_SITE),
    K.MINOR: (Status.ACCEPTED, Status.EN_ROUTE, Status.ON_SITE),
    K.WAIT_PARTS: (Status.ACCEPTED, Status.EN_ROUTE, Status.ON_SITE),
    K.WAIT_CUSTOMER: (Status.ACCEPTED, Status.EN_ROUTE, Status.ON_SITE),
    K.RESUME: (Status.ON_HOLD,),
    K.DONE: (Status.ACCEPTED, Status.EN_ROUTE, Status.ON_SITE),
    K.PART: (Status.ACCEPTED, Status.EN_ROUTE, Status.ON_SITE, Status.WORK_DONE),
}


#: The answer to a command on one of his jobs whose service report is signed or approved: no
#: SMS changes it any more (a correction is a new revision, made from the console).
SIGNED_OFF: dict[Status, Callable[[], str]] = {
    Status.SIGNED: lambda: _(
        "Job %(code)s: the service report is signed. Nothing more can be changed by SMS; "
        "call the dispatcher for a correction."
    ),
    Status.APPROVED: lambda: _(
        "Job %(code)s: the service report is approved. Nothing more can be changed by SMS; "
        "call the dispatcher for a correction."
    ),
}

#: How far along a job is, for suggesting which one a command without a job number means.
ADVANCED = {Status.ACCEPTED: 1, Status.EN_ROUTE: 2, Status.ON_SITE: 3, Status.WORK_DONE: 4}


class Refusal(Exception):
    """A polite no: the reply says why and what to send instead; nothing was changed."""

    def __init__(self, reply: str, order: WorkOrder | None = None):
        super().__init__(reply)
        self.reply = reply
        self.order = order


@dataclass
class Context:
    session: Session
    tech: Technician
    lang: str
    now: datetime

    @property
    def actor(self) -> Actor:
        return Actor(Channel.SMS, technician_id=self.tech.id)


def classify(session: Session, sender: str) -> str:
    """A registered technician's or service station's number drives jobs; anyone else is a citizen."""
    found = session.scalar(sa.select(Technician.id).where(Technician.phone == sender))
    return TECHNICIAN if found is not None else CITIZEN


def handle(session: Session, message: InboundMessage) -> HandlerResult:
    """Act on one technician SMS. Never commits (the inbound pipe does)."""
    tech = session.scalar(sa.select(Technician).where(Technician.phone == message.sender))
    if tech is None:
        return HandlerResult(FALLBACK_REPLY[number_language(message.sender)])
    ctx = Context(session, tech, texts.short_language(tech.language), clock.now())
    command = grammar.parse(message.body)
    with texts.in_language(ctx.lang):
        if isinstance(command, ParseError):
            return HandlerResult(parse_error_reply(command, ctx.lang))
        try:
            reply, order = HANDLERS[command.kind](ctx, command)
        except Refusal as refusal:
            return HandlerResult(refusal.reply, refusal.order.id if refusal.order else None)
        return HandlerResult(reply, order.id if order is not None else None)


def join(lang: str, *sentences: str) -> str:
    """Sentences of one reply: Chinese runs them together, English puts a space between."""
    return ("" if lang == "zh" else " ").join(s for s in sentences if s)


def parse_error_reply(error: ParseError, lang: str) -> str:
    if error.reason == "too_long":
        lead = _("Too long: send one short command per SMS.")
    elif error.reason == "ambiguous":
        lead = _("Not clear whether you mean yes or no.")
    elif error.reason in ("empty", "unknown_command", "bare_number"):
        return join(lang, _("Not understood."), grammar.usage(lang))
    else:
        lead = _("Not understood.")
    shown = grammar.form(error.kind, lang) if error.kind is not None else grammar.usage(lang)
    return join(lang, lead, shown)


# -- finding the job -------------------------------------------------------------------------


def my_jobs(ctx: Context, statuses: Collection[Status] = (*ACTIVE, Status.WORK_DONE)) -> list[WorkOrder]:
    return list(
        ctx.session.scalars(
            sa.select(WorkOrder)
            .where(WorkOrder.assignee_id == ctx.tech.id, WorkOrder.status.in_(list(statuses)))
            .order_by(WorkOrder.id)
        )
    )


def _effective(order: WorkOrder) -> Status:
    return order.held_from if order.status is Status.ON_HOLD and order.held_from else order.status


def _open_order_with_code(ctx: Context, code: str) -> WorkOrder | None:
    return ctx.session.scalar(
        sa.select(WorkOrder)
        .join(JobCode, JobCode.work_order_id == WorkOrder.id)
        .where(JobCode.org_id == ctx.tech.org_id, JobCode.code == code)
    )


def find_job(ctx: Context, command: Command) -> WorkOrder:
    """The order a job command is about: the one with the code given, else the only one of the
    technician's jobs it applies to. Raises Refusal with the right answer otherwise."""
    states = APPLIES[command.kind]
    if command.kind is K.RESUME:
        fits: Callable[[WorkOrder], bool] = lambda o: o.status is Status.ON_HOLD  # noqa: E731
    else:
        fits = lambda o: _effective(o) in states  # noqa: E731
    # His jobs in the states the command applies to; a finished order's code may be another's now.
    jobs = my_jobs(ctx, {*ACTIVE, Status.WORK_DONE, *(s for s in states if s not in FINAL)})
    if command.job_code:
        mine = [o for o in jobs if o.job_code == command.job_code]
        if mine:
            return mine[0]
        raise Refusal(unknown_code_reply(ctx, command.job_code))
    fitting = [o for o in jobs if fits(o)]
    if len(fitting) == 1:
        return fitting[0]
    if not fitting:
        raise Refusal(_("You have no job this applies to. Reply LIST for your jobs."))
    # The job furthest along first (on site, then on the way): the one he most likely means.
    fitting.sort(key=lambda o: -ADVANCED.get(_effective(o), 0))
    codes = ", ".join(o.job_code or "?" for o in fitting)
    raise Refusal(
        _("You have several jobs (%(codes)s): add the job number. %(form)s")
        % {"codes": codes, "form": grammar.form(command.kind, ctx.lang, fitting[0].job_code)}
    )


def unknown_code_reply(ctx: Context, code: str) -> str:
    order = _open_order_with_code(ctx, code)
    if order is None or order.status in (Status.CLOSED, Status.CANCELLED):
        return _("There is no open job %(code)s. Reply LIST for your jobs.") % {"code": code}
    if order.assignee_id == ctx.tech.id and order.status in SIGNED_OFF:
        # His own job, past his hands: the signed report is what the customer agreed to.
        return SIGNED_OFF[order.status]() % {"code": code}
    # Somebody else's job: say so, and nothing about it.
    return _("Job %(code)s is not yours. Reply LIST for your jobs.") % {"code": code}


def status_label(status: Status) -> str:
    return listing.status_label(status)


def refuse_transition(order: WorkOrder) -> Refusal:
    return Refusal(
        _("Job %(code)s is %(status)s: that command does not apply now.")
        % {"code": order.job_code, "status": status_label(order.status)},
        order,
    )


# -- offers: accept and decline --------------------------------------------------------------


def _pending(ctx: Context) -> list[Offer]:
    return list(
        ctx.session.scalars(
            sa.select(Offer)
            .where(Offer.technician_id == ctx.tech.id, Offer.state == OfferState.PENDING)
            .order_by(Offer.id)
        )
    )


def _latest_offer(ctx: Context, order_id: int | None = None) -> Offer | None:
    query = sa.select(Offer).where(Offer.technician_id == ctx.tech.id)
    if order_id is not None:
        query = query.where(Offer.work_order_id == order_id)
    else:
        query = query.where(Offer.answered_at >= ctx.now - RECENT)
    return ctx.session.scalar(query.order_by(Offer.id.desc()).limit(1))


def closed_offer_reply(order: WorkOrder, offer: Offer | None, ctx: Context) -> str:
    code = {"code": order.job_code}
    if order.assignee_id == ctx.tech.id and order.status in (*ACTIVE, Status.WORK_DONE):
        return _("Job %(code)s is already yours.") % code
    state = offer.state if offer else None
    if state is OfferState.TAKEN or (state is OfferState.PENDING and order.assignee_id):
        return _("Sorry, job %(code)s has been taken by a colleague. No action needed.") % code
    if state is OfferState.EXPIRED:
        return _("Sorry, the offer of job %(code)s has expired and gone to someone else.") % code
    if state is OfferState.DECLINED:
        return _("You declined job %(code)s. Call the dispatcher if you can take it after all.") % code
    if offer is None:
        return _("Job %(code)s was not offered to you. Reply LIST for your jobs.") % code
    return _("Job %(code)s is no longer offered to you. No action needed.") % code


def find_offer(ctx: Context, command: Command) -> Offer:
    pending = _pending(ctx)
    if command.job_code:
        for offer in pending:
            if offer.order.job_code == command.job_code:
                return offer
        order = _open_order_with_code(ctx, command.job_code)
        if order is None or not order.is_open:
            raise Refusal(
                _("There is no open job %(code)s. Reply LIST for your jobs.") % {"code": command.job_code}
            )
        raise Refusal(closed_offer_reply(order, _latest_offer(ctx, order.id), ctx), order)
    if len(pending) == 1:
        return pending[0]
    if pending:
        codes = ", ".join(o.order.job_code or "?" for o in pending)
        raise Refusal(
            _("You have several offers (%(codes)s): add the job number. %(form)s")
            % {"codes": codes, "form": grammar.form(command.kind, ctx.lang, pending[0].order.job_code)}
        )
    recent = _latest_offer(ctx)
    if recent is not None and recent.state is not OfferState.ACCEPTED:
        raise Refusal(closed_offer_reply(recent.order, recent, ctx), recent.order)
    raise Refusal(_("You have no job offer to answer. Reply LIST for your jobs."))


def _answer(ctx: Context, decide: Callable[[], offers.Answer]) -> offers.Answer:
    # A concurrent answer that slipped past the row lock (or the one-winner index) loses here,
    # cleanly: its savepoint is rolled back and the technician is told the job is taken.
    try:
        with ctx.session.begin_nested():
            return decide()
    except (StaleDataError, IntegrityError):
        return offers.Answer.TAKEN


def do_accept(ctx: Context, command: Command):
    offer = find_offer(ctx, command)
    order = offer.order
    result = _answer(ctx, lambda: offers.accept(ctx.session, offer, ctx.actor, now=ctx.now))
    if result is not offers.Answer.ACCEPTED:
        ctx.session.refresh(order)
        raise Refusal(closed_offer_reply(order, offers.fresh(ctx.session, offer), ctx), order)
    target = target_milestone(order)
    if target is not None:
        template = _(
            "Job %(code)s is yours: %(place)s. Be on site by %(due)s. "
            "Reply OTW when you leave, ARR on arrival."
        )
    else:
        template = texts.yours_template(order, ctx.now)
    reply = template % {
        "code": order.job_code,
        "place": texts.place_of(order)[:40],
        "due": texts.when(target.due_at if target else None, ctx.now),
    }
    sign = texts.sign_sentence(order, order.job_code or "", ctx.now)
    return join(ctx.lang, reply, sign, plan_sms.first_hint(ctx.session, ctx.tech, order)), order


def do_decline(ctx: Context, command: Command):
    if command.job_code:
        order = _open_order_with_code(ctx, command.job_code)
        if order is not None and order.assignee_id == ctx.tech.id:
            raise Refusal(
                _("Job %(code)s is already yours: call the dispatcher to hand it back.")
                % {"code": order.job_code},
                order,
            )
    offer = find_offer(ctx, command)
    order = offer.order
    result = _answer(ctx, lambda: offers.decline(ctx.session, offer, command.reason, ctx.actor, now=ctx.now))
    if result is not offers.Answer.DECLINED:
        raise Refusal(closed_offer_reply(order, offers.fresh(ctx.session, offer), ctx), order)
    return _("Job %(code)s declined. Thank you.") % {"code": order.job_code}, order


# -- work on an assigned job -----------------------------------------------------------------


def _job_command(operate: Callable[[Context, WorkOrder, Command], str]):
    def run(ctx: Context, command: Command):
        order = find_job(ctx, command)
        try:
            with ctx.session.begin_nested():
                reply = operate(ctx, order, command)
        except DomainError:
            ctx.session.refresh(order)
            raise refuse_transition(order) from None
        return reply, order

    return run


def _on_the_way(ctx: Context, order: WorkOrder, command: Command) -> str:
    eta, told = fieldwork.depart(ctx.session, order, ctx.tech, ctx.actor, command.eta_min)
    values = {"code": order.job_code, "minutes": eta if eta is not None else "?"}
    if told:
        return _("On the way to job %(code)s, about %(minutes)s min. The customer has been told.") % values
    return _("On the way to job %(code)s, about %(minutes)s min.") % values


def _arrived(ctx: Context, order: WorkOrder, command: Command) -> str:
    fieldwork.arrive(ctx.session, order, ctx.tech, ctx.actor)
    return _("Arrived at job %(code)s at %(time)s. Send DONE when finished.") % {
        "code": order.job_code,
        "time": texts.when(ctx.now, ctx.now),
    }


def _sign(ctx: Context, order: WorkOrder, command: Command) -> str:
    fieldwork.sign_placed(ctx.session, order, ctx.actor)
    return _("Warning sign at job %(code)s recorded.") % {"code": order.job_code}


def _reclassify(ctx: Context, order: WorkOrder, command: Command) -> str:
    severity = "major" if command.kind is K.MAJOR else "minor"
    fieldwork.reclassify(ctx.session, order, severity, ctx.actor, command.note)
    resolve = {m.name: m for m in order.milestones}.get("resolve")
    values = {"code": order.job_code, "due": texts.when(resolve.due_at if resolve else None, ctx.now)}
    if severity == "major":
        return _("Job %(code)s is now a major repair, to finish by %(due)s.") % values
    return _("Job %(code)s is now a minor repair, to finish by %(due)s.") % values


def _wait(ctx: Context, order: WorkOrder, command: Command) -> str:
    waiting_for = "parts" if command.kind is K.WAIT_PARTS else "customer"
    fieldwork.hold(ctx.session, order, waiting_for, ctx.actor, command.reason)
    if waiting_for == "parts":
        return _("Job %(code)s on hold, waiting for parts. Your next command on it resumes it.") % {
            "code": order.job_code
        }
    return _("Job %(code)s on hold, waiting for the customer. Your next command on it resumes it.") % {
        "code": order.job_code
    }


def _resume(ctx: Context, order: WorkOrder, command: Command) -> str:
    fieldwork.resume(ctx.session, order, ctx.actor)
    return _("Job %(code)s resumed.") % {"code": order.job_code}


def _done(ctx: Context, order: WorkOrder, command: Command) -> str:
    told = fieldwork.complete(ctx.session, order, ctx.tech, ctx.actor, command.note)
    if told:
        reply = _("Job %(code)s done, thank you. The customer has been told.") % {"code": order.job_code}
    else:
        reply = _("Job %(code)s done, thank you.") % {"code": order.job_code}
    # The next job of his plan at once, so he need not ask.
    return join(ctx.lang, reply, plan_sms.next_sentence(ctx.session, ctx.tech, ctx.lang, ctx.now))


def _part(ctx: Context, order: WorkOrder, command: Command) -> str:
    fieldwork.resume_if_held(ctx.session, order, ctx.actor)
    fieldwork.part_used(ctx.session, order, command.part_code, command.quantity, ctx.actor)
    return _("Job %(code)s: part %(part)s x%(qty)s recorded.") % {
        "code": order.job_code,
        "part": command.part_code,
        "qty": command.quantity,
    }


# -- about the technician --------------------------------------------------------------------


def do_list(ctx: Context, command: Command):
    return listing.jobs_text(_pending(ctx), my_jobs(ctx, ACTIVE), ctx.lang), None


def do_off(ctx: Context, command: Command):
    tech = ctx.tech
    if tech.duty_status is not DutyStatus.ON_LEAVE:
        tech.duty_status = DutyStatus.OFF_DUTY
    # Offers still open go on to a colleague now rather than waiting for their timeout.
    for offer in _pending(ctx):
        offers.lapse(ctx.session, offer, OfferState.DECLINED, "off duty", actor=ctx.actor, now=ctx.now)
    plan_service.mark_dirty(ctx.session, tech.org_id, ctx.now)
    open_codes = ", ".join(o.job_code or "?" for o in my_jobs(ctx, ACTIVE))
    still = _("Still open: %(codes)s.") % {"codes": open_codes} if open_codes else ""
    return join(ctx.lang, _("You are off duty: no new offers until you send ON."), still), None


def do_on(ctx: Context, command: Command):
    tech = ctx.tech
    if is_away(tech, ctx.now):
        return _("You are recorded on leave: ask the dispatcher to end it first."), None
    tech.duty_status = DutyStatus.ON_DUTY
    if tech.home_depot is not None and tech.last_position_source in (None, "depot", "job_site"):
        # The start of a shift: from the home depot until the next job site says otherwise.
        tech.last_lat, tech.last_lon = tech.home_depot.lat, tech.home_depot.lon
        tech.last_position_at, tech.last_position_source = ctx.now, "depot"
    plan_service.mark_dirty(ctx.session, tech.org_id, ctx.now)
    return _("You are on duty: offers will come by SMS."), None


def do_help(ctx: Context, command: Command):
    return grammar.usage(ctx.lang), None


HANDLERS: dict[CommandKind, Callable[[Context, Command], tuple[str, WorkOrder | None]]] = {
    K.ACCEPT: do_accept,
    K.DECLINE: do_decline,
    K.ON_THE_WAY: _job_command(_on_the_way),
    K.ARRIVED: _job_command(_arrived),
    K.SIGN_PLACED: _job_command(_sign),
    K.MAJOR: _job_command(_reclassify),
    K.MINOR: _job_command(_reclassify),
    K.WAIT_PARTS: _job_command(_wait),
    K.WAIT_CUSTOMER: _job_command(_wait),
    K.RESUME: _job_command(_resume),
    K.DONE: _job_command(_done),
    K.PART: _job_command(_part),
    K.LIST: do_list,
    K.NEXT: plan_sms.do_next,
    K.OFF_DUTY: do_off,
    K.ON_DUTY: do_on,
    K.HELP: do_help,
}
