"""Scheduled preventive work: created once a year from config, idempotent."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from dispatch import clock
from dispatch.intake import preventive
from dispatch.orders.models import Channel, Status, WorkOrder

CST = ZoneInfo("Asia/Shanghai")


def count(db):
    db.rollback()
    return db.scalar(sa.select(sa.func.count(WorkOrder.id)))


def test_drain_dredging_is_created_once_per_year_before_the_rainy_season(app, db, demo):
    [plan] = [p for p in preventive.load_plans() if p.code == "drain_dredging"]
    clock.freeze(datetime(2027, 3, 31, 12, 0, tzinfo=CST))
    assert preventive.run(app, "test") == 0
    clock.freeze(datetime(2027, 4, 2, 9, 0, tzinfo=CST))
    assert preventive.run(app, "test") == len(plan.places)
    assert preventive.run(app, "test") == 0
    assert count(db) == len(plan.places)
    orders = db.scalars(sa.select(WorkOrder)).all()
    assert {o.channel for o in orders} == {Channel.SCHEDULED}
    assert all(o.status is Status.QUEUED and o.milestones for o in orders)
    clock.freeze(datetime(2027, 7, 2, 9, 0, tzinfo=CST))
    assert preventive.run(app, "test") == 0  # the season has begun
    clock.freeze(datetime(2028, 4, 1, 9, 0, tzinfo=CST))
    assert preventive.run(app, "test") == len(plan.places)


def test_a_citizen_report_is_never_a_duplicate_of_planned_work(app, db, demo):
    from dispatch.intake.service import take_report
    from dispatch.orders.lifecycle import Actor

    clock.freeze(datetime(2027, 4, 2, 9, 0, tzinfo=CST))
    preventive.run(app, "test")
    result = take_report(
        db,
        org=demo.xinye,
        type_code="sewer_overflow",
        channel=Channel.WEB,
        actor=Actor(Channel.WEB),
        address="书院路",
    )
    assert result.duplicate_of is None and result.order.status is Status.QUEUED
