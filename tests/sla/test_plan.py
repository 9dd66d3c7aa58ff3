"""Planned milestones: due and warning times, start events, pauses, deadlines set by hand."""

from datetime import datetime

import pytest

from dispatch.sla.plan import MilestoneState, milestone_state, plan_milestones
from dispatch.sla.rules import RuleBook, calendar_for, load_rulebook


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.fixture(scope="module")
def book() -> RuleBook:
    return load_rulebook()


@pytest.fixture(scope="module")
def cal(book):
    return calendar_for(book)


def plan(book, cal, code, reported, **kwargs):
    facts = {k: kwargs.pop(k) for k in ("zone", "distance_km", "severity", "needs_supplier") if k in kwargs}
    planned = plan_milestones(book.select(code, **facts), at(reported), calendar=cal, **kwargs)
    return {m.name: m for m in planned}


def test_water_leak_minor_then_major(book, cal):
    minor = plan(book, cal, "water_leak", "2026-09-30T09:00:00+08:00")
    assert minor["arrive"].due_at == at("2026-09-30T10:00:00+08:00")
    assert minor["resolve"].due_at == at("2026-09-30T17:00:00+08:00")
    # Reclassified as a major repair: same report time, a later resolve.
    major = plan(book, cal, "water_leak", "2026-09-30T09:00:00+08:00", severity="major")
    assert major["resolve"].due_at == at("2026-10-01T09:00:00+08:00")
    assert major["arrive"].due_at == minor["arrive"].due_at


def test_leak_on_a_holiday_night_is_due_after_midnight(book, cal):
    planned = plan(book, cal, "water_leak", "2026-10-01T23:30:00+08:00")
    assert planned["arrive"].due_at == at("2026-10-02T00:30:00+08:00")


def test_warning_comes_at_80_percent_of_the_window(book, cal):
    arrive = plan(book, cal, "water_leak", "2026-09-30T09:00:00+08:00")["arrive"]
    assert arrive.warn_at == at("2026-09-30T09:48:00+08:00")
    assert (arrive.met_by, arrive.clock, arrive.waits_for) == ("on_site", "24x7", None)


def test_safety_accident_inside_and_outside_the_built_up_area(book, cal):
    inside = plan(book, cal, "safety_accident", "2026-05-01T12:00:00+08:00", zone="built_up")
    outside = plan(book, cal, "safety_accident", "2026-05-01T12:00:00+08:00", zone="outside")
    assert inside["arrive"].due_at == at("2026-05-01T12:30:00+08:00")
    assert outside["arrive"].due_at == at("2026-05-01T14:00:00+08:00")


def test_vehicle_body_fault_within_and_beyond_100_km(book, cal):
    within = plan(book, cal, "vehicle_body_fault", "2026-02-16T20:00:00+08:00", distance_km=100)
    beyond = plan(book, cal, "vehicle_body_fault", "2026-02-16T20:00:00+08:00", distance_km=100.01)
    assert within["arrive"].due_at == at("2026-02-17T20:00:00+08:00")  # 24x7, Spring Festival or not
    assert beyond["reply"].due_at == at("2026-02-17T08:00:00+08:00")


def test_manhole_cover_and_chassis_fault(book, cal):
    manhole = plan(book, cal, "manhole_cover", "2026-10-03T22:00:00+08:00")
    assert manhole["warning_sign"].due_at == at("2026-10-04T00:00:00+08:00")
    assert manhole["resolve"].due_at == at("2026-10-04T10:00:00+08:00")
    chassis = plan(book, cal, "vehicle_chassis_fault", "2026-10-03T22:00:00+08:00")
    assert chassis["contact"].due_at == at("2026-10-04T10:00:00+08:00")


def test_water_connection_install_waits_for_the_paperwork(book, cal):
    waiting = plan(book, cal, "water_connection", "2026-09-30T09:00:00+08:00")
    assert waiting["review"].due_at == at("2026-10-10T17:30:00+08:00")
    assert (waiting["install_start"].due_at, waiting["install_start"].waits_for) == (
        None,
        "paperwork_complete",
    )
    assert waiting["install_start"].warn_at is None
    # Paperwork complete on Friday Oct 9: Sat 10 (worked), Mon 12, Tue 13.
    done = plan(
        book, cal, "water_connection", "2026-09-30T09:00:00+08:00",
        events={"paperwork_complete": at("2026-10-09T15:00:00+08:00")},
    )  # fmt: skip
    assert done["install_start"].due_at == at("2026-10-13T17:30:00+08:00")
    assert done["install_start"].starts_at == at("2026-10-09T15:00:00+08:00")
    assert done["install_start"].waits_for is None


def test_permit_across_spring_festival(book, cal):
    # Design drawings applied for on Thu 2026-02-12: 13, Sat 14 (worked), 24, 25, 26, 27 and the
    # worked Saturday 28 are the seven working days.
    planned = plan(book, cal, "permit_design", "2026-02-12T10:00:00+08:00")
    assert planned["resolve"].due_at == at("2026-02-28T17:30:00+08:00")


def test_year_without_holiday_data_is_flagged(book, cal):
    planned = plan(book, cal, "water_connection", "2031-03-03T09:00:00+08:00")
    assert planned["review"].due_at == at("2031-03-06T17:30:00+08:00")
    assert planned["review"].calendar_warning is True
    assert plan(book, cal, "water_leak", "2031-03-03T09:00:00+08:00")["arrive"].calendar_warning is False


def test_naive_report_time_is_local(book, cal):
    planned = plan_milestones(book.select("water_leak"), datetime(2026, 9, 30, 9), calendar=cal)
    assert planned[0].due_at == at("2026-09-30T10:00:00+08:00")


# -- pauses -----------------------------------------------------------------------------------


def test_pause_moves_resolve_but_not_arrival(book, cal):
    pauses = [(at("2026-09-30T10:00:00+08:00"), at("2026-09-30T12:00:00+08:00"))]
    planned = plan(book, cal, "water_leak", "2026-09-30T09:00:00+08:00", pauses=pauses)
    assert planned["arrive"].due_at == at("2026-09-30T10:00:00+08:00")
    assert planned["resolve"].due_at == at("2026-09-30T19:00:00+08:00")
    assert planned["resolve"].paused is False


def test_a_pause_starting_before_the_extended_due_time_counts_too(book, cal):
    pauses = [
        (at("2026-09-30T10:00:00+08:00"), at("2026-09-30T12:00:00+08:00")),  # due 17:00 → 19:00
        (at("2026-09-30T17:30:00+08:00"), at("2026-09-30T18:00:00+08:00")),  # after 17:00, before 19:00
        (at("2026-09-30T19:30:00+08:00"), at("2026-09-30T20:00:00+08:00")),  # after the final due time
    ]
    planned = plan(book, cal, "water_leak", "2026-09-30T09:00:00+08:00", pauses=pauses)
    assert planned["resolve"].due_at == at("2026-09-30T19:30:00+08:00")


def test_pauses_before_the_report_or_overlapping_each_other(book, cal):
    pauses = [
        (at("2026-09-30T07:00:00+08:00"), at("2026-09-30T10:00:00+08:00")),  # only 09:00-10:00 counts
        (at("2026-09-30T09:30:00+08:00"), at("2026-09-30T10:30:00+08:00")),  # overlaps: up to 10:30
    ]
    planned = plan(book, cal, "water_leak", "2026-09-30T09:00:00+08:00", pauses=pauses)
    assert planned["resolve"].due_at == at("2026-09-30T18:30:00+08:00")


def test_open_pause_counts_until_now_and_is_flagged(book, cal):
    pauses = [(at("2026-09-30T10:00:00+08:00"), None)]
    planned = plan(
        book,
        cal,
        "water_leak",
        "2026-09-30T09:00:00+08:00",
        pauses=pauses,
        now=at("2026-09-30T11:00:00+08:00"),
    )
    assert planned["resolve"].due_at == at("2026-09-30T18:00:00+08:00")
    assert planned["resolve"].paused is True
    assert planned["arrive"].paused is False
    with pytest.raises(ValueError):
        plan(book, cal, "water_leak", "2026-09-30T09:00:00+08:00", pauses=pauses)


def test_working_day_deadline_is_extended_by_paused_office_time(book, cal):
    # Two office hours on hold (Oct 8, 08:30-10:30) move the review from Sat Oct 10 17:30 to
    # Mon Oct 12 10:30 (Sunday is off).
    pauses = [(at("2026-10-08T08:30:00+08:00"), at("2026-10-08T10:30:00+08:00"))]
    planned = plan(book, cal, "water_connection", "2026-09-30T09:00:00+08:00", pauses=pauses)
    assert planned["review"].due_at == at("2026-10-12T10:30:00+08:00")


def test_hold_over_a_holiday_or_a_night_moves_no_working_day_deadline(book, cal):
    pauses = [
        (at("2026-10-01T08:00:00+08:00"), at("2026-10-07T20:00:00+08:00")),
        (at("2026-10-08T18:00:00+08:00"), at("2026-10-09T08:00:00+08:00")),
    ]
    planned = plan(book, cal, "water_connection", "2026-09-30T09:00:00+08:00", pauses=pauses)
    assert planned["review"].due_at == at("2026-10-10T17:30:00+08:00")


# -- deadlines set by hand and states ---------------------------------------------------------


def test_dispatcher_sets_a_hot_issue_deadline(book, cal):
    planned = plan(
        book,
        cal,
        "hot_issue",
        "2026-09-30T09:00:00+08:00",
        overrides={"resolve": at("2026-10-16T12:00:00+08:00")},
    )
    assert planned["resolve"].due_at == at("2026-10-16T12:00:00+08:00")
    assert planned["resolve"].set_by_hand is True


def test_a_committed_deadline_cannot_be_set_by_hand(book, cal):
    with pytest.raises(ValueError):
        plan(
            book, cal, "water_leak", "2026-09-30T09:00:00+08:00", overrides={"arrive": at("2026-10-01T09:00")}
        )


def test_states_through_a_milestone_life(book, cal):
    arrive = plan(book, cal, "water_leak", "2026-09-30T09:00:00+08:00")["arrive"]

    def state(now, met_at=None):
        return milestone_state(arrive, now=at(now), met_at=at(met_at) if met_at else None)

    assert state("2026-09-30T09:30:00+08:00") is MilestoneState.PENDING
    assert state("2026-09-30T09:50:00+08:00") is MilestoneState.AT_RISK
    assert state("2026-09-30T10:00:00+08:00") is MilestoneState.AT_RISK  # due, not yet late
    assert state("2026-09-30T10:00:01+08:00") is MilestoneState.BREACHED
    assert state("2026-09-30T12:00:00+08:00", "2026-09-30T10:00:00+08:00") is MilestoneState.MET
    assert state("2026-09-30T12:00:00+08:00", "2026-09-30T10:05:00+08:00") is MilestoneState.MET_LATE
    install = plan(book, cal, "water_connection", "2026-09-30T09:00:00+08:00")["install_start"]
    assert milestone_state(install, now=at("2026-12-01T00:00:00+08:00")) is MilestoneState.WAITING
