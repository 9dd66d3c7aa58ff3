"""The SMS of service reports, each sent through ``send`` (one call site shape: kind, template
name, parameters, body in the recipient's language) into the outbox."""

from __future__ import annotations

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from dispatch.assign.texts import in_language, short_language, type_name
from dispatch.reports.models import ServiceReport
from dispatch.sms import outbox

#: Labels of the fields a report may be missing (SMS and pages).
FIELD = {
    "heard": _l("what the customer said"),
    "seen": _l("what was seen"),
    "checked": _l("what was checked"),
    "cause": _l("cause"),
    "responsibility": _l("responsibility"),
    "work_done": _l("work done"),
    "advice": _l("advice to the customer"),
    "mileage_km": _l("mileage"),
    "charges_approval": _l("approval of the charges"),
}
RESPONSIBILITY = {
    "product_quality": _l("product quality"),
    "customer_use": _l("customer's use"),
    "third_party": _l("third party"),
    "other": _l("other"),
}
#: The numbers a technician answers RESP with, in this order.
RESPONSIBILITY_CODES = ("product_quality", "customer_use", "third_party", "other")


def send(
    session: Session,
    report: ServiceReport,
    *,
    to: str,
    kind: str,
    template: str,
    params: dict[str, str],
    body: str,
    language: str,
    technician_id: int | None = None,
) -> None:
    outbox.enqueue(
        session,
        to=to,
        body=body,
        kind=kind,
        org_id=report.organisation_id,
        work_order_id=report.work_order_id,
        technician_id=technician_id,
        language=short_language(language),
        template=template,
        params=params,
    )


def missing_text(gaps: list[str]) -> str:
    """The missing fields as a list in the current locale: "原因、责任" / "cause, responsibility"."""
    return list_joiner().join(str(FIELD.get(g, g)) for g in gaps) if gaps else ""


def list_joiner(locale: str | None = None) -> str:
    """What separates the items of a list: the enumeration comma in Chinese, ", " in English."""
    return "、" if str(locale or get_locale() or "zh").startswith("zh") else ", "


def done_followup(report: ServiceReport, gaps: list[str], link: str, language: str) -> str:
    """The one reply to DONE while the report is incomplete: what is missing, how to answer, the link."""
    with in_language(language):
        return _(
            "Report %(code)s still needs: %(missing)s. Reply CAUSE text; RESP 1 product 2 use "
            "3 third party 4 other; or fill it here: %(link)s"
        ) % {
            "code": report.order.job_code or report.order.reference,
            "missing": missing_text(gaps),
            "link": link,
        }


def sign_request(report: ServiceReport, link: str, language: str) -> str:
    with in_language(language):
        return _("Service report %(ref)s (%(type)s) is ready. Please read, sign and rate it: %(link)s") % {
            "ref": report.order.reference,
            "type": type_name(report.order.type_code, language),
            "link": link,
        }


def confirm_request(report: ServiceReport, code: str, language: str) -> str:
    with in_language(language):
        return _(
            "Service report %(ref)s: %(work)s. If you agree, reply OK %(code)s to sign it. "
            "To refuse, call us or use the link."
        ) % {"ref": report.order.reference, "work": (report.work_done or "")[:40], "code": code}


def survey_request(report: ServiceReport, language: str, reminder: bool = False) -> str:
    with in_language(language):
        if reminder:
            return _(
                "Reminder: how satisfied are you with the service on %(ref)s? "
                "Reply 1 (poor) to 5 (very good)."
            ) % {"ref": report.order.reference}
        return _("How satisfied are you with the service on %(ref)s? Reply 1 (poor) to 5 (very good).") % {
            "ref": report.order.reference
        }


def returned_text(report: ServiceReport, reason: str, link: str, language: str) -> str:
    with in_language(language):
        return _("Report %(code)s returned by the supervisor: %(reason)s. Correct it here: %(link)s") % {
            "code": report.order.job_code or report.order.reference,
            "reason": reason[:60],
            "link": link,
        }


STATE = {
    "draft": _l("draft"),
    "complete": _l("complete, waiting for the signature"),
    "signed": _l("signed"),
    "refused": _l("refused by the customer"),
    "approved": _l("approved"),
    "returned": _l("returned to the technician"),
    "void": _l("void (replaced by a newer revision)"),
}
#: A report that needs no customer signature waits for a supervisor once it is complete.
STATE_WITHOUT_SIGNATURE = {"complete": _l("complete, waiting for a supervisor's approval")}
METHOD = {"screen": _l("signed on screen"), "sms": _l("confirmed by SMS"), "paper": _l("signed on paper")}
SURVEY = {
    "none": _l("not asked yet"),
    "asked": _l("survey sent, no answer yet"),
    "reminded": _l("reminded, no answer yet"),
    "answered": _l("answered"),
    "not_answered": _l("not answered"),
}


def label(table: dict, code) -> str:
    value = getattr(code, "value", code)
    return str(table.get(value, value or ""))


def state_label(report_or_state) -> str:
    """What a report waits for, in words: given a report, a complete one that needs no customer
    signature waits for a supervisor's approval; given a bare state, the signed path is assumed."""
    state = getattr(report_or_state, "state", report_or_state)
    if getattr(report_or_state, "signature_required", True) is False:
        value = getattr(state, "value", state)
        if value in STATE_WITHOUT_SIGNATURE:
            return str(STATE_WITHOUT_SIGNATURE[value])
    return label(STATE, state)
