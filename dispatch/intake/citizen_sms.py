"""Citizens' SMS to the hotline number (R2): free text in, a report out.

A message is matched against the rule book's keywords (Chinese or English) to find the type; the
rest goes through the geocoding chain (an account or VIN, a street, a corner, a landmark, a
village). The report is taken like any other and acknowledged once through the outbox — with the
reference and the promised time, or asking for the place when it cannot be found. A message from
the same number within ``[intake] sms_followup_min`` completes the unfinished report (the place
it lacked, or the problem a first message did not name). A citizen can ask about their own
reports (查询 / status) and never sees anything about jobs or technicians.

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

from dispatch import clock
from dispatch.auth.models import Organisation
from dispatch.errors import DomainError
from dispatch.geo.chain import locate
from dispatch.intake.ack import babel_locale, format_due, language_of
from dispatch.intake.placing import place_order
from dispatch.intake.service import after_placing, take_report
from dispatch.intake.text import _
from dispatch.orders.lifecycle import Actor
from dispatch.orders.models import FINAL, Channel, Status, WorkOrder
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
    stripped = text.strip()
    if _REFERENCE.fullmatch(stripped):
        return True
    lowered = stripped.lower()
    return (
        any(w in stripped for w in _QUERY_WORDS_ZH)
        and len(stripped) <= 12
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


def _due_param(order: WorkOrder) -> str:
    """The promised time as a template parameter (like the acknowledgement's): "12-01 14:30"."""
    milestone = promised(order)
    if order.status in FINAL or milestone is None or milestone.due_at is None:
        return "待定"
    return clock.local(milestone.due_at).strftime("%m-%d %H:%M")


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


def _status_text(order: WorkOrder, locale: str) -> str:
    if order.status is Status.CLOSED:
        return _("completed")
    if order.status is Status.CANCELLED:
        return _("closed")
    if order.status is Status.NEEDS_LOCATION:
        return _("waiting for the place")
    return _("being handled")


def answer_query(session: Session, message: InboundMessage, language: str) -> None:
    """The sender's own latest reports, with their state and promised time — nothing else."""
    locale = babel_locale(language)
    query = sa.select(WorkOrder).where(WorkOrder.reporter_phone == message.sender)
    reference = _REFERENCE.search(message.body)
    if reference:
        query = query.where(WorkOrder.reference == reference.group(0).upper())
    orders = list(session.scalars(query.order_by(WorkOrder.reported_at.desc()).limit(STATUS_LIMIT)))
    with force_locale(locale):
        if not orders:
            body = _("We have no report from this number.")
            org = _organisation(session, message.recipient, message.body or "")
            _send(session, message, body, "status_none", language, {}, org_id=org.id if org else None)
            return
        else:
            lines = []
            for order in orders:
                type_def = rulebook().types.get(order.type_code)
                name = (type_def.name_zh if locale.startswith("zh") else type_def.name_en) if type_def else ""
                line = f"{order.reference} {name}: {_status_text(order, locale)}"
                milestone = promised(order)
                if order.status not in FINAL and milestone is not None and milestone.due_at is not None:
                    line += " " + _("(promised by %(due)s)", due=format_due(milestone.due_at, locale))
                lines.append(line)
            body = "\n".join(lines)
    # A template carries one report: the latest (or the one named); the text lists up to three.
    latest = orders[0]
    with force_locale(babel_locale("zh")):
        state = _status_text(latest, babel_locale("zh"))
    params = {"reference": latest.reference, "state": state, "due": _due_param(latest)}
    _send(session, message, body, "status", language, params, org_id=latest.org_id)


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
        "due": _due_param(order),
    }
    _send(session, message, body, "reply", language, params, order=order)


def handle(session: Session, message: InboundMessage) -> inbound.HandlerResult:
    """The citizen handler registered with the inbound pipe. Writes, never commits."""
    text = (message.body or "").strip()
    language = language_of(text)
    if not text:
        return inbound.HandlerResult(None)
    if is_query(text):
        answer_query(session, message, language)
        return inbound.HandlerResult(None)
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
    if previous is not None and previous.work_order_id is None and not is_query(previous.body):
        # The first message did not say what the problem was; read both together.
        text = f"{previous.body.strip()} {text}"
    org = _organisation(session, message.recipient, text)
    if org is None:
        return inbound.HandlerResult(None)
    type_def = detect_type(rulebook().types_for_org(org.code), text)
    if type_def is None:
        with force_locale(babel_locale(language)):
            body = _(
                "Thank you. What is the problem, and where? For example: water leak at Renmin Road 25; "
                "manhole cover missing at the bus station."
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
