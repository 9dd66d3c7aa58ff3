"""Reconciliation — the warehouse's home page and its exports — and one job's parts."""

from __future__ import annotations

import csv
import io

import sqlalchemy as sa
from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from dispatch import clock
from dispatch.extensions import db
from dispatch.orders.models import WorkOrder
from dispatch.parts import jobs, reconciliation
from dispatch.parts.models import PartDocument
from dispatch.parts.returns_models import ExpectedReturn, ReturnedPart
from dispatch.warehouse import evidence_views, requisition_views, returns_views, stock_views  # noqa: F401  (routes)
from dispatch.warehouse.blueprint import (
    APPROVER_ROLES,
    COLUMN_HEADERS,
    DISCREPANCY,
    WAREHOUSE_ROLES,
    bp,
    month_arg,
    org_id,
)
from dispatch.web import commit, roles_required


def _locale() -> str:
    return str(get_locale())


def _month_data(month: str):
    lines = reconciliation.month(db.session, org_id(), month)
    found = reconciliation.discrepancies(
        db.session, org_id(), current_app.config.get("PARTS_RETURN_DAYS", 7), month=month
    )
    by_order: dict[int, set[str]] = {}
    for d in found:
        if d.work_order is not None:
            by_order.setdefault(d.work_order.id, set()).add(d.kind)
    for line in lines:
        line.discrepancies = sorted(by_order.get(line.work_order_id, ()))
    return lines, found


@bp.get("/")
@roles_required(*WAREHOUSE_ROLES)
def home():
    month = month_arg()
    lines, found = _month_data(month)
    people = reconciliation.by_technician(lines)
    return render_template(
        "warehouse/home.html",
        month=month,
        lines=lines,
        discrepancies=found,
        technicians=[p for p in people if not reconciliation.is_station(p[0])],
        stations=[p for p in people if reconciliation.is_station(p[0])],
        now=clock.now(),
    )


def _rows(month: str, lines, locale: str) -> list[list]:
    rows = []
    for line in lines:
        tech = line.technician
        rows.append(
            [
                month,
                line.order.reference if line.order else "",
                tech.code if tech and not reconciliation.is_station(tech) else "",
                tech.code if reconciliation.is_station(tech) else "",
                line.part.number if line.part else "",
                line.part.name(locale) if line.part else "",
                line.issued,
                line.consumed,
                line.returned,
                line.written_off,
                line.still_out,
                ";".join(line.discrepancies),
            ]
        )
    return rows


@bp.get("/reconciliation.csv")
@roles_required(*WAREHOUSE_ROLES)
def reconciliation_csv():
    month = month_arg()
    lines, _found = _month_data(month)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(reconciliation.COLUMNS)
    writer.writerows(_rows(month, lines, _locale()))
    # Excel in China opens UTF-8 only with a byte-order mark.
    return Response(
        "\ufeff" + out.getvalue(),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f"attachment; filename=reconciliation-{month}.csv"},
    )


@bp.get("/reconciliation.xlsx")
@roles_required(*WAREHOUSE_ROLES)
def reconciliation_xlsx():
    from openpyxl import Workbook

    month = month_arg()
    lines, _found = _month_data(month)
    book = Workbook()
    sheet = book.active
    sheet.title = month
    sheet.append([str(h) for h in COLUMN_HEADERS])
    for row in _rows(month, lines, _locale()):
        row[-1] = "; ".join(str(DISCREPANCY.get(k, k)) for k in row[-1].split(";") if k)
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return Response(
        out.getvalue(),
        headers={"Content-Disposition": f"attachment; filename=reconciliation-{month}.xlsx"},
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def _order(reference: str) -> WorkOrder:
    order = db.session.scalar(
        sa.select(WorkOrder).where(WorkOrder.reference == reference, WorkOrder.org_id == org_id())
    )
    if order is None:
        from flask import abort

        abort(404)
    return order


@bp.get("/jobs/<reference>")
@roles_required(*WAREHOUSE_ROLES)
def job(reference: str):
    order = _order(reference)
    documents = list(
        db.session.scalars(
            sa.select(PartDocument).where(PartDocument.work_order_id == order.id).order_by(PartDocument.id)
        )
    )
    expected = list(
        db.session.scalars(sa.select(ExpectedReturn).where(ExpectedReturn.work_order_id == order.id))
    )
    returned = list(db.session.scalars(sa.select(ReturnedPart).where(ReturnedPart.work_order_id == order.id)))
    figures = jobs.job_figures(db.session, order.id)
    from dispatch.parts.models import Part

    parts = {p.id: p for p in db.session.scalars(sa.select(Part).where(Part.id.in_(list(figures))))}
    return render_template(
        "warehouse/job.html",
        order=order,
        documents=documents,
        expected=expected,
        returned=returned,
        figures=figures,
        parts=parts,
        report_state=jobs.report_state(db.session, order.id),
    )


@bp.post("/jobs/<reference>/write-off")
@roles_required(*WAREHOUSE_ROLES)
def write_off(reference: str):
    order = _order(reference)
    reason = request.form.get("exception_reason", "")
    approver = current_user if reason.strip() and current_user.has_role(*APPROVER_ROLES) else None
    doc = jobs.write_off(db.session, order, current_user, exception_reason=reason, approver=approver)
    commit()
    flash(_("Written off: %(number)s.") % {"number": doc.number}, "ok")
    return redirect(url_for("warehouse.job", reference=reference))
