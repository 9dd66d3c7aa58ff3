"""Two workers re-planning the same organisation at the same moment: the plan lock serialises
them, so no job is ever offered to two technicians."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from dispatch import clock
from dispatch.assign.models import DutyStatus, Offer, OfferState, Technician
from dispatch.db import sqlite_writer
from dispatch.extensions import db as _db
from dispatch.plan import service
from dispatch.plan.models import PlanEntry, PlanState
from tests.assign.helpers import MORNING, TOWN, county, report
from tests.factories import make_technician


def hold_solver_open(monkeypatch, *, improving_only: bool) -> tuple[threading.Event, threading.Event]:
    """The real solver, held open once it has solved (only when improving, with a budget, if
    ``improving_only``) until the test sets ``go_on``: returns (solved, go_on)."""
    solved, go_on = threading.Event(), threading.Event()
    real_plan = service.solver.plan

    def plan_and_wait(problem, **kwargs):
        found = real_plan(problem, **kwargs)
        if kwargs.get("budget_s") or not improving_only:
            solved.set()
            go_on.wait(timeout=30)
        return found

    monkeypatch.setattr(service.solver, "plan", plan_and_wait)
    return solved, go_on


@pytest.mark.postgres_only
def test_two_workers_replanning_at_once_never_give_one_job_to_two_technicians(app, db):
    clock.freeze(MORNING)
    org = county(db)
    techs = [
        make_technician(org, duty_status=DutyStatus.OFF_DUTY, last_lat=TOWN[0] + k / 111.2, last_lon=TOWN[1])
        for k in range(4)
    ]
    # Reported while everybody is off duty: nothing planned, nothing offered yet.
    orders = [report(db, org, at=(TOWN[0] - k / 111.2, TOWN[1] + k / 111.2)) for k in range(6)]
    for tech in techs:
        tech.duty_status = DutyStatus.ON_DUTY
    db.commit()
    org_id, order_ids = org.id, [o.id for o in orders]

    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def worker():
        with app.app_context():
            try:
                barrier.wait(timeout=10)
                service.replan(_db.session, org_id, budget_s=0.1, reason="race")
                _db.session.commit()
            except BaseException as error:  # reported below
                errors.append(error)
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []

    db.rollback()
    offers = db.scalars(sa.select(Offer).where(Offer.work_order_id.in_(order_ids))).all()
    per_order: dict[int, set[int]] = {}
    for offer in offers:
        assert offer.state is OfferState.PENDING
        per_order.setdefault(offer.work_order_id, set()).add(offer.technician_id)
    assert all(len(holders) == 1 for holders in per_order.values()), per_order
    assert len(offers) == len(per_order)  # never offered twice, even to the same technician
    entries = db.scalars(sa.select(PlanEntry).where(PlanEntry.org_id == org_id)).all()
    planned = {e.work_order_id: e.technician_id for e in entries}
    assert {k: {v} for k, v in planned.items() if k in per_order} == per_order
    assert db.scalar(sa.select(sa.func.count(Technician.id))) == 4


@pytest.mark.postgres_only
def test_a_report_arriving_while_the_worker_improves_is_placed_at_once_and_kept(app, db, monkeypatch):
    # The worker improves with no lock held: a report taken meanwhile is inserted and offered
    # without waiting for the improvement, and the improved plan applied afterwards keeps it.
    clock.freeze(MORNING)
    org = county(db)
    techs = [make_technician(org, last_lat=TOWN[0] + k / 111.2, last_lon=TOWN[1]) for k in range(3)]
    earlier = [report(db, org, at=(TOWN[0] - k / 111.2, TOWN[1])) for k in range(3)]
    db.commit()
    org_id = org.id
    app.config["PLAN_IMPROVE_BUDGET_S"] = 0.3

    solving, go_on = hold_solver_open(monkeypatch, improving_only=True)
    errors: list[BaseException] = []

    def worker():
        with app.app_context():
            try:
                assert service.run_dirty(app, _db.session) == 1
            except BaseException as error:  # reported below
                errors.append(error)
            finally:
                _db.session.remove()

    clock.advance(timedelta(seconds=5))
    thread = threading.Thread(target=worker)
    thread.start()
    try:
        assert solving.wait(timeout=30)
        db.execute(sa.text("SET lock_timeout = '5s'"))  # the old way held the plan lock here
        late = report(db, org, at=(TOWN[0], TOWN[1] + 1 / 111.2))
        db.commit()
        assert thread.is_alive()  # the improvement is still running
        assert len(db.scalars(sa.select(Offer).where(Offer.work_order_id == late.id)).all()) == 1
    finally:
        go_on.set()
        thread.join(timeout=60)
    assert errors == []

    db.rollback()
    planned = {
        e.work_order_id: e.technician_id
        for e in db.scalars(sa.select(PlanEntry).where(PlanEntry.org_id == org_id))
    }
    assert set(planned) == {o.id for o in [*earlier, late]}
    assert set(planned.values()) <= {t.id for t in techs}
    for order_id, tech_id in planned.items():
        live = db.scalars(
            sa.select(Offer).where(Offer.work_order_id == order_id, Offer.state == OfferState.PENDING)
        ).all()
        assert [o.technician_id for o in live] == [tech_id]


@pytest.mark.postgres_only
@pytest.mark.no_plan_worker
def test_a_report_taken_while_the_worker_places_others_does_not_wait_for_it(app, db, monkeypatch):
    # Just after an improvement the plan is not marked out of date; a placement is then running
    # (holding the planner lock) when a report comes in. Marking the plan must not queue the
    # report's request behind the placement — in a storm that was the POSTs' slow tail.
    clock.freeze(MORNING)
    org = county(db)
    techs = [make_technician(org, last_lat=TOWN[0] + k / 111.2, last_lon=TOWN[1]) for k in range(3)]
    first = report(db, org, at=(TOWN[0] - 1 / 111.2, TOWN[1]))
    db.execute(sa.update(PlanState).where(PlanState.org_id == org.id).values(dirty_since=None))
    db.commit()
    org_id = org.id

    placing, go_on = hold_solver_open(monkeypatch, improving_only=False)
    errors: list[BaseException] = []

    def worker():
        with app.app_context():
            token = sqlite_writer.set(True)
            try:
                assert service.place_all(_db.session) == 1
            except BaseException as error:  # reported below
                errors.append(error)
            finally:
                sqlite_writer.reset(token)
                _db.session.remove()

    thread = threading.Thread(target=worker)
    thread.start()
    try:
        assert placing.wait(timeout=30)
        db.execute(sa.text("SET lock_timeout = '2s'"))  # a row lock held by the planner fails here
        late = report(db, org, at=(TOWN[0], TOWN[1] + 1 / 111.2))
        db.commit()
        assert thread.is_alive()  # the placement is still running
        assert db.scalar(sa.select(PlanState.dirty_since).where(PlanState.org_id == org_id)) is not None
    finally:
        go_on.set()
        thread.join(timeout=60)
    assert errors == []

    db.rollback()
    # The placement kept the late report's mark, and the next placement offers it.
    assert db.scalar(sa.select(PlanState.dirty_since).where(PlanState.org_id == org_id)) is not None
    token = sqlite_writer.set(True)  # go_on is set: the solver no longer waits
    try:
        assert service.place_all(db) == 1
        db.commit()
    finally:
        sqlite_writer.reset(token)
    offered = {
        o.work_order_id: o.technician_id
        for o in db.scalars(sa.select(Offer).where(Offer.state == OfferState.PENDING))
    }
    assert set(offered) == {first.id, late.id}
    assert set(offered.values()) <= {t.id for t in techs}
