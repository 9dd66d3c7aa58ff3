"""The KPI dashboard (supervisors and administrators): figures against targets, over time, by
type, zone, depot/station and technician, each figure a link to the work orders behind it."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from flask import Blueprint, abort, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from dispatch import clock
from dispatch.assign.models import Technician
from dispatch.auth.models import Role
from dispatch.extensions import db
from dispatch.geo.models import Depot
from dispatch.kpi import review
from dispatch.kpi.measures import DIMENSIONS, KPIS, Period, breakdown, drill, measure
from dispatch.kpi.targets import met, targets
from dispatch.orders.models import WorkOrder
from dispatch.web import roles_required

bp = Blueprint("kpi", __name__, url_prefix="/kpi")

VIEWERS = (Role.SUPERVISOR, Role.ADMIN)
TITLES = {
    "timeliness": _l("Service timeliness"),
    "satisfaction": _l("Customer satisfaction"),
    "complaint_rate": _l("Complaint rate (service at fault)"),
}
DIMENSION_TITLES = {
    "type": _l("Type"),
    "zone": _l("Zone"),
    "depot": _l("Depot or service station"),
    "technician": _l("Technician"),
}
PARTS = {"numerator": _l("counted in"), "denominator": _l("all counted"), "missed": _l("not met")}


def period_from_request() -> Period:
    today = clock.local(clock.now()).date()
    try:
        first = date.fromisoformat(request.args.get("from") or today.replace(day=1).isoformat())
        last = date.fromisoformat(request.args.get("to") or today.isoformat())
    except ValueError:
        abort(400)
    if last < first or (last - first).days > 3660:
        abort(400)
    return Period(first, last)


def months_back(last: date, count: int) -> list[Period]:
    """``count`` calendar months ending with the month of ``last`` (the last one up to ``last``)."""
    periods, end = [], last
    for _ in range(count):
        first = end.replace(day=1)
        periods.append(Period(first, end))
        end = first - timedelta(days=1)
    return periods[::-1]


def key_names(dimension: str, keys) -> dict:
    from dispatch.console.blueprint import locale
    from dispatch.console.labels import ZONE, label, type_name

    if dimension == "type":
        return {k: type_name(k, locale()) if k else "—" for k in keys}
    if dimension == "zone":
        return {k: label(ZONE, k) if k else "—" for k in keys}
    model = Depot if dimension == "depot" else Technician
    found = {
        r.id: r for r in db.session.scalars(sa.select(model).where(model.id.in_([k for k in keys if k])))
    }
    names = {}
    for k in keys:
        row = found.get(k)
        if row is None:
            names[k] = "—"
        elif dimension == "depot":
            names[k] = row.name_zh if locale().startswith("zh") else row.name_en
        else:
            names[k] = row.name
    return names


@bp.get("/")
@roles_required(*VIEWERS)
def dashboard():
    org_id = current_user.org_id
    period = period_from_request()
    dimension = request.args.get("dim", "type")
    if dimension not in DIMENSIONS:
        abort(400)
    goals = targets(db.session, org_id)
    figures = measure(db.session, org_id, period, goals)
    series = []
    for month in months_back(period.last, 12):
        values = measure(db.session, org_id, month, goals)
        series.append({"label": month.first.strftime("%Y-%m"), **{k: values[k]["value"] for k in KPIS}})
    parts = breakdown(db.session, org_id, period, dimension)
    keys = sorted({k for rows in parts.values() for k in rows}, key=lambda k: (k is None, str(k)))
    return render_template(
        "kpi/dashboard.html",
        period=period,
        span={"from": period.first.isoformat(), "to": period.last.isoformat()},
        figures=figures,
        met=met,
        titles=TITLES,
        kpis=KPIS,
        chart={
            "series": series,
            "targets": goals,
            "titles": {k: str(v) for k, v in TITLES.items()},
            "target_label": str(_l("target")),
        },
        dimension=dimension,
        dimension_titles=DIMENSION_TITLES,
        parts=parts,
        keys=keys,
        names=key_names(dimension, keys),
        breaches=review.breaches(db.session, org_id, period),
        changes=review.due_changes(db.session, org_id, period),
    )


@bp.get("/orders")
@roles_required(*VIEWERS)
def orders():
    """The work orders behind one figure of the dashboard."""
    period = period_from_request()
    kpi, part = request.args.get("kpi", ""), request.args.get("part", "denominator")
    if kpi not in KPIS or part not in PARTS:
        abort(400)
    dimension = request.args.get("dim") or None
    if dimension is not None and dimension not in DIMENSIONS:
        abort(400)
    key = request.args.get("key")
    ids = drill(current_user.org_id, period, kpi, part, dimension, key)
    found = db.session.scalars(
        sa.select(WorkOrder)
        .where(WorkOrder.org_id == current_user.org_id, WorkOrder.id.in_(ids))
        .order_by(WorkOrder.reported_at)
        .limit(1000)
    ).all()
    return render_template(
        "kpi/orders.html",
        period=period,
        span={"from": period.first.isoformat(), "to": period.last.isoformat()},
        kpi=kpi,
        title=TITLES[kpi],
        part_title=PARTS[part],
        orders=found,
        dimension=dimension,
        key=key,
    )
