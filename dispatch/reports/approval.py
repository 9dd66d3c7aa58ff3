"""A supervisor approves a report (closing the order through the lifecycle and archiving the
report) or returns it to the technician with a reason (a new revision follows)."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from dispatch import clock, signals
from dispatch.assign.models import Technician
from dispatch.orders import lifecycle
from dispatch.orders.lifecycle import Actor
from dispatch.orders.models import Channel, Status
from dispatch.reports import canonical, links, pdf, service, survey, texts
from dispatch.reports.models import ReportState, ServiceReport
from dispatch.reports.signing import customer_language


def approvable(report: ServiceReport) -> bool:
    return report.state is ReportState.SIGNED or (
        report.state in (ReportState.COMPLETE, ReportState.REFUSED)
        and (not report.signature_required or report.state is ReportState.REFUSED)
    )


def approve(session: Session, report: ServiceReport, user_id: int, note: str | None = None) -> None:
    """Approve and close. A signed report goes ``approve`` → ``close``; one that needs no
    signature, or whose customer refused to sign (the supervisor's decision, noted), closes from
    work_done. Raises ``service.ReportError`` when the report is not ready for approval."""
    if not approvable(report):
        if report.state is ReportState.COMPLETE:
            raise service.ReportError(_("This report waits for the customer's signature."))
        raise service.ReportError(
            _("This report cannot be approved (it is %(state)s).") % {"state": report.state.value}
        )
    if report.state is ReportState.REFUSED and not (note or "").strip():
        raise service.ReportError(_("Say why you approve a report the customer refused to sign."))
    actor = Actor(Channel.CONSOLE, user_id=user_id)
    order = report.order
    if order.status is Status.SIGNED:
        lifecycle.transition(session, order, "approve", actor, note=note, data={"revision": report.revision})
    report.state = ReportState.APPROVED
    report.approved_at = clock.now()
    report.approved_by_id = user_id
    if report.signed_at is None:
        # Archived all the same: the hash covers the content alone (no signature).
        with session.no_autoflush:
            report.content_hash = canonical.content_hash(report, None)
            report.pdf = pdf.render(report, customer_language(report))
    session.flush()
    signals.report_approved.send(report)
    lifecycle.transition(session, order, "close", actor, note=note, data={"report_revision": report.revision})
    survey.ask(session, report)


def return_report(session: Session, report: ServiceReport, user_id: int, reason: str) -> ServiceReport:
    """Send the report back to its technician with ``reason`` (by SMS, with the filling link).
    The returned revision is out of play; the next revision is a draft with the same content."""
    if report.state not in (ReportState.COMPLETE, ReportState.SIGNED, ReportState.REFUSED):
        raise service.ReportError(
            _("This report cannot be returned (it is %(state)s).") % {"state": report.state.value}
        )
    reason = (reason or "").strip()
    if not reason:
        raise service.ReportError(_("Say why the report goes back."))
    actor = Actor(Channel.CONSOLE, user_id=user_id)
    order = report.order
    if order.status in (Status.SIGNED, Status.APPROVED):
        lifecycle.transition(session, order, "revise", actor, note=reason, data={"revision": report.revision})
    report.state = ReportState.RETURNED
    report.returned_at = clock.now()
    report.return_reason = reason
    session.flush()
    signals.report_voided.send(report)
    draft = service.copy_as_draft(session, report)
    lifecycle.record(
        session,
        order,
        "report_returned",
        actor,
        note=reason,
        data={"returned": report.revision, "new": draft.revision},
    )
    tech = session.get(Technician, report.technician_id) if report.technician_id else None
    if tech is not None:
        url = links.create(session, draft, "fill", sent_to=tech.phone)
        texts.send(
            session,
            draft,
            to=tech.phone,
            kind="report_returned",
            template="report_returned",
            params={"code": order.job_code or order.reference, "reason": reason[:60], "link": url},
            body=texts.returned_text(draft, reason, url, tech.language),
            language=tech.language,
            technician_id=tech.id,
        )
    return draft
