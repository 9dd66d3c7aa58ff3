"""Milestones of real work orders, from the rules."""

from datetime import datetime
from zoneinfo import ZoneInfo

from dispatch.orders import lifecycle
from dispatch.orders.lifecycle import Actor
from dispatch.orders.models import Channel
from dispatch.sla.service import apply_rules, promised
from tests.factories import make_order, make_org

CST = ZoneInfo("Asia/Shanghai")


def _due(order, name):
    return {m.name: m for m in order.milestones}[name].due_at.astimezone(CST)


def test_a_leak_gets_arrive_and_resolve_from_the_report(db):
    order = make_order(make_org(), reported_at=datetime(2026, 9, 30, 9, 0, tzinfo=CST))
    apply_rules(db, order)
    assert _due(order, "arrive") == datetime(2026, 9, 30, 10, 0, tzinfo=CST)
    assert _due(order, "resolve") == datetime(2026, 9, 30, 17, 0, tzinfo=CST)
    assert promised(order).name == "resolve"


def test_an_accident_of_unknown_place_is_strictest_then_relaxes_outside(db):
    order = make_order(make_org(), "safety_accident", reported_at=datetime(2026, 11, 2, 9, 0, tzinfo=CST))
    apply_rules(db, order)
    assert _due(order, "arrive") == datetime(2026, 11, 2, 9, 30, tzinfo=CST)
    order.zone = "outside"
    apply_rules(db, order)
    assert _due(order, "arrive") == datetime(2026, 11, 2, 11, 0, tzinfo=CST)


def test_a_connection_install_clock_waits_for_the_paperwork(db):
    order = make_order(make_org(), "water_connection", reported_at=datetime(2026, 9, 30, 9, 0, tzinfo=CST))
    apply_rules(db, order)
    install = {m.name: m for m in order.milestones}["install_start"]
    assert install.due_at is None and install.waits_for == "paperwork_complete"
    assert _due(order, "review") == datetime(2026, 10, 10, 17, 30, tzinfo=CST)
    lifecycle.record(db, order, "paperwork_complete", Actor(Channel.CONSOLE))
    apply_rules(db, order)
    assert {m.name: m for m in order.milestones}["install_start"].due_at is not None
