"""The one-time pages opened from an SMS: the customer's signing page and the technician's
filling page. Both work on a 360 px phone, in Chinese or English (the customer's or
technician's language first; the header's switch changes it). No login: the signed link is
the key, and the server checks every rule whatever the page sends."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import refresh

from dispatch.assign.texts import locale_of
from dispatch.errors import DomainError
from dispatch.extensions import db, limiter
from dispatch.orders.lifecycle import Actor
from dispatch.orders.models import Channel
from dispatch.reports import flow, links, service, short_codes, signing
from dispatch.reports.models import ReportState
from dispatch.reports.texts import FIELD, RESPONSIBILITY
from dispatch.web import commit

bp = Blueprint("reports", __name__)


def _language(phone_language: str | None) -> None:
    """The page in the language of the person it was sent to, unless they switched it."""
    g.page_locale = locale_of(phone_language)
    refresh()


def _replaced_by(report) -> int | None:
    """The revision that replaced ``report`` (the latest of its order), or None while it is in play."""
    if report.state not in (ReportState.VOID, ReportState.RETURNED):
        return None
    return max(r.revision for r in service.revisions(db.session, report.order))


def _rating(value: str | None) -> int | None:
    if value in (None, ""):
        return None
    if value not in ("1", "2", "3", "4", "5"):
        raise signing.SigningRefused(_("Choose a rating from 1 to 5."))
    return int(value)


@bp.route("/r/<token>", methods=["GET", "POST"])
@limiter.limit("30 per minute")
def sign(token: str):
    link = links.resolve(db.session, token, "sign")
    report = link.report
    _language(report.order.reporter_language)
    closed = link.used_at is not None or report.state is not ReportState.COMPLETE
    error = None
    if request.method == "POST":
        try:
            if request.form.get("action") == "refuse":
                links.ensure_unused(link)
                signing.refuse(db.session, report, request.form.get("reason", ""), Actor(Channel.WEB), link)
            else:
                signing.sign_on_screen(
                    db.session,
                    link,
                    data_url=request.form.get("signature", ""),
                    signer_name=request.form.get("name", ""),
                    rating=_rating(request.form.get("rating")),
                    comment=request.form.get("comment"),
                    client_address=request.remote_addr,
                )
            commit()
            return redirect(url_for(".sign", token=token))
        except DomainError as exc:
            db.session.rollback()
            error = exc.message
            link = links.resolve(db.session, token, "sign")
            report = link.report
            closed = link.used_at is not None or report.state is not ReportState.COMPLETE
    status = 409 if error and closed else (400 if error else 200)
    return (
        render_template(
            "reports/sign.html",
            report=report,
            order=report.order,
            closed=closed,
            error=error,
            replaced_by=_replaced_by(report),
            field=FIELD,
            responsibility=RESPONSIBILITY,
        ),
        status,
    )


@bp.get("/s/<code>")
@limiter.limit("30 per minute")
def short_code(code: str):
    """The registered address and short code a template gateway sends instead of the link."""
    try:
        token = short_codes.resolve(db.session, code, request.remote_addr)
    except DomainError:
        commit()  # the refused try counts towards the address's limit
        raise
    return redirect(url_for(".sign", token=token))


@bp.route("/t/<token>", methods=["GET", "POST"])
@limiter.limit("60 per minute")
def fill(token: str):
    link = links.resolve(db.session, token, "fill")
    report = link.report
    tech = report.technician
    _language(tech.language if tech else None)
    error = None
    if request.method == "POST":
        try:
            links.ensure_unused(link)
            form = request.form
            service.fill(db.session, report, form.to_dict(), filled_via="mobile")
            if form.get("part_number", "").strip():
                service.add_part(
                    db.session,
                    report,
                    form["part_number"],
                    int(form.get("quantity") or 1),
                    name=form.get("part_name", ""),
                    reason=form.get("part_reason", ""),
                    old_part_returns=form.get("old_part_returns") == "1",
                )
            if form.get("action") == "submit":
                # What was typed is kept even when the report cannot be submitted yet.
                commit()
                flow.submit(db.session, report, Actor(Channel.WEB, technician_id=report.technician_id))
                links.use(link)
            sign_url = None
            if form.get("action") == "submit" and report.signature_required:
                # The technician hands his phone over: the customer signs on it, never before this.
                sign_url = links.create(db.session, report, "sign", sent_to=tech.phone if tech else None)
            commit()
            if form.get("action") == "submit":
                flash(_("Report submitted. Thank you."), "ok")
                if sign_url:
                    return redirect(sign_url)
            else:
                flash(_("Saved."), "ok")
            return redirect(url_for(".fill", token=token))
        except (DomainError, ValueError) as exc:
            db.session.rollback()
            error = getattr(exc, "message", None) or _("Check the numbers entered.")
            link = links.resolve(db.session, token, "fill")
            report = link.report
    return render_template(
        "reports/fill.html",
        report=report,
        order=report.order,
        error=error,
        used=link.used_at is not None,
        missing=service.missing(report),
        field=FIELD,
        responsibility=RESPONSIBILITY,
    ), (400 if error else 200)
