"""The warning and escalation jobs: once per milestone, whatever the number of runs and workers."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from dispatch import clock
from dispatch.auth.models import DutyShift, Role
from dispatch.extensions import db as _db
from dispatch.language import CHINESE, ENGLISH
from dispatch.orders import lifecycle
from dispatch.orders.lifecycle import Actor
from dispatch.orders.models import Event, Milestone, WorkOrder
from dispatch.sla import jobs
from dispatch.sla.notices import escalation_text, warning_text
from dispatch.sla.service import rulebook
from dispatch.sms.models import OutboxMessage
from dispatch.sms.segments import count_segments
from tests.factories import make_order, make_technician, make_user
from tests.sla.conftest import at

SYSTEM = Actor.system()


@pytest.fixture
def staff(db, county):
    """A Chinese-speaking technician and owner; an English-speaking supervisor on the day shift."""
    tech = make_technician(county, phone="+8613800000001", language="zh", name="张师傅")
    owner = make_user(county, phone="+8613800000002", language="zh_Hans_CN", username="desk")
    boss = make_user(county, Role.SUPERVISOR, phone="+8613800000003", language="en", username="boss")
    night = make_user(county, Role.SUPERVISOR, phone="+8613800000004", username="night")
    for user, start, end in (
        (boss, "2026-10-02T08:00", "2026-10-02T20:00"),
        (night, "2026-10-02T20:00", "2026-10-03T08:00"),
    ):
        db.add(DutyShift(org_id=county.id, user_id=user.id, starts_at=at(start), ends_at=at(end), shift="x"))
    return tech, owner, boss


def _leak(db, county, tech, owner, reported="2026-10-02T08:00"):
    order = make_order(county, reported_at=at(reported), assignee_id=tech.id, owner_id=owner.id)
    lifecycle.transition(db, order, "locate", SYSTEM)
    return order


def _run(app, job):
    return job(app, "test-worker")


def _messages(db, kind):
    db.rollback()
    return db.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
    ).all()


def test_a_warning_goes_once_to_technician_and_owner_in_their_language(app, db, county, staff):
    tech, owner, _boss = staff
    order = _leak(db, county, tech, owner)
    db.commit()
    clock.freeze(at("2026-10-02T08:47"))  # arrive due 09:00, warned from 08:48 (80 % of 1 h)
    assert _run(app, jobs.run_warnings) == 0
    clock.freeze(at("2026-10-02T08:50"))
    assert _run(app, jobs.run_warnings) == 1
    for _ in range(3):
        assert _run(app, jobs.run_warnings) == 0
    sent = _messages(db, "sla_warning")
    assert [(m.recipient, m.language) for m in sent] == [
        ("+8613800000001", "zh"),
        ("+8613800000002", "zh"),
    ]
    assert sent[0].technician_id == tech.id and sent[0].work_order_id == order.id
    assert order.reference in sent[0].body and "到场" in sent[0].body and "10-02 09:00" in sent[0].body
    arrive = db.scalar(sa.select(Milestone).where(Milestone.name == "arrive"))
    assert clock.local(arrive.warned_at) == at("2026-10-02T08:50")
    event = db.scalar(sa.select(Event).where(Event.kind == "sla_warning"))
    assert event.data["milestone"] == "arrive" and event.data["to"] == [
        {"technician_id": tech.id},
        {"user_id": owner.id},
    ]


def test_a_breach_escalates_once_to_the_supervisor_on_duty(app, db, county, staff):
    tech, owner, boss = staff
    order = _leak(db, county, tech, owner)
    db.commit()
    clock.freeze(at("2026-10-02T09:00"))  # due now: not breached yet
    assert _run(app, jobs.run_escalations) == 0
    clock.freeze(at("2026-10-02T09:01"))
    assert _run(app, jobs.run_escalations) == 1
    clock.advance(timedelta(hours=1))
    for _ in range(3):
        assert _run(app, jobs.run_escalations) == 0
    (sent,) = _messages(db, "sla_escalation")
    assert (sent.recipient, sent.language) == ("+8613800000003", "en")
    assert (
        sent.body == f"Missed: {order.reference} Water leak, on site was due 10-02 09:00. Assignee: 张师傅."
    )
    arrive = db.scalar(sa.select(Milestone).where(Milestone.name == "arrive"))
    assert clock.local(arrive.breached_at) == at("2026-10-02T09:00")
    assert clock.local(arrive.escalated_at) == at("2026-10-02T09:01")
    assert db.scalar(sa.select(sa.func.count(Event.id)).where(Event.kind == "sla_breach")) == 1
    assert _messages(db, "sla_warning") == []  # the jobs first ran past the due time: no late warning


def test_the_night_supervisor_gets_night_breaches_in_chinese(app, db, county, staff):
    tech, owner, _boss = staff
    _leak(db, county, tech, owner, reported="2026-10-02T21:00")
    db.commit()
    clock.freeze(at("2026-10-02T22:30"))
    assert _run(app, jobs.run_escalations) == 1
    (sent,) = _messages(db, "sla_escalation")
    assert sent.recipient == "+8613800000004" and sent.language == "zh" and "已超时" in sent.body


def test_nobody_assigned_the_warning_goes_to_the_supervisor(app, db, county, staff):
    make_order(county, "manhole_cover", reported_at=at("2026-10-02T08:00"))
    db.commit()
    clock.freeze(at("2026-10-02T09:40"))  # the sign is due at 10:00, warned from 09:36
    assert _run(app, jobs.run_warnings) == 1
    (sent,) = _messages(db, "sla_warning")
    assert sent.recipient == "+8613800000003" and sent.body.startswith("Due soon: ")


def test_met_closed_and_paused_milestones_are_left_alone(app, db, county, staff):
    tech, owner, _boss = staff
    clock.freeze(at("2026-10-02T08:10"))
    met = _leak(db, county, tech, owner)
    for action in ("queue", "accept", "arrive", "complete"):
        lifecycle.transition(db, met, action, SYSTEM)
    cancelled = _leak(db, county, tech, owner)
    lifecycle.transition(db, cancelled, "cancel", SYSTEM)
    paused = _leak(db, county, tech, owner)
    for action in ("queue", "accept", "arrive"):
        lifecycle.transition(db, paused, action, SYSTEM)
    lifecycle.transition(db, paused, "hold", SYSTEM)
    db.commit()
    clock.freeze(at("2026-10-02T20:00"))  # every arrival and repair is past due
    assert _run(app, jobs.run_escalations) == 0
    # Resumed, the paused repair runs again from a due time moved by the time on hold.
    lifecycle.transition(db, paused, "resume", SYSTEM)
    db.commit()
    assert clock.local(paused.milestones[1].due_at) == at("2026-10-03T03:50")
    assert _run(app, jobs.run_escalations) == 0 and _run(app, jobs.run_warnings) == 0
    clock.freeze(at("2026-10-03T00:00"))  # 80 % of the 19 h 50 min window
    assert _run(app, jobs.run_warnings) == 1


def test_a_due_time_moved_later_is_warned_again(app, db, county, staff):
    from dispatch.sla.changes import reclassify

    tech, owner, _boss = staff
    order = _leak(db, county, tech, owner)
    db.commit()
    clock.freeze(at("2026-10-02T14:30"))  # the 8 h repair is warned from 14:24
    assert _run(app, jobs.run_warnings) == 1
    reclassify(db, order, severity="major", actor=SYSTEM, reason="bigger")
    db.commit()
    assert _run(app, jobs.run_warnings) == 0
    clock.freeze(at("2026-10-03T03:30"))  # 24 h repair warned from 03:12
    assert _run(app, jobs.run_warnings) == 1


@pytest.mark.parametrize("language", [CHINESE, ENGLISH])
def test_every_warning_and_escalation_fits_in_two_segments(app, db, county, language):
    tech = make_technician(county, name="新野县城区供排水抢修服务站第三班组")
    due_at = clock.aware(at("2026-12-31T23:59"))
    for type_def in rulebook().types.values():
        order = WorkOrder(reference="WO-2026-123456", type_code=type_def.code, assignee=tech)
        names = {m.name for rule in type_def.variants for m in rule.milestones}
        for name in names:
            milestone = Milestone(name=name, due_at=due_at)
            warning = warning_text(order, milestone, language)
            escalation = escalation_text(order, milestone, language)
            assert count_segments(warning).segments == 1, warning
            assert count_segments(escalation).segments <= 2, escalation
            if language == ENGLISH:
                assert count_segments(warning).encoding == "GSM-7", warning


def _many_due(db, county, staff, count):
    tech, owner, _boss = staff
    for _ in range(count):
        _leak(db, county, tech, owner)
    db.commit()


def _two_workers(app, job):
    """Run ``job`` in two threads, each with its own app context and session, until both find
    nothing left; returns how many milestones each claimed."""
    barrier = threading.Barrier(2)
    claimed = {}
    errors = []

    def work(name):
        try:
            with app.app_context():
                barrier.wait(timeout=30)
                total = 0
                while (n := job(app, name)) > 0:
                    total += n
                claimed[name] = total
                _db.session.remove()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    return claimed


@pytest.mark.postgres_only
def test_two_workers_on_postgresql_warn_and_escalate_each_milestone_once(make_app, db, county, staff):
    app = make_app(SLA_BATCH_SIZE=3)
    _many_due(db, county, staff, 12)
    clock.freeze(at("2026-10-02T08:50"))
    warned = _two_workers(app, jobs.run_warnings)
    assert sum(warned.values()) == 12
    clock.freeze(at("2026-10-02T09:30"))
    escalated = _two_workers(app, jobs.run_escalations)
    assert sum(escalated.values()) == 12
    db.rollback()
    per_order = db.execute(
        sa.select(OutboxMessage.work_order_id, OutboxMessage.kind, sa.func.count()).group_by(
            OutboxMessage.work_order_id, OutboxMessage.kind
        )
    ).all()
    assert len(per_order) == 24
    assert {(kind, n) for _order, kind, n in per_order} == {("sla_warning", 2), ("sla_escalation", 1)}
    assert db.scalar(sa.select(sa.func.count(Event.id)).where(Event.kind == "sla_breach")) == 12


def test_repeated_runs_on_one_database_warn_and_escalate_once(app, db, county, staff):
    _many_due(db, county, staff, 5)
    clock.freeze(at("2026-10-02T08:50"))
    assert [_run(app, jobs.run_warnings) for _ in range(3)] == [5, 0, 0]
    clock.freeze(at("2026-10-02T09:30"))
    assert [_run(app, jobs.run_escalations) for _ in range(3)] == [5, 0, 0]
    assert len(_messages(db, "sla_warning")) == 10 and len(_messages(db, "sla_escalation")) == 5
