"""The service report on the console: read it (every revision, its signature and hash), fill it
from a phone call or the paper report, upload the signed paper, revise it; supervisors approve
or return it; the organisation's staff download its PDF."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from dispatch.auth.models import Role
from dispatch.console.blueprint import CONSOLE_ROLES, actor, bp
from dispatch.errors import DomainError
from dispatch.extensions import db
from dispatch.orders.models import WorkOrder
from dispatch.orders.service import get_order
from dispatch.reports import approval, flow, service, signing
from dispatch.reports.models import ReportState, ServiceReport
from dispatch.reports.texts import FIELD, RESPONSIBILITY
from dispatch.security import large_upload
from dispatch.web import commit, roles_required

#: Everyone on the organisation's staff may read the archived PDF (the warehouse writes parts off against it).
STAFF_ROLES = (*CONSOLE_ROLES, Role.WAREHOUSE)
SOURCES = {"console_phone": "phone call", "console_paper": "paper report"}


def _back(reference: str):
    return redirect(url_for(".report", reference=reference))


def _current(order: WorkOrder) -> ServiceReport:
    report = service.current_report(db.session, order)
    if report is None:
        raise service.ReportError(_("This order has no service report."))
    return report


@bp.get("/orders/<reference>/report")
@roles_required(*CONSOLE_ROLES)
def report(reference: str):
    order = get_order(db.session, current_user.org_id, reference)
    current = service.current_report(db.session, order)
    return render_template(
        "console/report.html",
        order=order,
        report=current,
        revisions=service.revisions(db.session, order),
        missing=service.missing(current) if current is not None and current.is_draft else [],
        field=FIELD,
        responsibility=RESPONSIBILITY,
        approvable=current is not None and approval.approvable(current),
        is_supervisor=current_user.has_role(Role.SUPERVISOR),
    )


@bp.post("/orders/<reference>/report/fill")
@roles_required(*CONSOLE_ROLES)
def report_fill(reference: str):
    order = get_order(db.session, current_user.org_id, reference)
    form = request.form
    source = form.get("source") if form.get("source") in SOURCES else "console_phone"
    try:
        current = service.open_report(db.session, order, filled_via=source)
        service.fill(db.session, current, form.to_dict(), filled_via=source)
        if form.get("part_number", "").strip():
            service.add_part(
                db.session,
                current,
                form["part_number"],
                int(form.get("quantity") or 1),
                name=form.get("part_name", ""),
                reason=form.get("part_reason", ""),
                old_part_returns=form.get("old_part_returns") == "1",
            )
    except ValueError:
        db.session.rollback()
        flash(_("Check the numbers entered."), "error")
        return _back(reference)
    commit()
    if form.get("action") != "submit":
        flash(_("Saved."), "ok")
        return _back(reference)
    # What was typed is kept (committed above) even when the report cannot be submitted yet.
    flow.submit(db.session, current, actor())
    commit()
    flash(_("Report submitted."), "ok")
    return _back(reference)


@bp.post("/orders/<reference>/report/paper")
@large_upload
@roles_required(*CONSOLE_ROLES)
def report_paper(reference: str):
    order = get_order(db.session, current_user.org_id, reference)
    upload = request.files.get("scan")
    if upload is None or not upload.filename:
        flash(_("Choose the scan of the signed paper report."), "error")
        return _back(reference)
    data = upload.read(signing.MAX_PAPER_BYTES + 1)
    signing.sign_on_paper(
        db.session,
        _current(order),
        data=data,
        filename=upload.filename,
        signer_name=request.form.get("signer_name", ""),
        user_id=current_user.id,
        client_address=request.remote_addr,
    )
    commit()
    flash(_("Paper signature recorded."), "ok")
    return _back(reference)


@bp.post("/orders/<reference>/report/revise")
@roles_required(*CONSOLE_ROLES)
def report_revise(reference: str):
    order = get_order(db.session, current_user.org_id, reference)
    draft = service.revise(db.session, _current(order), actor(), request.form.get("reason", ""))
    commit()
    if draft.signature_required:
        flash(_("A new revision was opened; it needs a new signature."), "ok")
    else:
        flash(_("A new revision was opened; it needs a supervisor's approval again."), "ok")
    return _back(reference)


@bp.post("/orders/<reference>/report/approve")
@roles_required(Role.SUPERVISOR)
def report_approve(reference: str):
    order = get_order(db.session, current_user.org_id, reference)
    approval.approve(db.session, _current(order), current_user.id, request.form.get("note") or None)
    commit()
    flash(_("Report approved; the order is closed."), "ok")
    return _back(reference)


@bp.post("/orders/<reference>/report/charges")
@roles_required(Role.SUPERVISOR)
def report_charges(reference: str):
    order = get_order(db.session, current_user.org_id, reference)
    service.approve_charges(db.session, _current(order), current_user.id)
    commit()
    flash(_("Charges approved."), "ok")
    return _back(reference)


@bp.post("/orders/<reference>/report/return")
@roles_required(Role.SUPERVISOR)
def report_return(reference: str):
    order = get_order(db.session, current_user.org_id, reference)
    approval.return_report(db.session, _current(order), current_user.id, request.form.get("reason", ""))
    commit()
    flash(_("Report returned to the technician."), "ok")
    return _back(reference)


@bp.get("/orders/<reference>/report.pdf")
@roles_required(*STAFF_ROLES)
def report_pdf(reference: str):
    """The archived PDF: the latest valid revision, or ``?revision=N``."""
    order = get_order(db.session, current_user.org_id, reference)
    query = sa.select(ServiceReport).where(
        ServiceReport.work_order_id == order.id, ServiceReport.pdf.is_not(None)
    )
    revision = request.args.get("revision", type=int)
    if revision is not None:
        query = query.where(ServiceReport.revision == revision)
    else:
        query = query.where(ServiceReport.state.not_in([ReportState.VOID, ReportState.RETURNED]))
    found = db.session.scalar(query.order_by(ServiceReport.revision.desc()).limit(1))
    if found is None:
        abort(404)
    return Response(
        found.pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{order.reference}-r{found.revision}.pdf"',
            "X-Content-SHA256": found.content_hash or "",
        },
    )


@bp.get("/reports")
@roles_required(*CONSOLE_ROLES)
def reports():
    """Reports waiting for a supervisor: signed, refused by the customer, or needing no signature."""
    waiting = [
        r
        for r in db.session.scalars(
            sa.select(ServiceReport)
            .where(
                ServiceReport.organisation_id == current_user.org_id,
                ServiceReport.state.in_([ReportState.SIGNED, ReportState.REFUSED, ReportState.COMPLETE]),
            )
            .order_by(ServiceReport.submitted_at)
        )
        if approval.approvable(r) or r.state is ReportState.COMPLETE
    ]
    return render_template("console/reports.html", reports=waiting)


@bp.errorhandler(signing.SigningRefused)
@bp.errorhandler(service.ReportError)
def _report_refused(error: DomainError):
    db.session.rollback()
    reference = request.view_args.get("reference") if request.view_args else None
    if reference is None or request.method == "GET":
        return render_template("error.html", code=error.status, message=error.message), error.status
    flash(error.message, "error")
    return _back(reference)
