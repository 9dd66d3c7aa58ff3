"""Milestones met, started and paused through the lifecycle's events (dispatch/sla/reactions.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from dispatch import clock
from dispatch.orders import lifecycle
from dispatch.orders.lifecycle import Actor
from dispatch.orders.models import Channel, Status
from dispatch.sla.models import DueChange
from tests.factories import make_order, make_technician
from tests.sla.conftest import at, due, kinds, milestones

CONSOLE = Actor(Channel.CONSOLE)
TECH = Actor(Channel.SMS)


def _walk(db, order, *steps):
    """Run (local time, action) steps: a transition name, or ('record', kind)."""
    for when, action in steps:
        clock.freeze(at(when))
        if isinstance(action, tuple):
            lifecycle.record(db, order, action[1], CONSOLE)
        else:
            lifecycle.transition(db, order, action, TECH)


def _to_accepted(db, order, when):
    _walk(db, order, (when, "locate"), (when, "queue"), (when, "accept"))


def test_arrive_and_complete_meet_a_leak_s_milestones(db, county):
    order = make_order(county, reported_at=at("2026-10-02T08:00"))
    _to_accepted(db, order, "2026-10-02T08:05")
    _walk(db, order, ("2026-10-02T08:40", "depart"), ("2026-10-02T08:55", "arrive"))
    arrive, resolve = milestones(order)["arrive"], milestones(order)["resolve"]
    assert clock.local(arrive.met_at) == at("2026-10-02T08:55") and arrive.breached_at is None
    assert resolve.met_at is None
    _walk(db, order, ("2026-10-02T15:00", "complete"))
    assert clock.local(resolve.met_at) == at("2026-10-02T15:00") and resolve.breached_at is None


def test_a_milestone_met_late_is_breached_at_its_due_time_and_keeps_it(db, county):
    order = make_order(county, reported_at=at("2026-10-02T08:00"))
    _to_accepted(db, order, "2026-10-02T08:05")
    milestones(order)["resolve"].breached_at = clock.aware(at("2026-10-02T16:00"))  # the job saw it
    _walk(db, order, ("2026-10-02T09:30", "arrive"), ("2026-10-02T17:10", "complete"))
    arrive, resolve = milestones(order)["arrive"], milestones(order)["resolve"]
    assert clock.local(arrive.breached_at) == at("2026-10-02T09:00")  # due at 09:00, met at 09:30
    assert clock.local(resolve.breached_at) == at("2026-10-02T16:00")
    assert resolve.met_at is not None


@pytest.mark.parametrize(
    ("type_code", "event", "milestone"),
    [
        ("manhole_cover", "sign_placed", "warning_sign"),
        ("vehicle_chassis_fault", "customer_replied", "contact"),
        ("vehicle_body_fault", "customer_replied", "reply"),
        ("permit_construction", "review_decided", "review"),
    ],
)
def test_recorded_events_meet_their_milestones(db, county, type_code, event, milestone):
    order = make_order(county, type_code, reported_at=at("2026-10-08T09:00"))
    _walk(db, order, ("2026-10-08T09:20", ("record", event)))
    assert clock.local(milestones(order)[milestone].met_at) == at("2026-10-08T09:20")
    assert all(m.met_at is None for m in order.milestones if m.name != milestone)


def test_the_paperwork_starts_the_installation_clock_without_a_move(db, county):
    order = make_order(county, "water_connection", reported_at=at("2026-09-30T09:00"))
    assert due(order, "install_start") is None
    _walk(db, order, ("2026-09-30T15:00", ("record", "review_decided")))
    _walk(db, order, ("2026-09-30T15:30", ("record", "paperwork_complete")))
    # Three working days after 30 September: 8, 9 and the make-up Saturday 10 October.
    assert due(order, "install_start") == "2026-10-10T17:30"
    assert milestones(order)["install_start"].waits_for is None
    assert "due_changed" not in kinds(order)  # a clock starting is not a commitment moved
    _walk(db, order, ("2026-10-09T10:00", ("record", "install_started")))
    assert milestones(order)["install_start"].met_at is not None
    assert milestones(order)["review"].met_at is not None


def test_the_acceptance_clock_starts_when_the_documents_are_complete(db, county):
    order = make_order(county, "completion_acceptance", reported_at=at("2026-02-12T10:00"))
    _walk(db, order, ("2026-02-24T11:00", ("record", "documents_complete")))
    assert due(order, "resolve") == "2026-02-27T17:30"  # 25, 26, 27 February


def test_a_pause_extends_the_repair_but_not_the_arrival(db, county):
    order = make_order(county, reported_at=at("2026-10-02T08:00"))
    _to_accepted(db, order, "2026-10-02T08:05")
    _walk(db, order, ("2026-10-02T08:40", "arrive"), ("2026-10-02T10:00", "hold"))
    assert order.status is Status.ON_HOLD
    assert "due_changed" not in kinds(order)  # a hold just begun has paused nothing yet
    _walk(db, order, ("2026-10-02T13:00", "resume"))
    assert order.status is Status.ON_SITE
    assert due(order, "resolve") == "2026-10-02T19:00"  # 16:00 + 3 h on hold
    assert due(order, "arrive") == "2026-10-02T09:00"
    moved = [e for e in order.events if e.kind == "due_changed"]
    assert len(moved) == 1 and moved[0].data["reason"] == "paused"
    assert (moved[0].data["old_due_at"], moved[0].data["new_due_at"]) == (
        "2026-10-02T16:00:00+08:00",
        "2026-10-02T19:00:00+08:00",
    )
    assert moved[0].data["needs_review"] is True and moved[0].channel is Channel.SMS
    _walk(db, order, ("2026-10-02T18:30", "complete"))
    assert milestones(order)["resolve"].breached_at is None


def test_a_pause_counts_office_time_for_working_day_deadlines(db, county):
    order = make_order(county, "water_connection", reported_at=at("2026-09-30T09:00"))
    _to_accepted(db, order, "2026-09-30T09:10")
    _walk(db, order, ("2026-10-08T09:30", "hold"), ("2026-10-08T11:30", "resume"))
    # 2 office hours on hold: from Saturday 10 October 17:30 to Monday 12 October 10:30.
    assert due(order, "review") == "2026-10-12T10:30"


def test_a_hold_over_the_holiday_moves_nothing_outside_office_hours(db, county):
    order = make_order(county, "water_connection", reported_at=at("2026-09-30T09:00"))
    _to_accepted(db, order, "2026-09-30T09:10")
    _walk(db, order, ("2026-10-02T09:00", "hold"), ("2026-10-05T18:00", "resume"))
    assert due(order, "review") == "2026-10-10T17:30"
    assert db.scalar(sa.select(sa.func.count(DueChange.id))) == 0


def test_an_event_that_meets_nothing_changes_nothing(db, county):
    order = make_order(county, reported_at=at("2026-10-02T08:00"))
    before = {m.name: (m.due_at, m.met_at) for m in order.milestones}
    lifecycle.record(db, order, "note", CONSOLE, note="called the caller back")
    lifecycle.record(db, order, "customer_replied", CONSOLE)  # a leak has no reply milestone
    assert {m.name: (m.due_at, m.met_at) for m in order.milestones} == before


def test_an_unknown_type_gets_no_milestones_but_the_order_is_kept(db, county):
    order = make_order(county, "fireworks")
    assert order.milestones == [] and order.id is not None


def test_a_late_start_event_after_the_met_one_changes_nothing(db, county):
    tech = make_technician(county)
    order = make_order(county, reported_at=at("2026-10-02T08:00"), assignee_id=tech.id)
    _to_accepted(db, order, "2026-10-02T08:05")
    _walk(db, order, ("2026-10-02T08:30", "arrive"))
    met = milestones(order)["arrive"].met_at
    clock.advance(timedelta(minutes=5))
    lifecycle.transition(db, order, "hold", TECH)
    lifecycle.transition(db, order, "resume", TECH)
    assert milestones(order)["arrive"].met_at == met
