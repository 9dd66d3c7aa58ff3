"""The planner in the live system: reports placed in technicians' plans through the real intake,
offers that follow the plan, the technician's NEXT, re-plans that move jobs and say so, pins."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from dispatch import clock
from dispatch.assign.models import DutyStatus, OfferState
from dispatch.auth.models import Role
from dispatch.orders.models import Status, WorkOrder
from dispatch.plan import pins, service
from dispatch.plan.models import PlanEntry, PlanPin, PlanState
from tests.assign.helpers import MORNING, TOWN, county, offers_of, outbox_to, pending, report, text
from tests.factories import make_technician, make_user


def north(km: float) -> tuple[float, float]:
    return TOWN[0] + km / 111.2, TOWN[1]


def tech_at(org, km: float, **fields):
    lat, lon = north(km)
    fields.setdefault("language", "en")
    return make_technician(org, last_lat=lat, last_lon=lon, **fields)


def plan_of(db, org, tech) -> list[int]:
    db.rollback()
    return [e.work_order_id for e in service.queues(db, org.id).get(tech.id, [])]


def kinds_to(db, tech) -> list[str]:
    return [m.kind for m in outbox_to(db, tech.phone)]


def test_a_report_is_offered_to_its_planned_technician_and_a_decline_replans_to_another(app, db):
    clock.freeze(MORNING)
    org = county(db)
    first, second = tech_at(org, 1), tech_at(org, 2)
    order = report(db, org)
    db.commit()

    assert [o.technician_id for o in pending(db, order)] == [first.id]
    assert plan_of(db, org, first) == [order.id]

    assert (
        text(db, first.phone, f"N {order.job_code} too far") == f"Job {order.job_code} declined. Thank you."
    )
    assert [(o.technician_id, o.state) for o in offers_of(db, order)] == [
        (first.id, OfferState.DECLINED),
        (second.id, OfferState.PENDING),
    ]
    assert plan_of(db, org, second) == [order.id] and plan_of(db, org, first) == []
    # The worker's improvement never gives it back to the one who declined.
    service.replan(db, org.id, budget_s=0.2)
    db.commit()
    assert plan_of(db, org, second) == [order.id]


def test_an_urgent_job_goes_ahead_of_a_24_hour_job_when_both_promises_hold(app, db):
    clock.freeze(MORNING)
    org = county(db)
    tech = tech_at(org, 1, skills=["water", "sewer"])
    overflow = report(db, org, "sewer_overflow", at=north(6), address="North road")  # 24 h to arrive
    db.commit()
    assert text(db, tech.phone, f"Y {overflow.job_code}").startswith(f"Job {overflow.job_code} is yours")

    clock.advance(timedelta(minutes=5))
    leak = report(db, org, "water_leak", address="Hancheng road")  # 1 h to arrive
    db.commit()

    assert plan_of(db, org, tech) == [leak.id, overflow.id]
    entries = db.scalars(sa.select(PlanEntry).order_by(PlanEntry.position)).all()
    assert [e.at_risk for e in entries] == [False, False]
    assert [o.technician_id for o in pending(db, leak)] == [tech.id]
    reply = text(db, tech.phone, "NEXT")
    assert reply.startswith(f"Next: job {leak.job_code}") and f"Reply Y {leak.job_code}" in reply


def test_next_answers_the_plan_and_done_tells_the_next_job(app, db):
    clock.freeze(MORNING)
    org = county(db)
    tech = tech_at(org, 1, skills=["water", "sewer"])
    leak = report(db, org, "water_leak", address="Hancheng road")
    db.commit()
    text(db, tech.phone, f"Y {leak.job_code}")
    overflow = report(db, org, "sewer_overflow", at=north(6), address="North road")
    db.commit()
    text(db, tech.phone, f"Y {overflow.job_code}")
    service.replan(db, org.id, budget_s=0.2)
    db.commit()
    assert plan_of(db, org, tech) == [leak.id, overflow.id]

    assert text(db, tech.phone, "NEXT").startswith(
        f"Next: job {leak.job_code}, Water leak, Hancheng road, on site by 10:00"
    )
    text(db, tech.phone, f"OTW {leak.job_code}")
    done = text(db, tech.phone, f"DONE {leak.job_code}")
    assert done.startswith(f"Job {leak.job_code} done, thank you.")
    assert f"Next: job {overflow.job_code}" in done and "North road" in done


def test_a_job_set_off_for_is_never_moved(app, db):
    clock.freeze(MORNING)
    org = county(db)
    tech = tech_at(org, 3)
    order = report(db, org)
    db.commit()
    text(db, tech.phone, f"Y {order.job_code}")
    text(db, tech.phone, f"OTW {order.job_code}")
    # A colleague right at the place comes on duty: a re-plan would have him go, but it may not.
    tech_at(org, 0)
    service.mark_dirty(db, org.id)
    service.replan(db, org.id, budget_s=0.2)
    db.commit()

    db.refresh(order)
    assert order.status is Status.EN_ROUTE and order.assignee_id == tech.id
    assert "plan_moved" not in kinds_to(db, tech)
    assert db.scalar(sa.select(PlanEntry).where(PlanEntry.work_order_id == order.id)) is None


def test_a_pin_moves_a_job_to_a_colleague_both_are_told_and_the_pin_holds(app, db):
    clock.freeze(MORNING)
    org = county(db)
    near, far = tech_at(org, 1), tech_at(org, 4)
    order = report(db, org)
    db.commit()
    text(db, near.phone, f"Y {order.job_code}")
    dispatcher = make_user(org, Role.DISPATCHER)

    pins.pin(db, order, far.id, first=True, user=dispatcher)
    service.replan(db, org.id, budget_s=0.0)
    db.commit()

    assert kinds_to(db, near)[-1] == "plan_moved"
    assert (
        outbox_to(db, near.phone)[-1].body
        == f"Job {order.job_code} has been moved to a colleague: no need to go."
    )
    assert kinds_to(db, far) == ["offer"]
    assert [o.technician_id for o in pending(db, order)] == [far.id]
    assert plan_of(db, org, far) == [order.id]
    # The improvement would rather have the nearer one go; the pin keeps it with the dispatcher's pick.
    for _ in range(2):
        service.replan(db, org.id, budget_s=0.2)
        db.commit()
    assert plan_of(db, org, far) == [order.id] and kinds_to(db, far) == ["offer"]

    assert pins.unpin(db, order, dispatcher)
    db.commit()
    assert [e.kind for e in order.events if e.kind.startswith("plan_")] == ["plan_pinned", "plan_unpinned"]


def test_the_worker_replans_a_dirty_organisation_and_clears_the_flag(app, db):
    clock.freeze(MORNING)
    org = county(db)
    tech = tech_at(org, 1)
    order = report(db, org)
    db.commit()

    state = db.get(PlanState, org.id)
    assert state.dirty_since == MORNING
    clock.advance(timedelta(seconds=5))
    assert service.run_dirty(app, db) == 1
    db.rollback()
    state = db.get(PlanState, org.id, populate_existing=True)
    assert state.dirty_since is None and state.version >= 2
    assert plan_of(db, org, tech) == [order.id]


def test_in_a_burst_the_plan_is_improved_once_a_while_new_reports_are_offered_at_once(app, db):
    app.config["PLAN_IMPROVE_EVERY_S"] = 5.0
    clock.freeze(MORNING)
    org = county(db)
    tech = tech_at(org, 1, max_load=10)
    report(db, org)
    db.commit()
    clock.advance(timedelta(seconds=2))
    assert service.run_dirty(app, db) == 1

    clock.advance(timedelta(seconds=2))
    second = report(db, org)
    db.commit()
    clock.advance(timedelta(seconds=2))  # asked 2 s ago, but improved only 4 s ago
    assert service.run_dirty(app, db) == 0
    db.rollback()
    assert db.get(PlanState, org.id, populate_existing=True).dirty_since is not None
    # Placing does not wait for the improvement: the new report is offered already.
    assert db.get(WorkOrder, second.id, populate_existing=True).status is Status.OFFERED
    assert plan_of(db, org, tech)[-1] == second.id

    clock.advance(timedelta(seconds=2))
    assert service.run_dirty(app, db) == 1
    db.rollback()
    assert db.get(PlanState, org.id, populate_existing=True).dirty_since is None


def test_a_change_of_duty_asks_for_a_replan_and_the_jobs_of_one_gone_off_move(app, db):
    clock.freeze(MORNING)
    org = county(db)
    first, second = tech_at(org, 1), tech_at(org, 2)
    order = report(db, org)
    db.commit()
    service.replan(db, org.id, budget_s=0.0)
    db.commit()
    assert db.get(PlanState, org.id, populate_existing=True).dirty_since is None

    second.duty_status = DutyStatus.OFF_DUTY  # as the roster page does
    db.commit()
    assert db.get(PlanState, org.id, populate_existing=True).dirty_since == MORNING

    # Off duty by SMS: his open offer goes on to the colleague at once.
    second.duty_status = DutyStatus.ON_DUTY
    db.commit()
    assert text(db, first.phone, "OFF").startswith("You are off duty")
    assert [o.technician_id for o in pending(db, order)] == [second.id]
    assert plan_of(db, org, second) == [order.id]


def test_an_urgent_job_accepted_goes_first_and_a_new_first_job_is_told(app, db):
    clock.freeze(MORNING)
    org = county(db)
    tech = tech_at(org, 1, skills=["water", "sewer"])
    overflow = report(db, org, "sewer_overflow", at=north(6), address="North road")
    db.commit()
    text(db, tech.phone, f"Y {overflow.job_code}")
    leak = report(db, org, "water_leak", address="Hancheng road")
    db.commit()
    reply = text(db, tech.phone, f"Y {leak.job_code}")
    assert reply.startswith(f"Job {leak.job_code} is yours") and reply.endswith(
        "Go there first, before your other jobs."
    )

    # The dispatcher wants the overflow done first after all: the technician is told, once.
    pins.pin(db, overflow, tech.id, first=True, user=make_user(org, Role.DISPATCHER))
    service.replan(db, org.id, budget_s=0.1)
    db.commit()
    service.replan(db, org.id, budget_s=0.1)
    db.commit()
    assert plan_of(db, org, tech) == [overflow.id, leak.id]
    assert db.get(PlanPin, overflow.id) is not None
    told = [m for m in outbox_to(db, tech.phone) if m.kind == "plan_first"]
    assert [m.body for m in told] == [
        f"Plan changed: go to job {overflow.job_code} first, North road, on site by 5 Nov 09:00."
    ]

    text(db, tech.phone, f"OTW {overflow.job_code}")
    assert db.get(PlanPin, overflow.id, populate_existing=True) is None  # set off for: the pin is done


def test_a_technician_gone_off_duty_is_not_texted_a_new_first_job(app, db):
    clock.freeze(MORNING)
    org = county(db)
    tech = tech_at(org, 1, skills=["water", "sewer"])
    overflow = report(db, org, "sewer_overflow", at=north(6), address="North road")
    db.commit()
    text(db, tech.phone, f"Y {overflow.job_code}")
    leak = report(db, org, "water_leak", address="Hancheng road")
    db.commit()
    text(db, tech.phone, f"Y {leak.job_code}")
    assert text(db, tech.phone, "OFF").startswith("You are off duty")

    # His plan is re-ordered while he is off: he keeps his jobs, and hears of it when he asks.
    pins.pin(db, overflow, tech.id, first=True, user=make_user(org, Role.DISPATCHER))
    service.replan(db, org.id, budget_s=0.1)
    db.commit()
    assert plan_of(db, org, tech) == [overflow.id, leak.id]
    assert [m for m in outbox_to(db, tech.phone) if m.kind == "plan_first"] == []
    assert text(db, tech.phone, "NEXT").startswith(f"Next: job {overflow.job_code}")


def test_a_technician_on_the_way_is_planned_free_after_the_time_he_gave(app, db):
    clock.freeze(MORNING)
    org = county(db)
    tech = tech_at(org, 1)
    first = report(db, org)
    db.commit()
    text(db, tech.phone, f"Y {first.job_code}")
    # An hour and a half away (stuck behind a road closure), not the few minutes of the estimate.
    assert text(db, tech.phone, f"OTW {first.job_code} 90") is not None
    second = report(db, org, address="Shuyuan road")
    db.commit()

    entry = db.scalar(sa.select(PlanEntry).where(PlanEntry.work_order_id == second.id))
    assert entry.technician_id == tech.id
    # On site at the first at 10:30, an hour there, then the second: not before 11:30.
    assert entry.eta_at >= MORNING + timedelta(hours=2, minutes=30)
    assert entry.at_risk


@pytest.mark.no_plan_worker
def test_the_request_only_marks_the_report_and_the_worker_places_and_offers_it(app, db):
    # The report's own transaction reads no plan: the offer is the worker's, woken by the commit.
    clock.freeze(MORNING)
    org = county(db)
    tech = tech_at(org, 1)
    order = report(db, org)
    db.commit()
    assert order.status is Status.QUEUED and pending(db, order) == []
    assert plan_of(db, org, tech) == []
    assert db.get(PlanState, org.id).dirty_since == MORNING

    assert service.place_all(db) == 1
    db.rollback()
    assert [o.technician_id for o in pending(db, order)] == [tech.id]
    assert plan_of(db, org, tech) == [order.id]
    # Placed, but still to be improved: the organisation stays dirty for the worker's re-plan.
    assert db.get(PlanState, org.id, populate_existing=True).dirty_since == MORNING
    assert service.place_all(db) == 0  # nothing new: no second offer
    db.rollback()
    assert len(offers_of(db, order)) == 1


@pytest.mark.no_plan_worker
def test_a_report_of_a_type_a_dispatcher_hands_out_is_not_placed(app, db):
    clock.freeze(MORNING)
    org = county(db)
    tech_at(org, 1)
    app.config["ASSIGN_AUTO_DISPATCH"] = False
    order = report(db, org)
    db.commit()
    assert service.place_all(db) == 0
    db.rollback()
    assert order.status is Status.QUEUED and offers_of(db, order) == []
