"""The KPIs read copies of each order's state kept on its milestones and service reports: after
an order is held, resumed, cancelled, reopened, marked a duplicate and unlinked, they still equal
the reference — the same definitions computed by joining every milestone and rating to its order."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from dispatch.complaints.models import Classification, Complaint
from dispatch.extensions import db
from dispatch.kpi.measures import Period, measure
from dispatch.kpi.targets import targets
from dispatch.orders import lifecycle
from dispatch.orders.lifecycle import Actor
from dispatch.orders.models import Milestone, Status, WorkOrder
from dispatch.reports.models import ReportState, ServiceReport
from tests.factories import make_org
from tests.kpi.helpers import SERVICE, at, complaint, milestone, november, order, rated

NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30))
ALL_YEAR = Period(date(2026, 1, 1), date(2026, 12, 31))
NOW = at("2026-12-01T12:00")


def _counted(order=WorkOrder):
    return sa.and_(order.status != Status.CANCELLED, order.duplicate_of_id.is_(None))


def reference(org_id: int, period: Period, now) -> dict:
    """Timeliness and satisfaction as (numerator, denominator) by the join with work_order."""
    until = min(period.end, now)
    met = sa.and_(Milestone.met_at.is_not(None), Milestone.met_at <= Milestone.due_at)
    paused = sa.and_(WorkOrder.status == Status.ON_HOLD, Milestone.pausable, Milestone.met_at.is_(None))
    timeliness = (
        sa.select(sa.func.count().filter(met), sa.func.count())
        .select_from(Milestone)
        .join(WorkOrder, WorkOrder.id == Milestone.order_id)
        .where(
            WorkOrder.org_id == org_id,
            Milestone.due_at >= period.start,
            Milestone.due_at < until,
            _counted(),
            sa.not_(paused),
        )
    )
    satisfaction = (
        sa.select(sa.func.count().filter(ServiceReport.rating >= 4), sa.func.count())
        .select_from(ServiceReport)
        .join(WorkOrder, WorkOrder.id == ServiceReport.work_order_id)
        .where(
            ServiceReport.organisation_id == org_id,
            ServiceReport.rating.is_not(None),
            ServiceReport.state != ReportState.VOID,
            ServiceReport.rated_at >= period.start,
            ServiceReport.rated_at < period.end,
            _counted(),
        )
    )
    received = sa.orm.aliased(WorkOrder)
    at_fault = (
        sa.select(sa.func.count())
        .select_from(Complaint)
        .join(received, received.id == Complaint.work_order_id)
        .where(
            Complaint.org_id == org_id,
            Complaint.upheld.is_(True),
            Complaint.classification == Classification.SERVICE_CONDUCT,
            received.reported_at >= period.start,
            received.reported_at < period.end,
            _counted(received),
        )
    )
    return {
        "timeliness": tuple(db.session.execute(timeliness).one()),
        "satisfaction": tuple(db.session.execute(satisfaction).one()),
        "complaints_at_fault": db.session.scalar(at_fault),
    }


def figures(org_id: int, period: Period, now) -> dict:
    result = measure(db.session, org_id, period, targets(db.session, org_id), now=now)
    out = {k: (result[k]["numerator"], result[k]["denominator"]) for k in ("timeliness", "satisfaction")}
    return {**out, "complaints_at_fault": result["complaint_rate"]["numerator"]}


def assert_as_the_reference(org_id: int) -> dict:
    db.session.flush()
    for period, now in ((NOVEMBER, NOW), (ALL_YEAR, NOW), (NOVEMBER, at("2026-11-25T09:30"))):
        assert figures(org_id, period, now) == reference(org_id, period, now)
    return figures(org_id, NOVEMBER, NOW)


def working_order(org, closed=None):
    """An order being worked on in November: a pausable resolve unmet, an arrival met in time,
    a rating of 5."""
    wo = order(org, status=Status.QUEUED)
    milestone(wo, "arrive", "2026-11-20T10:00", met="2026-11-20T09:00")
    milestone(wo, "resolve", "2026-11-21T10:00", pausable=True)
    rated(wo, 5, "2026-11-22T10:00")
    return wo


def test_hold_resume_cancel_and_reopen_keep_the_kpis_equal_to_the_reference(app):
    org = make_org("xinye")
    november(org)
    before = assert_as_the_reference(org.id)
    assert before == {"timeliness": (3, 6), "satisfaction": (2, 3), "complaints_at_fault": 1}
    wo = working_order(org)
    assert assert_as_the_reference(org.id) == {
        "timeliness": (4, 8),
        "satisfaction": (3, 4),
        "complaints_at_fault": 1,
    }

    lifecycle.transition(db.session, wo, "hold", Actor.system())
    # On hold now: its unmet pausable resolve waits; the met arrival and the rating still count.
    assert assert_as_the_reference(org.id) == {
        "timeliness": (4, 7),
        "satisfaction": (3, 4),
        "complaints_at_fault": 1,
    }
    lifecycle.transition(db.session, wo, "resume", Actor.system())
    assert assert_as_the_reference(org.id) == {
        "timeliness": (4, 8),
        "satisfaction": (3, 4),
        "complaints_at_fault": 1,
    }
    lifecycle.transition(db.session, wo, "hold", Actor.system())
    lifecycle.transition(db.session, wo, "cancel", Actor.system())
    assert assert_as_the_reference(org.id) == before
    lifecycle.transition(db.session, wo, "reopen", Actor.system())
    assert assert_as_the_reference(org.id) == {
        "timeliness": (4, 8),
        "satisfaction": (3, 4),
        "complaints_at_fault": 1,
    }
    db.session.commit()
    assert assert_as_the_reference(org.id) == {
        "timeliness": (4, 8),
        "satisfaction": (3, 4),
        "complaints_at_fault": 1,
    }


def test_a_duplicate_and_its_unlinking_keep_the_kpis_equal_to_the_reference(app):
    org = make_org("xinye")
    november(org)
    first = working_order(org)
    again = working_order(org)
    assert assert_as_the_reference(org.id) == {
        "timeliness": (5, 10),
        "satisfaction": (4, 5),
        "complaints_at_fault": 1,
    }
    again.duplicate_of_id = first.id
    assert assert_as_the_reference(org.id) == {
        "timeliness": (4, 8),
        "satisfaction": (3, 4),
        "complaints_at_fault": 1,
    }
    again.duplicate_of_id = None
    assert assert_as_the_reference(org.id) == {
        "timeliness": (5, 10),
        "satisfaction": (4, 5),
        "complaints_at_fault": 1,
    }


def test_rows_added_later_take_the_state_of_their_order(app):
    org = make_org("xinye")
    november(org)
    cancelled = order(org, status=Status.CANCELLED, closed="2026-11-12T10:00")
    held = order(org, status=Status.ON_HOLD)
    db.session.add(Milestone(order_id=cancelled.id, name="reply", due_at=at("2026-11-12T09:00")))
    milestone(held, "reply", "2026-11-12T09:00", pausable=True)
    milestone(held, "arrive", "2026-11-12T10:00", met="2026-11-12T11:00", pausable=True)
    rated(cancelled, 5, "2026-11-13T10:00")
    rated(held, 1, "2026-11-13T10:00")
    # Only the held order's late arrival (met, so not waiting) and its rating of 1 count.
    assert assert_as_the_reference(org.id) == {
        "timeliness": (3, 7),
        "satisfaction": (2, 4),
        "complaints_at_fault": 1,
    }


def test_the_migration_back_fills_the_copies_from_the_orders(app):
    from flask_migrate import downgrade, upgrade

    org = make_org("xinye")
    november(org)
    lifecycle.transition(db.session, working_order(org), "hold", Actor.system())
    db.session.commit()
    kept = {
        "milestones": db.session.execute(
            sa.select(Milestone.id, Milestone.org_id, Milestone.counted, Milestone.order_held).order_by(
                Milestone.id
            )
        ).all(),
        "reports": db.session.execute(
            sa.select(ServiceReport.id, ServiceReport.counted).order_by(ServiceReport.id)
        ).all(),
        "complaints": db.session.execute(
            sa.select(Complaint.id, Complaint.received_at, Complaint.counted).order_by(Complaint.id)
        ).all(),
    }
    expected = figures(org.id, NOVEMBER, NOW)
    db.session.close()
    try:
        downgrade(revision="0016")  # drops the copies; the orders stay
        upgrade(revision="0020")  # adds them again, filled from the orders
    finally:
        upgrade()
    assert {
        "milestones": db.session.execute(
            sa.select(Milestone.id, Milestone.org_id, Milestone.counted, Milestone.order_held).order_by(
                Milestone.id
            )
        ).all(),
        "reports": db.session.execute(
            sa.select(ServiceReport.id, ServiceReport.counted).order_by(ServiceReport.id)
        ).all(),
        "complaints": db.session.execute(
            sa.select(Complaint.id, Complaint.received_at, Complaint.counted).order_by(Complaint.id)
        ).all(),
    } == kept
    assert figures(org.id, NOVEMBER, NOW) == expected == reference(org.id, NOVEMBER, NOW)
    assert any(not c for _, _, c, _ in kept["milestones"]) and any(h for *_, h in kept["milestones"])


def test_a_cancelled_or_duplicate_complaint_leaves_the_complaint_rate_as_the_reference(app):
    org = make_org("xinye")
    november(org)
    about = order(org, closed="2026-11-18T10:00")
    received = complaint(org, about, "2026-11-19T09:00", True, SERVICE, status=Status.QUEUED)
    assert assert_as_the_reference(org.id)["complaints_at_fault"] == 2
    lifecycle.transition(db.session, received, "cancel", Actor.system())
    assert assert_as_the_reference(org.id)["complaints_at_fault"] == 1
    lifecycle.transition(db.session, received, "reopen", Actor.system())
    assert assert_as_the_reference(org.id)["complaints_at_fault"] == 2
    received.duplicate_of_id = about.id
    assert assert_as_the_reference(org.id)["complaints_at_fault"] == 1
