"""The demo comes with a handful of open reports, taken through the intake operation."""

import sqlalchemy as sa

from dispatch.demo import load_demo
from dispatch.intake.demo import REPORTS
from dispatch.intake.models import ReportIntake
from dispatch.orders.models import Status, WorkOrder


def test_the_demo_has_open_reports_each_acknowledged_once(db):
    load_demo(db)
    db.commit()
    orders = db.scalars(sa.select(WorkOrder)).all()
    assert len(orders) == len(REPORTS)
    assert all(o.is_open and o.milestones for o in orders)
    assert sum(o.status is Status.QUEUED for o in orders) >= 5
    assert any(o.status is Status.NEEDS_LOCATION for o in orders)  # one waits for a pin
    assert db.scalar(sa.select(sa.func.count(ReportIntake.id))) == len(orders)
