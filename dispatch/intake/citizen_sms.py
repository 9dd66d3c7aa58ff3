"""Citizens' SMS to the hotline number (R2): free text in, a report out.

A message is matched against the rule book's keywords (Chinese or English) to find the type; the
rest goes through the geocoding chain (an account or VIN, a street, a corner, a landmark, a
village). The report is taken like any other and acknowledged once through the outbox — with the
reference and the promised time, or asking for the place when it cannot be found. A message from
the same number within ``[intake] sms_followup_min`` completes the unfinished report (the place
it lacked, or the problem a first message did not name). A citizen can ask about their own
reports (查询 / status, with or without a reference) and never sees anything about jobs or
technicians. A message naming the sender's own report's reference goes on that report's thread
and timeline and is answered with where it stands (anyone else's reference gets the same answer
as none); the vehicle details an acknowledgement asked for (VIN or plate, mileage) are recorded
on the sender's open vehicle report (``citizen_details``).

Every answer goes through the outbox, so it is retried and shown like any other SMS; the webhook
itself answers nothing.
"""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from sqlalchemy.orm import Session

from dispatch.auth.models import Organisation
from dispatch.errors import DomainError
from dispatch.geo.chain import locate
from dispatch.intake import citizen_details, citizen_status
from dispatch.intake.ack import babel_locale, format_due, language_of
from dispatch.intake.placing import place_order
from dispatch.intake.service import after_placing, take_report
from dispatch.intake.text import _
from dispatch.orders import lifecycle
from dispatch.orders.lifecycle import Actor
from dispatch.orders.models import Channel, Status, WorkOrder
from dispatch.sla.rules import TypeDef
from dispatch.sla.service import promised, rulebook
from dispatch.sms import inbound, outbox
from dispatch.sms.models import InboundMessage

ACTOR = Actor(Channel.SMS)
_QUERY_WORDS_ZH = ("查询", "进度", "状态", "查一下", "怎么样了")
_QUERY_WORDS_EN = ("status", "progress", "query", "check")
_REFERENCE = re.compile(r"WO-\d{4}-\d{6}", re.IGNORECASE)
#: How many of their own reports a citizen's status query lists.
STATUS_LIMIT = 3


def detect_type(types: list[TypeDef], text: str) -> TypeDef | None:
    """The type whose keyword matches ``text`` best (the longest keyword found; file order breaks
    ties), or None. English keywords match whole words, case-insensitively."""
    lowered = text.lower()
    best, best_len = None, 0
    for type_def in types:
        for keyword in type_def.keywords_zh:
            if keyword in text and len(keyword) > best_len:
                best, best_len = type_def, len(keyword)
        for keyword in type_def.keywords_en:
            if re.search(rf"\b{re.escape(keyword.lower())}\b", lowered) and len(keyword) > best_len:
                best, best_len = type_def, len(keyword)
    return best


def is_query(text: str) -> bool:
    """A status question: a bare reference, a short message with a query word (a reference
    beside it does not count towards its length: "查询 WO-2026-000010"), or one that starts
    with an English query word."""
    stripped = text.strip()
    if _REFERENCE.fullmatch(stripped):
        return True
    lowered = stripped.lower()
    rest = _REFERENCE.sub("", stripped).strip(" \t,，:：.。?？")
    return (
        any(w in rest for w in _QUERY_WORDS_ZH)
        and len(rest) <= 12
        or any(re.fullmatch(rf"\s*{w}\b.*", lowered) for w in _QUERY_WORDS_EN)
    )


def _organisation(session: Session, recipient: str | None, text: str) -> Organisation | None:
    orgs = list(session.scalars(sa.select(Organisation).order_by(Organisation.id)))
    for org in orgs:
        if recipient and org.sms_number and org.sms_number == recipient:
            return org
    if len(orgs) <= 1:
        return orgs[0] if orgs else None
    for org in orgs:
        if detect_type(rulebook().types_for_org(org.code), text) is not None:
            return org
    return orgs[0]


def _send(
    session: Session, message: InboundMessage, body: str, kind: str, language: str, params=None, **ids
) -> None:
    outbox.send(session, kind, to=message.sender, text=body, params=params, language=language, **ids)


def _status_params(order: WorkOrder) -> dict[str, str]:
    """The ``status`` template's parameters for ``order``, in Chinese like the approved text."""
    with force_locale(babel_locale("zh")):
        state = citizen_status.state_words(order)
    return {"reference": order.reference, "state": state, "due": citizen_status.template_due(order)}


def _examples(org: Organisation, zh: bool) -> str:
    """A few of the organisation's own report types, as examples of what to report."""
    types = [t for t in rulebook().types_for_org(org.code) if t.public and t.on_site and t.keywords_zh]
    names = [t.name_zh if zh else t.name_en for t in types[:3]]
    return ("；" if zh else "; ").join(names)


def _previous(session: Session, message: InboundMessage) -> InboundMessage | None:
    window = timedelta(minutes=float(current_app.config.get("INTAKE_SMS_FOLLOWUP_MIN", 30)))
    return session.scalar(
        sa.select(InboundMessage)
        .where(
            InboundMessage.sender == message.sender,
            InboundMessage.id < message.id,
            InboundMessage.received_at >= message.received_at - window,
            InboundMessage.handled_at.is_not(None),
            InboundMessage.error.is_(None),
        )
        .order_by(InboundMessage.id.desc())
        .limit(1)
    )


def answer_query(session: Session, message: InboundMessage, language: str) -> WorkOrder | None:
    """The sender's own latest reports, with their state and promised time — nothing else.
    Returns the report the question named, when it is the sender's (the question joins its
    thread)."""
    locale = babel_locale(language)
    query = sa.select(WorkOrder).where(WorkOrder.reporter_phone == message.sender)
    reference = _REFERENCE.search(message.body)
    if reference:
        query = query.where(WorkOrder.reference == reference.group(0).upper())
    orders = list(session.scalars(query.order_by(WorkOrder.reported_at.desc()).limit(STATUS_LIMIT)))
    if not orders:
        _no_report(session, message, language)
        return None
    with force_locale(locale):
        body = "\n".join(citizen_status.status_line(session, order, locale) for order in orders)
    # A template carries one report: the latest (or the one named); the text lists up to three.
    latest = orders[0]
    named = latest if reference else None
    params = _status_params(latest)
    _send(session, message, body, "status", language, params, org_id=latest.org_id, order=named)
    return named


def _no_report(session: Session, message: InboundMessage, language: str) -> None:
    with force_locale(babel_locale(language)):
        body = _("We have no report from this number.")
    org = _organisation(session, message.recipient, message.body or "")
    _send(session, message, body, "status_none", language, {}, org_id=org.id if org else None)


def own_report(session: Session, message: InboundMessage, reference: str) -> WorkOrder | None:
    """The report ``reference`` if this number made it; None for anyone else's."""
    return session.scalar(
        sa.select(WorkOrder).where(
            WorkOrder.reference == reference.upper(), WorkOrder.reporter_phone == message.sender
        )
    )


def follow_up(session: Session, message: InboundMessage, order: WorkOrder, text: str, language: str) -> None:
    """A message about the sender's own report (it names its reference): on the report's
    timeline and SMS thread for the dispatcher, and answered with where the report stands."""
    locale = babel_locale(language)
    details = citizen_details.read(text) if citizen_details.asks_for_vehicle(order) else None
    if details:
        citizen_details.record(session, order, details, ACTOR, text)
    else:
        lifecycle.record(session, order, "citizen_message", ACTOR, note=text)
        session.flush()
    with force_locale(locale):
        if details:
            thanks = _recorded(order, details, locale)
        else:
            thanks = _("Thank you: your message is added to report %(reference)s.", reference=order.reference)
        line = citizen_status.status_line(session, order, locale)
        body = thanks + ("" if locale.startswith("zh") else " ") + line
    _send(session, message, body, "status", language, _status_params(order), order=order)


def record_details(
    session: Session,
    message: InboundMessage,
    order: WorkOrder,
    details: citizen_details.Details,
    language: str,
) -> None:
    """The details the acknowledgement asked for (VIN or plate, mileage), recorded on the report."""
    citizen_details.record(session, order, details, ACTOR, message.body or "")
    locale = babel_locale(language)
    with force_locale(locale):
        body = _recorded(order, details, locale)
    _send(session, message, body, "status", language, _status_params(order), order=order)


def _recorded(order: WorkOrder, details: citizen_details.Details, locale: str) -> str:
    return _(
        "Thank you: recorded for %(reference)s: %(details)s.",
        reference=order.reference,
        details=citizen_details.summary(details, locale.startswith("zh")),
    )


def complete_place(session: Session, message: InboundMessage, order: WorkOrder, language: str) -> None:
    """A follow-up naming the place of a report that waits for one."""
    locale = babel_locale(language)
    placement = locate(
        session,
        org_id=order.org_id,
        org_code=order.org.code,
        address=message.body,
        account=message.body,
        config=current_app.config,
    )
    with force_locale(locale):
        if placement is None:
            body = _(
                "Sorry, we still cannot find that place (%(reference)s). Please name a street, "
                "a crossing or a landmark nearby.",
                reference=order.reference,
            )
            _send(session, message, body, "ask_place", language, {"reference": order.reference}, order=order)
            return
        place_order(
            session,
            order,
            placement.lat,
            placement.lon,
            source=placement.source,
            precision=placement.precision,
            actor=ACTOR,
            address=placement.label,
        )
        after_placing(session, order, ACTOR)
        milestone = promised(order)
        body = _(
            "Thank you: %(reference)s is placed at %(place)s.",
            reference=order.reference,
            place=placement.label,
        )
        if milestone is not None and milestone.due_at is not None:
            body += " " + _("Promised by %(due)s.", due=format_due(milestone.due_at, locale))
    params = {
        "reference": order.reference,
        "place": " ".join(placement.label.split()),
        "due": citizen_status.template_due(order),
    }
    _send(session, message, body, "reply", language, params, order=order)


def handle(session: Session, message: InboundMessage) -> inbound.HandlerResult:
    """The citizen handler registered with the inbound pipe. Writes, never commits."""
    text = (message.body or "").strip()
    language = language_of(text)
    if not text:
        return inbound.HandlerResult(None)
    if is_query(text):
        named = answer_query(session, message, language)
        return inbound.HandlerResult(None, named.id if named is not None else None)
    reference = _REFERENCE.search(text)
    if reference:
        # Only this number's own report: anyone else's reference gets the same answer as none.
        order = own_report(session, message, reference.group(0))
        if order is None:
            _no_report(session, message, language)
            return inbound.HandlerResult(None)
        follow_up(session, message, order, text, language)
        return inbound.HandlerResult(None, order.id)
    previous = _previous(session, message)
    if previous is not None and previous.work_order_id is not None:
        order = session.get(WorkOrder, previous.work_order_id)
        if (
            order is not None
            and order.status is Status.NEEDS_LOCATION
            and order.reporter_phone == message.sender
        ):
            complete_place(session, message, order, language)
            return inbound.HandlerResult(None, order.id)
    details = citizen_details.read(text)
    if details:
        order = citizen_details.open_vehicle_report(session, message.sender)
        named = detect_type(rulebook().types_for_org(order.org.code), text) if order is not None else None
        # A message naming another problem is a new report, even with a VIN in it.
        if order is not None and (named is None or named.code == order.type_code):
            record_details(session, message, order, details, language)
            return inbound.HandlerResult(None, order.id)
    if previous is not None and previous.work_order_id is None and not is_query(previous.body):
        # The first message did not say what the problem was; read both together.
        text = f"{previous.body.strip()} {text}"
    org = _organisation(session, message.recipient, text)
    if org is None:
        return inbound.HandlerResult(None)
    type_def = detect_type(rulebook().types_for_org(org.code), text)
    if type_def is None:
        locale = babel_locale(language)
        with force_locale(locale):
            body = _(
                "Thank you. What is the problem, and where? For example: %(examples)s.",
                examples=_examples(org, locale.startswith("zh")),
            )
        _send(session, message, body, "ask_type", language, {}, org_id=org.id)
        return inbound.HandlerResult(None)
    try:
        result = take_report(
            session,
            org=org,
            type_code=type_def.code,
            channel=Channel.SMS,
            actor=ACTOR,
            description=text[: int(current_app.config.get("INTAKE_MAX_DESCRIPTION", 4000))],
            reporter_phone=message.sender,
            language=language,
            address=text[:300],
            free_text_address=True,
        )
    except DomainError:
        # A sender number that is no phone number (a short code, a test sender): nobody to answer.
        return inbound.HandlerResult(None)
    return inbound.HandlerResult(None, result.order.id)


def register() -> None:
    inbound.register_handler(inbound.CITIZEN, handle)
