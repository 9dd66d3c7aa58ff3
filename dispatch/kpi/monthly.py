"""The monthly report: the month's KPIs, breaches, complaints and parts discrepancies — as a page
and as an XLSX workbook (one sheet each)."""

from __future__ import annotations

import io
from datetime import date, timedelta

import sqlalchemy as sa
from flask import Response, abort, current_app, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from dispatch import clock
from dispatch.complaints.models import Complaint
from dispatch.extensions import db
from dispatch.kpi import review
from dispatch.kpi.measures import KPIS, Period, measure
from dispatch.kpi.targets import met, targets
from dispatch.kpi.views import TITLES, VIEWERS, bp
from dispatch.orders.models import WorkOrder
from dispatch.parts import reconciliation
from dispatch.web import roles_required


def month_period() -> tuple[str, Period]:
    text = request.args.get("month") or clock.local(clock.now()).strftime("%Y-%m")
    try:
        first = date.fromisoformat(f"{text}-01")
    except ValueError:
        abort(400)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return text, Period(first, last)


def report(org_id: int, month: str, period: Period) -> dict:
    received = sa.orm.aliased(WorkOrder)
    complaints = db.session.scalars(
        sa.select(Complaint)
        .join(received, received.id == Complaint.work_order_id)
        .where(
            Complaint.org_id == org_id,
            received.reported_at >= period.start,
            received.reported_at < period.end,
        )
        .order_by(received.reported_at)
    ).all()
    return_days = int(current_app.config.get("PARTS_RETURN_DAYS", 7))
    return {
        "month": month,
        "figures": measure(db.session, org_id, period, targets(db.session, org_id)),
        "breaches": review.breaches(db.session, org_id, period),
        "complaints": complaints,
        "discrepancies": reconciliation.discrepancies(db.session, org_id, return_days, month=month),
    }


@bp.get("/monthly")
@roles_required(*VIEWERS)
def monthly():
    month, period = month_period()
    return render_template(
        "kpi/monthly.html",
        period=period,
        titles=TITLES,
        kpis=KPIS,
        met=met,
        discrepancy_label=reconciliation.discrepancy_label,
        **report(current_user.org_id, month, period),
    )


def _pct(value: float | None):
    return None if value is None else round(value, 4)


@bp.get("/monthly.xlsx")
@roles_required(*VIEWERS)
def monthly_xlsx():
    from openpyxl import Workbook

    from dispatch.complaints.views import CLASSIFICATIONS
    from dispatch.console.labels import MILESTONE, label

    month, period = month_period()
    data = report(current_user.org_id, month, period)
    book = Workbook()
    sheet = book.active
    sheet.title = _("KPIs")[:31]
    sheet.append([_("KPI"), _("Value"), _("Numerator"), _("Denominator"), _("Target")])
    for k in KPIS:
        f = data["figures"][k]
        sheet.append([str(TITLES[k]), _pct(f["value"]), f["numerator"], f["denominator"], f["target"]])
    sheet = book.create_sheet(_("Breached milestones")[:31])
    sheet.append([_("Order"), _("Milestone"), _("Due"), _("Met"), _("Late by (hours)")])
    for b in data["breaches"]:
        m = b["milestone"]
        sheet.append(
            [
                b["order"].reference,
                label(MILESTONE, m.name),
                clock.local(m.due_at).strftime("%Y-%m-%d %H:%M"),
                clock.local(m.met_at).strftime("%Y-%m-%d %H:%M") if m.met_at else "",
                b["late_by_h"],
            ]
        )
    sheet = book.create_sheet(_("Complaints")[:31])
    sheet.append(
        [
            _("Complaint number"),
            _("Classification"),
            _("Root cause"),
            _("Responsible department"),
            _("Responsible person"),
            _("Cost (CNY)"),
            _("Department bearing the cost"),
            _("Upheld"),
        ]
    )
    for c in data["complaints"]:
        sheet.append(
            [
                c.order.reference,
                str(CLASSIFICATIONS.get(c.classification, "")) if c.classification else "",
                c.root_cause or "",
                c.responsible_department or "",
                c.responsible_person or "",
                float(c.cost_cny) if c.cost_cny is not None else None,
                c.cost_borne_by or "",
                "" if c.upheld is None else (_("upheld") if c.upheld else _("not upheld")),
            ]
        )
    sheet = book.create_sheet(_("Parts discrepancies")[:31])
    sheet.append([_("Kind"), _("Since"), _("Order"), _("Part"), _("Detail")])
    for d in data["discrepancies"]:
        sheet.append(
            [
                reconciliation.discrepancy_label(d.kind),
                clock.local(d.since).strftime("%Y-%m-%d"),
                getattr(d.work_order, "reference", "") if d.work_order else "",
                getattr(d.part, "number", "") if d.part else "",
                d.detail,
            ]
        )
    out = io.BytesIO()
    book.save(out)
    return Response(
        out.getvalue(),
        headers={"Content-Disposition": f"attachment; filename=kpi-{month}.xlsx"},
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
