"""The three KPIs, each computed by one aggregate SQL query over the period (see README, "KPIs").

* **Timeliness** — milestones of the organisation's orders whose due time falls in the period
  and has passed: met (``met_at <= due_at``) ÷ all of them. The due time is the one the deadline
  engine keeps on the milestone: a hand-set one as set, a paused one already extended by the time
  on hold. Not counted: milestones without a due time (their clock has not started), milestones
  of cancelled orders and of duplicates (``duplicate_of_id``), unmet pausable milestones of an
  order on hold now (its due time will still move), and milestones due later than now.
* **Satisfaction** — ratings given in the period (``rated_at``) on service reports that are not
  void, of orders neither cancelled nor duplicates: rated 4 or 5 ÷ all rated.
* **Complaint rate** — upheld complaints classified as service conduct whose complaint order was
  received in the period (``reported_at``) and is not cancelled or a duplicate ÷ services
  completed in the period: orders of any other type, closed (``closed_at`` in the period,
  status closed), not duplicates.

A period is two local dates, both inclusive, in the organisation's time zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from dispatch import clock
from dispatch.complaints.models import Classification, Complaint
from dispatch.orders.models import Milestone, Status, WorkOrder
from dispatch.reports.models import ReportState, ServiceReport

KPIS = ("timeliness", "satisfaction", "complaint_rate")
#: How an order is grouped on the dashboard: its type, zone, nearest depot/station, technician.
DIMENSIONS = {
    "type": WorkOrder.type_code,
    "zone": WorkOrder.zone,
    "depot": WorkOrder.nearest_depot_id,
    "technician": WorkOrder.assignee_id,
}


@dataclass(frozen=True)
class Period:
    first: date
    last: date

    @property
    def start(self) -> datetime:
        return clock.aware(datetime.combine(self.first, time()))

    @property
    def end(self) -> datetime:
        """Exclusive: midnight after the last day."""
        return clock.aware(datetime.combine(self.last + timedelta(days=1), time()))


def timeliness_rows(org_id: int, period: Period, now: datetime):
    """(order, milestone, met) for every milestone the KPI counts. The order's organisation and
    state are read from the copies on the milestone (dispatch/kpi/counted.py), so this is one
    range scan of ``ix_milestone_kpi``, not a join with every order."""
    until = min(period.end, now)
    met = sa.and_(Milestone.met_at.is_not(None), Milestone.met_at <= Milestone.due_at)
    paused = sa.and_(Milestone.order_held, Milestone.pausable, Milestone.met_at.is_(None))
    return sa.select(
        Milestone.order_id.label("order_id"), Milestone.id.label("milestone_id"), met.label("good")
    ).where(
        Milestone.org_id == org_id,
        Milestone.due_at >= period.start,
        Milestone.due_at < until,
        Milestone.counted,
        sa.not_(paused),
    )


def satisfaction_rows(org_id: int, period: Period, now: datetime):
    """Whether the order counts is read from the copy on the report (dispatch/kpi/counted.py):
    one range scan of ``ix_service_report_kpi``."""
    return sa.select(
        ServiceReport.work_order_id.label("order_id"), (ServiceReport.rating >= 4).label("good")
    ).where(
        ServiceReport.organisation_id == org_id,
        ServiceReport.rated_at >= period.start,
        ServiceReport.rated_at < period.end,
        ServiceReport.counted,
        ServiceReport.state != ReportState.VOID,
        ServiceReport.rating.is_not(None),
    )


def completed_rows(org_id: int, period: Period):
    """The complaint rate's denominator: services completed in the period."""
    return sa.select(WorkOrder.id.label("order_id")).where(
        WorkOrder.org_id == org_id,
        WorkOrder.status == Status.CLOSED,
        WorkOrder.closed_at >= period.start,
        WorkOrder.closed_at < period.end,
        WorkOrder.type_code != "complaint",
        WorkOrder.duplicate_of_id.is_(None),
    )


def at_fault_rows(org_id: int, period: Period):
    """The complaint rate's numerator: upheld service-conduct complaints received in the period.
    ``order_id`` is the order complained about (grouping), ``complaint_order_id`` the complaint.
    When the complaint order was received and whether it counts are read from the copies on the
    complaint (dispatch/kpi/counted.py): one range scan of ``ix_complaint_kpi``."""
    return sa.select(
        Complaint.concerns_order_id.label("order_id"), Complaint.work_order_id.label("complaint_order_id")
    ).where(
        Complaint.org_id == org_id,
        Complaint.received_at >= period.start,
        Complaint.received_at < period.end,
        Complaint.counted,
        Complaint.upheld.is_(True),
        Complaint.classification == Classification.SERVICE_CONDUCT,
    )


def _fraction(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def _ratio(rows, dimension: str | None):
    """numerator/denominator of a (order_id, good) selection, overall or per dimension key."""
    sub = rows.subquery()
    good = sa.func.coalesce(sa.func.sum(sa.case((sub.c.good, 1), else_=0)), 0)
    if dimension is None:
        return sa.select(good, sa.func.count()).select_from(sub)
    key = DIMENSIONS[dimension]
    return (
        sa.select(key, good, sa.func.count())
        .select_from(sub)
        .join(WorkOrder, WorkOrder.id == sub.c.order_id)
        .group_by(key)
    )


def _count(rows, dimension: str | None):
    sub = rows.subquery()
    if dimension is None:
        return sa.select(sa.func.count()).select_from(sub)
    key = DIMENSIONS[dimension]
    return (
        sa.select(key, sa.func.count())
        .select_from(sub)
        .outerjoin(WorkOrder, WorkOrder.id == sub.c.order_id)
        .group_by(key)
    )


def measure(
    session: Session, org_id: int, period: Period, targets: dict, now: datetime | None = None
) -> dict:
    """The three KPIs as ``{"timeliness": {"value", "numerator", "denominator", "target"}, …}``."""
    now = now or clock.now()
    result = {}
    for name, rows in (
        ("timeliness", timeliness_rows(org_id, period, now)),
        ("satisfaction", satisfaction_rows(org_id, period, now)),
    ):
        numerator, denominator = session.execute(_ratio(rows, None)).one()
        result[name] = _entry(int(numerator), int(denominator), targets[name])
    numerator = session.scalar(_count(at_fault_rows(org_id, period), None))
    denominator = session.scalar(_count(completed_rows(org_id, period), None))
    result["complaint_rate"] = _entry(int(numerator), int(denominator), targets["complaint_rate"])
    return result


def _entry(numerator: int, denominator: int, target: float) -> dict:
    return {
        "value": _fraction(numerator, denominator),
        "numerator": numerator,
        "denominator": denominator,
        "target": target,
    }


def breakdown(
    session: Session, org_id: int, period: Period, dimension: str, now: datetime | None = None
) -> dict:
    """Per KPI, per key of ``dimension``: (numerator, denominator)."""
    now = now or clock.now()
    out: dict[str, dict] = {}
    for name, rows in (
        ("timeliness", timeliness_rows(org_id, period, now)),
        ("satisfaction", satisfaction_rows(org_id, period, now)),
    ):
        out[name] = {key: (int(n), int(d)) for key, n, d in session.execute(_ratio(rows, dimension))}
    faults = dict(session.execute(_count(at_fault_rows(org_id, period), dimension)).all())
    done = dict(session.execute(_count(completed_rows(org_id, period), dimension)).all())
    out["complaint_rate"] = {
        key: (int(faults.get(key, 0)), int(done.get(key, 0))) for key in set(faults) | set(done)
    }
    return out


def drill(
    org_id: int,
    period: Period,
    kpi: str,
    part: str,
    dimension: str | None = None,
    key: str | None = None,
    now: datetime | None = None,
):
    """The ids of the work orders behind a figure. ``part`` is "numerator", "denominator" or
    "missed" (denominator minus numerator); ``dimension``/``key`` narrow it to one row of a
    breakdown. For the complaint rate's numerator the orders are the complaints themselves,
    narrowed by the order each one is about."""
    now = now or clock.now()
    if kpi in ("timeliness", "satisfaction"):
        rows = (timeliness_rows if kpi == "timeliness" else satisfaction_rows)(org_id, period, now)
        sub = rows.subquery()
        ids = sa.select(sub.c.order_id)
        if part == "numerator":
            ids = ids.where(sub.c.good)
        elif part == "missed":
            ids = ids.where(sa.not_(sub.c.good))
        about = sub.c.order_id
    elif kpi == "complaint_rate" and part == "numerator":
        sub = at_fault_rows(org_id, period).subquery()
        ids, about = sa.select(sub.c.complaint_order_id), sub.c.order_id
    elif kpi == "complaint_rate":
        sub = completed_rows(org_id, period).subquery()
        ids, about = sa.select(sub.c.order_id), sub.c.order_id
    else:
        raise KeyError(kpi)
    if dimension in DIMENSIONS:
        column = DIMENSIONS[dimension]
        matching = sa.select(WorkOrder.id).where(
            column.is_(None) if key in (None, "") else sa.cast(column, sa.String) == str(key)
        )
        ids = ids.where(about.in_(matching))
    return ids
