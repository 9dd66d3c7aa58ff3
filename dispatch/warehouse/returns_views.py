"""Returned parts (typed or scanned in, tag printed), the monthly close and supplier claims."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from dispatch.extensions import db
from dispatch.parts import claims, closing, evidence, ledger, returns
from dispatch.parts.errors import PartsError, UnknownPart
from dispatch.parts.returns_models import ClaimState, Disposition, ReturnedPart, SupplierClaim
from dispatch.warehouse.blueprint import WAREHOUSE_ROLES, bp, month_arg, org_id, owned
from dispatch.web import commit, roles_required


@bp.route("/returns", methods=["GET", "POST"])
@roles_required(*WAREHOUSE_ROLES)
def receive_returns():
    error = suggestions = None
    if request.method == "POST":
        try:
            returned = returns.receive(
                db.session,
                org_id(),
                request.form.get("part", ""),
                request.form.get("serial"),
                current_user,
                request.form.get("note", ""),
            )
        except UnknownPart as exc:
            db.session.rollback()
            error, suggestions = exc.message, exc.details.get("suggestions", [])
        except PartsError as exc:
            db.session.rollback()
            error = exc.message
        else:
            commit()
            flash(
                _("Received %(part)s %(serial)s onto the returns shelf.")
                % {"part": returned.part.number, "serial": returned.serial or ""},
                "ok",
            )
            return redirect(url_for("warehouse.receive_returns", last=returned.id))
    last = db.session.get(ReturnedPart, request.args.get("last", type=int) or 0)
    if last is not None and last.org_id != org_id():
        last = None
    waiting = returns.outstanding(db.session, org_id())
    status = 422 if error else 200
    return render_template(
        "warehouse/returns.html",
        waiting=waiting,
        error=error,
        suggestions=suggestions,
        last=last,
        form=request.form,
    ), status


@bp.get("/returns/<int:returned_id>/tag")
@roles_required(*WAREHOUSE_ROLES)
def tag(returned_id: int):
    returned = owned(ReturnedPart, returned_id)
    return render_template(
        "warehouse/tag.html",
        returned=returned,
        qr=returns.tag_svg(returned),
        payload=returns.tag_payload(returned),
    )


@bp.get("/close")
@roles_required(*WAREHOUSE_ROLES)
def close():
    # The month to close is the last one (a month is closed once it has ended).
    last_month = ledger.month_of(ledger.today().replace(day=1) - timedelta(days=1))
    month = month_arg() if request.args.get("month") else last_month
    from dispatch.parts.returns_models import MonthClose

    closed = list(
        db.session.scalars(
            sa.select(MonthClose).where(MonthClose.org_id == org_id()).order_by(MonthClose.month.desc())
        )
    )
    # The close waits for the parts received in the month or before it; those received since
    # are decided at their own month's close.
    end = closing.month_bounds(month)[1]
    pending = closing.pending(db.session, org_id(), before=end)
    return render_template(
        "warehouse/close.html",
        month=month,
        pending=pending,
        later=len(closing.pending(db.session, org_id())) - len(pending),
        next_month=ledger.month_of(end),
        closed=closed,
        report=closing.closing_report(db.session, org_id(), month),
        is_closed=ledger.is_closed(db.session, org_id(), month),
        ended=closing.month_bounds(month)[1] <= ledger.today(),
    )


@bp.post("/returned/<int:returned_id>/dispose")
@roles_required(*WAREHOUSE_ROLES)
def dispose(returned_id: int):
    returned = owned(ReturnedPart, returned_id)
    try:
        disposition = Disposition(request.form.get("disposition", ""))
    except ValueError:
        abort(400)
    closing.dispose(db.session, returned, disposition, current_user)
    if disposition is Disposition.CLAIM:
        claims.add_line(db.session, returned, current_user, request.form.get("evidence", ""))
    commit()
    return redirect(url_for("warehouse.close", month=request.form.get("month") or None))


@bp.post("/close")
@roles_required(*WAREHOUSE_ROLES)
def close_month():
    month = request.form.get("month", "")
    try:
        closing.close_month(db.session, org_id(), month, current_user)
    except PartsError as refused:  # back to the page, with the reason
        db.session.rollback()
        flash(refused.message, "error")
        return redirect(url_for("warehouse.close", month=month or None))
    commit()
    flash(_("The month %(month)s is closed.") % {"month": month}, "ok")
    return redirect(url_for("warehouse.close", month=month))


@bp.get("/close/<month>/report")
@roles_required(*WAREHOUSE_ROLES)
def closing_report(month: str):
    return render_template(
        "warehouse/closing_report.html",
        month=month,
        report=closing.closing_report(db.session, org_id(), month),
    )


@bp.get("/claims")
@roles_required(*WAREHOUSE_ROLES)
def claims_page():
    rows = list(
        db.session.scalars(
            sa.select(SupplierClaim).where(SupplierClaim.org_id == org_id()).order_by(SupplierClaim.id.desc())
        )
    )
    recovered = sorted(
        claims.recovered(db.session, org_id()).items(), key=lambda kv: (kv[0][1], kv[0][0]), reverse=True
    )
    files = evidence.of_lines(db.session, [line.id for claim in rows for line in claim.lines])
    return render_template(
        "warehouse/claims.html",
        claims=rows,
        recovered=recovered,
        next_states=claims.NEXT,
        files=files,
        max_mb=round(evidence.max_bytes() / 1024 / 1024, 1),
    )


@bp.post("/claims/<int:claim_id>/<state>")
@roles_required(*WAREHOUSE_ROLES)
def advance_claim(claim_id: int, state: str):
    claim = owned(SupplierClaim, claim_id)
    try:
        target = ClaimState(state)
    except ValueError:
        abort(404)
    credited = request.form.get("credited", "").strip()
    cents = None
    if credited:
        try:
            cents = round(float(credited) * 100)
        except ValueError:
            raise PartsError(_("Not an amount: %(value)s") % {"value": credited}) from None
    claims.advance(db.session, claim, target, current_user, cents, request.form.get("note", ""))
    commit()
    return redirect(url_for("warehouse.claims_page"))
