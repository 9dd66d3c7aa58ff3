"""Staff accountability (R19): per staff member — each technician and service station, and each
console user (dispatchers, warehouse clerks, supervisors) — upheld complaints this month,
administrative warnings this year and breaches on their orders this month (technicians only:
orders are assigned to them); flags at the thresholds of
config/settings.toml [kpi] — by default the seed's: 3 upheld complaints in a month → suspension
for study (待岗); 2 warnings in a year → no excellence rating this year; a depot's or station's
staff warned 2 times in a month or 5 in a year → its head is warned. All counted in SQL.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from dispatch import clock
from dispatch.assign.models import Technician
from dispatch.auth.models import Role, User
from dispatch.complaints.models import Complaint, StaffWarning, WarningKind
from dispatch.errors import DomainError
from dispatch.orders.models import Milestone, Status, WorkOrder

DEFAULTS = {
    "suspend_complaints_month": 3,
    "no_excellence_warnings_year": 2,
    "head_warnings_month": 2,
    "head_warnings_year": 5,
}


#: Console staff a supervisor or administrator may warn, besides technicians and stations.
STAFF_ROLES = (Role.DISPATCHER, Role.WAREHOUSE, Role.SUPERVISOR)


class WarningError(DomainError):
    status = 400


def thresholds() -> dict[str, int]:
    return {k: int(current_app.config.get(f"KPI_{k.upper()}", v)) for k, v in DEFAULTS.items()}


def _bounds(today: date) -> tuple[datetime, datetime, datetime, datetime]:
    """Start of this month, start of next month, start of this year, start of next year (UTC)."""
    month = today.replace(day=1)
    next_month = (month + timedelta(days=32)).replace(day=1)
    year, next_year = today.replace(month=1, day=1), today.replace(year=today.year + 1, month=1, day=1)
    return tuple(clock.aware(datetime.combine(d, time())) for d in (month, next_month, year, next_year))


def issue(
    session: Session,
    *,
    org_id: int,
    kind: str,
    reason: str,
    issued_by: User,
    technician_id: int | None = None,
    user_id: int | None = None,
) -> StaffWarning:
    """Record a warning to one staff member: a technician (``technician_id``) or a console user
    of the same organisation (``user_id``: a dispatcher, warehouse clerk or supervisor)."""
    if (technician_id is None) == (user_id is None):
        raise WarningError(_("Choose the staff member to warn."), field="staff")
    if technician_id is not None:
        technician = session.get(Technician, technician_id)
        if technician is None or technician.org_id != org_id:
            raise WarningError("No such staff member.", field="technician_id")
    else:
        user = session.get(User, user_id)
        if user is None or user.org_id != org_id or user.role not in STAFF_ROLES:
            raise WarningError("No such staff member.", field="user_id")
        if user.id == issued_by.id:
            raise WarningError(_("Nobody can warn themselves."), field="user_id")
    try:
        kind = WarningKind(kind)
    except ValueError:
        raise WarningError("A warning is oral or written.", field="kind") from None
    if not (reason or "").strip():
        raise WarningError("Write the reason.", field="reason")
    warning = StaffWarning(
        org_id=org_id,
        technician_id=technician_id,
        user_id=user_id,
        kind=kind,
        reason=reason.strip(),
        issued_by_id=issued_by.id,
    )
    session.add(warning)
    session.flush()
    return warning


def warnable_users(session: Session, org_id: int) -> list[User]:
    """The console staff of an organisation who may be warned, by name."""
    return list(
        session.scalars(
            sa.select(User)
            .where(User.org_id == org_id, User.role.in_(STAFF_ROLES), User.active.is_(True))
            .order_by(User.full_name)
        )
    )


def self_examination(session: Session, org_id: int, warning_id: int, text: str) -> StaffWarning:
    warning = session.get(StaffWarning, warning_id)
    if warning is None or warning.org_id != org_id:
        raise WarningError("No such warning.")
    warning.self_examination, warning.self_examination_at = text.strip(), clock.now()
    session.flush()
    return warning


def staff_figures(session: Session, org_id: int, today: date | None = None) -> list[dict]:
    """One row per technician, then one per console user who may be warned, with the counts and
    the flags raised. Keys: ``technician`` or ``user`` (the other None), ``name``, ``complaints``,
    ``warnings``, ``breaches`` (None for a user: orders are assigned to technicians) and ``flags``."""
    today = today or clock.local(clock.now()).date()
    month, next_month, year, next_year = _bounds(today)
    limits = thresholds()
    received = sa.orm.aliased(WorkOrder)

    def complaints(column):
        return (
            sa.select(column, sa.func.count().label("n"))
            .join(received, received.id == Complaint.work_order_id)
            .where(
                Complaint.org_id == org_id,
                Complaint.upheld.is_(True),
                column.is_not(None),
                received.reported_at >= month,
                received.reported_at < next_month,
                received.status != Status.CANCELLED,
            )
            .group_by(column)
        )

    def warnings(column):
        return (
            sa.select(column, sa.func.count().label("n"))
            .where(
                StaffWarning.org_id == org_id,
                column.is_not(None),
                StaffWarning.issued_at >= year,
                StaffWarning.issued_at < next_year,
            )
            .group_by(column)
        )

    breaches = (
        sa.select(WorkOrder.assignee_id, sa.func.count().label("n"))
        .join(Milestone, Milestone.order_id == WorkOrder.id)
        .where(
            WorkOrder.org_id == org_id,
            WorkOrder.status != Status.CANCELLED,
            Milestone.breached_at >= month,
            Milestone.breached_at < next_month,
        )
        .group_by(WorkOrder.assignee_id)
    )
    per_technician = {
        name: dict(session.execute(query).all())
        for name, query in (
            ("complaints", complaints(Complaint.technician_id)),
            ("warnings", warnings(StaffWarning.technician_id)),
            ("breaches", breaches),
        )
    }
    per_user = {
        name: dict(session.execute(query).all())
        for name, query in (
            ("complaints", complaints(Complaint.user_id)),
            ("warnings", warnings(StaffWarning.user_id)),
        )
    }
    rows = []
    for tech in session.scalars(
        sa.select(Technician).where(Technician.org_id == org_id).order_by(Technician.name)
    ):
        row = {"technician": tech, "user": None, "name": tech.name}
        row.update({name: per_technician[name].get(tech.id, 0) for name in per_technician})
        rows.append(row)
    for user in warnable_users(session, org_id):
        row = {"technician": None, "user": user, "name": user.full_name, "breaches": None}
        row.update({name: per_user[name].get(user.id, 0) for name in per_user})
        rows.append(row)
    for row in rows:
        row["flags"] = [
            flag
            for flag, raised in (
                ("suspension", row["complaints"] >= limits["suspend_complaints_month"]),
                ("no_excellence", row["warnings"] >= limits["no_excellence_warnings_year"]),
            )
            if raised
        ]
    return rows


def head_flags(session: Session, org_id: int, today: date | None = None) -> list[dict]:
    """Depots and stations whose staff were warned often enough that the head is to be warned."""
    from dispatch.geo.models import Depot

    today = today or clock.local(clock.now()).date()
    month, next_month, year, next_year = _bounds(today)
    limits = thresholds()
    in_month = sa.func.sum(sa.case((StaffWarning.issued_at >= month, 1), else_=0))
    rows = session.execute(
        sa.select(Technician.home_depot_id, in_month, sa.func.count())
        .select_from(Technician)
        .join(StaffWarning, StaffWarning.technician_id == Technician.id)
        .where(
            StaffWarning.org_id == org_id,
            StaffWarning.issued_at >= year,
            StaffWarning.issued_at < next_year,
            StaffWarning.issued_at < next_month,
            Technician.home_depot_id.is_not(None),
        )
        .group_by(Technician.home_depot_id)
    ).all()
    return [
        {"depot": session.get(Depot, depot_id), "month": int(m or 0), "year": int(y)}
        for depot_id, m, y in rows
        if int(m or 0) >= limits["head_warnings_month"] or int(y) >= limits["head_warnings_year"]
    ]


def warnings_of(session: Session, org_id: int, limit: int = 200) -> list[StaffWarning]:
    return list(
        session.scalars(
            sa.select(StaffWarning)
            .where(StaffWarning.org_id == org_id)
            .order_by(StaffWarning.issued_at.desc())
            .limit(limit)
        )
    )
