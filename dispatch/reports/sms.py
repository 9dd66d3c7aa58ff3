"""Service reports on the SMS pipe and on the order's timeline.

- The technician's reply to DONE is one message: what is still missing and the filling link.
  He can answer by SMS: ``CAUSE [job] text``, ``RESP [job] 1–4``, ``KM [job] 12345``
  (原因 / 责任 / 里程).
- A customer's ``OK 1234`` (确认 1234) signs by SMS confirmation; a lone digit 1–5 answers the
  satisfaction survey. Everything else goes on to the citizen handler.
"""

from __future__ import annotations

import re
import unicodedata

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from dispatch import signals
from dispatch.assign import commands, grammar
from dispatch.assign.grammar import CommandKind
from dispatch.assign.models import Technician
from dispatch.assign.texts import in_language, short_language
from dispatch.errors import DomainError
from dispatch.intake import citizen_sms
from dispatch.orders.lifecycle import Actor
from dispatch.orders.models import Channel, Status, WorkOrder
from dispatch.reports import flow, links, service, signing, survey, texts
from dispatch.reports.models import ReportState, ServiceReport
from dispatch.sms import inbound
from dispatch.sms.models import InboundMessage

ANSWER = re.compile(
    r"^\s*(CAUSE|RESP|KM|原因|责任|里程)\s*(?:(\d{3,4})\s+)?(.+?)\s*$", re.IGNORECASE | re.DOTALL
)
FIELD_OF = {
    "CAUSE": "cause",
    "原因": "cause",
    "RESP": "responsibility",
    "责任": "responsibility",
    "KM": "mileage_km",
    "里程": "mileage_km",
}
CONFIRM = re.compile(r"^\s*(?:OK|确认|同意)\s*(\d{4})\s*$", re.IGNORECASE)
RATING = re.compile(r"^\s*([1-5])(?:\s*分)?(?:\s+(.*))?$", re.DOTALL)


def init_app(app) -> None:
    inbound.register_handler(inbound.TECHNICIAN, technician_handler)
    inbound.register_handler(inbound.CITIZEN, customer_handler)
    signals.order_event.connect(flow.on_event)


# -- the technician --------------------------------------------------------------------------


def _draft_reports(session: Session, tech: Technician) -> list[ServiceReport]:
    return list(
        session.scalars(
            sa.select(ServiceReport)
            .join(WorkOrder, WorkOrder.id == ServiceReport.work_order_id)
            .where(
                WorkOrder.assignee_id == tech.id,
                ServiceReport.state == ReportState.DRAFT,
                WorkOrder.status.in_([*commands.ACTIVE, Status.WORK_DONE]),
            )
            .order_by(ServiceReport.id)
        )
    )


def technician_handler(session: Session, message: InboundMessage) -> inbound.HandlerResult:
    # Full-width letters, digits and spaces (责任　６２７　４) read as the commands read them.
    match = ANSWER.match(unicodedata.normalize("NFKC", message.body or ""))
    tech = session.scalar(sa.select(Technician).where(Technician.phone == message.sender))
    if match and tech is not None:
        with in_language(tech.language):
            return answer(session, tech, match)
    result = commands.handle(session, message)
    command = grammar.parse(message.body or "")
    if tech is None or getattr(command, "kind", None) is not CommandKind.DONE or result.work_order_id is None:
        return result
    order = session.get(WorkOrder, result.work_order_id)
    report = service.current_report(session, order) if order.status is Status.WORK_DONE else None
    if report is None or not report.is_draft:
        return result
    url = links.create(session, report, "fill", sent_to=tech.phone)
    followup = texts.done_followup(report, service.missing(report), url, tech.language)
    return inbound.HandlerResult(
        commands.join(short_language(tech.language), result.reply, followup), order.id
    )


def answer(session: Session, tech: Technician, match: re.Match) -> inbound.HandlerResult:
    word, code, value = match.group(1).upper(), match.group(2), match.group(3)
    reports = _draft_reports(session, tech)
    if code:
        reports = [r for r in reports if r.order.job_code == code]
    if not reports:
        # Answered on site before DONE: the report of the job he is working on is opened now.
        jobs = [
            o
            for o in commands.my_jobs(commands.Context(session, tech, tech.language, None))
            if (not code or o.job_code == code) and service.current_report(session, o) is None
        ]
        if len(jobs) == 1:
            reports = [service.open_report(session, jobs[0])]
    if len(reports) != 1:
        if not reports:
            return inbound.HandlerResult(_("You have no report waiting for that. Reply LIST for your jobs."))
        codes = ", ".join(r.order.job_code or "?" for r in reports)
        return inbound.HandlerResult(
            _("Several reports are open (%(codes)s): add the job number.") % {"codes": codes}
        )
    report = reports[0]
    field = FIELD_OF[word]
    if field == "responsibility":
        if value.strip() not in ("1", "2", "3", "4"):
            return inbound.HandlerResult(
                _("RESP takes 1 product, 2 use, 3 third party or 4 other."), report.work_order_id
            )
        value = texts.RESPONSIBILITY_CODES[int(value.strip()) - 1]
    elif field == "mileage_km" and not value.strip().isdigit():
        return inbound.HandlerResult(
            _("KM takes the odometer reading in whole km, e.g. KM 123456."), report.work_order_id
        )
    try:
        with session.begin_nested():
            service.fill(session, report, {field: value}, filled_via="sms")
            gaps = service.missing(report)
            if not gaps and report.order.status is Status.WORK_DONE:
                flow.submit(session, report, Actor(Channel.SMS, technician_id=tech.id))
    except DomainError as error:
        return inbound.HandlerResult(error.message, report.work_order_id)
    code = report.order.job_code or report.order.reference
    if gaps:
        return inbound.HandlerResult(
            _("Report %(code)s: recorded. Still needs: %(missing)s.")
            % {"code": code, "missing": texts.missing_text(gaps)},
            report.work_order_id,
        )
    if report.state is ReportState.DRAFT:
        return inbound.HandlerResult(
            _("Report %(code)s: recorded. Send DONE when the work is finished.") % {"code": code},
            report.work_order_id,
        )
    if report.signature_required:
        return inbound.HandlerResult(
            _("Report %(code)s is complete; the customer has been asked to sign.") % {"code": code},
            report.work_order_id,
        )
    return inbound.HandlerResult(
        _("Report %(code)s is complete and goes to the supervisor.") % {"code": code}, report.work_order_id
    )


# -- the customer ----------------------------------------------------------------------------


def customer_handler(session: Session, message: InboundMessage) -> inbound.HandlerResult:
    body = message.body or ""
    confirm = CONFIRM.match(body)
    if confirm:
        return confirm_by_sms(session, message, confirm.group(1))
    rating = RATING.match(body)
    if rating:
        report = survey.awaiting(session, message.sender)
        if report is not None:
            language = short_language(report.order.reporter_language)
            survey.rate(session, report, int(rating.group(1)), rating.group(2), source="sms")
            with in_language(language):
                return inbound.HandlerResult(_("Thank you for your rating."), report.work_order_id)
    return citizen_sms.handle(session, message)


def confirm_by_sms(session: Session, message: InboundMessage, code: str) -> inbound.HandlerResult:
    language = "zh" if message.sender.startswith("+86") else "en"
    report = session.scalar(
        sa.select(ServiceReport)
        .where(ServiceReport.confirm_phone == message.sender, ServiceReport.state == ReportState.COMPLETE)
        .order_by(ServiceReport.id.desc())
        .limit(1)
    )
    if report is not None:
        language = short_language(report.order.reporter_language)
    with in_language(language):
        if report is None:
            return inbound.HandlerResult(_("No service report is waiting for confirmation from this number."))
        try:
            signing.sign_by_sms(session, report, message, code)
        except DomainError as error:
            return inbound.HandlerResult(error.message, report.work_order_id)
        return inbound.HandlerResult(
            _("Thank you: service report %(ref)s is signed.") % {"ref": report.order.reference},
            report.work_order_id,
        )
