"""Deadlines moved by people — reclassified, set by hand — are recorded and queued for review."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from dispatch import clock
from dispatch.auth.models import Role
from dispatch.errors import ConflictError, DomainError
from dispatch.orders import lifecycle
from dispatch.orders.lifecycle import Actor
from dispatch.orders.models import Channel, Event
from dispatch.sla.changes import reclassify, set_deadline
from dispatch.sla.models import DueChange
from dispatch.sla.service import recompute
from dispatch.sms.models import OutboxMessage
from dispatch.sms.segments import count_segments
from tests.factories import make_order, make_org, make_user
from tests.sla.conftest import at, due, kinds, milestones


def _console(user) -> Actor:
    return Actor(Channel.CONSOLE, user_id=user.id)


def _count(db, model) -> int:
    return db.scalar(sa.select(sa.func.count(model.id)))


def test_a_leak_found_major_gets_24_hours_and_the_move_is_recorded(db, county):
    dispatcher = make_user(county)
    clock.freeze(at("2026-10-02T10:00"))
    # Owned already: the first console action by a dispatcher would otherwise take ownership (R10).
    order = make_order(county, reported_at=at("2026-10-02T08:00"), owner_id=dispatcher.id)
    assert due(order, "resolve") == "2026-10-02T16:00"

    changes = reclassify(
        db, order, severity="major", actor=_console(dispatcher), reason="main cracked along 2 m"
    )

    assert due(order, "resolve") == "2026-10-03T08:00" and due(order, "arrive") == "2026-10-02T09:00"
    assert milestones(order)["resolve"].rule == "water_leak.major"
    assert [c.milestone for c in changes] == ["resolve"]
    assert kinds(order)[-2:] == ["reclassified", "due_changed"]
    reclassified, moved = order.events[-2:]
    assert reclassified.data == {
        "from": {"severity": None, "needs_supplier": False},
        "to": {"severity": "major", "needs_supplier": False},
    }
    assert moved.actor_user_id == dispatcher.id and moved.note == "main cracked along 2 m"
    assert moved.data == {
        "milestone": "resolve",
        "old_due_at": "2026-10-02T16:00:00+08:00",
        "new_due_at": "2026-10-03T08:00:00+08:00",
        "reason": "reclassified",
        "rule": "water_leak.major",
        "needs_review": True,
    }
    change = changes[0]
    assert (change.event_id, change.reviewed_at, change.actor_user_id) == (moved.id, None, dispatcher.id)


def test_a_breached_repair_reclassified_is_armed_again_and_the_breach_kept_in_the_event(db, county):
    clock.freeze(at("2026-10-02T17:00"))
    order = make_order(county, reported_at=at("2026-10-02T08:00"))
    resolve = milestones(order)["resolve"]
    resolve.warned_at = resolve.escalated_at = clock.now()
    resolve.breached_at = resolve.due_at
    reclassify(db, order, severity="major", actor=Actor.system(), reason="needs excavation")
    assert resolve.warned_at is None and resolve.breached_at is None and resolve.escalated_at is None
    assert order.events[-1].data["breached_at"] == "2026-10-02T16:00:00+08:00"


def test_a_reclassification_that_changes_nothing_writes_nothing(db, county):
    order = make_order(county, severity="major", reported_at=at("2026-10-02T08:00"))
    events = len(order.events)
    assert reclassify(db, order, severity="major", actor=Actor.system(), reason="checked again") == []
    assert len(order.events) == events and _count(db, DueChange) == 0
    # A recompute with nothing new is silent too.
    assert recompute(db, order) == [] and len(order.events) == events


def test_a_coach_fault_that_needs_a_supplier_switches_to_the_12_hour_reply(db, coach):
    order = make_order(
        coach, "vehicle_body_fault", reported_at=at("2026-02-14T10:00"), distance_km=35.0, zone="outside"
    )
    assert due(order, "arrive") == "2026-02-15T10:00"
    changes = reclassify(db, order, needs_supplier=True, actor=Actor.system(), reason="door motor")
    assert {c.milestone: (c.old_due_at, c.new_due_at) for c in changes} == {
        "arrive": (clock.aware(at("2026-02-15T10:00")), None),
        "reply": (None, clock.aware(at("2026-02-14T22:00"))),
    }
    assert list(milestones(order)) == ["reply"]
    assert milestones(order)["reply"].rule == "vehicle_body_fault.supplier"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"severity": "catastrophic", "reason": "x"}, "minor or major"),
        ({"severity": "major", "reason": "  "}, "reason"),
        ({"needs_supplier": "yes", "reason": "x"}, "true or false"),
    ],
)
def test_a_bad_reclassification_is_refused_and_changes_nothing(db, county, kwargs, message):
    order = make_order(county, reported_at=at("2026-10-02T08:00"))
    before = (order.severity, order.needs_supplier, len(order.events), due(order, "resolve"))
    with force_locale("en"), pytest.raises(DomainError, match=message):
        reclassify(db, order, actor=Actor.system(), **kwargs)
    assert (order.severity, order.needs_supplier, len(order.events), due(order, "resolve")) == before


def test_a_stale_version_is_a_conflict(db, county):
    order = make_order(county, reported_at=at("2026-10-02T08:00"))
    with pytest.raises(ConflictError):
        reclassify(db, order, severity="major", actor=Actor.system(), reason="x", expected_version=0)


def test_a_hand_set_deadline_for_a_hot_issue_is_explained_to_the_citizen(db, county):
    dispatcher = make_user(county)
    clock.freeze(at("2026-10-08T11:00"))
    order = make_order(
        county,
        "hot_issue",
        reported_at=at("2026-10-08T09:00"),
        reporter_phone="+8613912345678",
        owner_id=dispatcher.id,
    )
    new_due = at("2026-10-20T17:00")
    explanation = "需要协调住建、交通两个部门现场会商。"
    changes = set_deadline(db, order, "resolve", new_due, explanation, _console(dispatcher))

    assert due(order, "resolve") == "2026-10-20T17:00" and milestones(order)["resolve"].manual is True
    assert [(c.reason, c.note) for c in changes] == [("set_by_hand", explanation)]
    assert order.events[-1].data["reason"] == "set_by_hand"
    sms = db.scalar(sa.select(OutboxMessage))
    assert (sms.recipient, sms.kind, sms.language, sms.work_order_id) == (
        "+8613912345678",
        "deadline_set",
        "zh",
        order.id,
    )
    assert order.reference in sms.body and "2026-10-20 17:00" in sms.body and explanation in sms.body
    assert count_segments(sms.body).segments <= 2
    # The hand-set time survives later recomputes (a pause does not move it either).
    recompute(db, order, reason="rules")
    assert due(order, "resolve") == "2026-10-20T17:00"


def test_an_english_reporter_gets_english_and_a_landline_gets_no_sms(db, county):
    clock.freeze(at("2026-10-08T11:00"))
    english = make_order(
        county,
        "hot_issue",
        reported_at=at("2026-10-08T09:00"),
        reporter_phone="+447911123456",
        reporter_language="en",
    )
    set_deadline(db, english, "resolve", at("2026-10-12T12:00"), "Two departments must meet.", Actor.system())
    body = db.scalar(sa.select(OutboxMessage.body))
    assert body.startswith(english.reference + ": your request will be settled by 2026-10-12 12:00.")
    landline = make_order(
        county, "hot_issue", reported_at=at("2026-10-08T09:00"), reporter_phone="+8637766221750"
    )
    set_deadline(
        db, landline, "resolve", at("2026-10-12T12:00"), "Two departments must meet.", Actor.system()
    )
    assert _count(db, OutboxMessage) == 1
    assert due(landline, "resolve") == "2026-10-12T12:00"


@pytest.mark.parametrize(
    ("type_code", "milestone", "due_at", "explanation", "message"),
    [
        ("water_leak", "resolve", "2026-10-12T12:00", "why", "cannot be set by hand"),
        ("hot_issue", "arrive", "2026-10-12T12:00", "why", "cannot be set by hand"),
        ("hot_issue", "resolve", "2026-10-08T10:00", "why", "in the future"),
        ("hot_issue", "resolve", "2026-10-12T12:00", " ", "explanation"),
        ("hot_issue", "resolve", "2026-10-12T12:00", "很长的说明" * 40, "too long"),
    ],
    ids=["type-not-settable", "milestone-not-settable", "in-the-past", "no-explanation", "too-long"],
)
def test_a_bad_hand_set_deadline_is_refused_and_nothing_is_written(
    db, county, type_code, milestone, due_at, explanation, message
):
    clock.freeze(at("2026-10-08T11:00"))
    order = make_order(county, type_code, reported_at=at("2026-10-08T09:00"), reporter_phone="+8613912345678")
    before = ({m.name: m.due_at for m in order.milestones}, len(order.events))
    with force_locale("en"), pytest.raises(DomainError, match=message):
        set_deadline(db, order, milestone, at(due_at), explanation, Actor.system())
    assert ({m.name: m.due_at for m in order.milestones}, len(order.events)) == before
    assert _count(db, OutboxMessage) == 0


def test_a_closed_order_keeps_its_deadlines(db, county):
    order = make_order(county, "hot_issue", reported_at=at("2026-10-08T09:00"))
    lifecycle.transition(db, order, "cancel", Actor.system())
    with pytest.raises(DomainError, match="cancelled"):
        set_deadline(db, order, "resolve", at("2030-01-01T00:00"), "why", Actor.system())
    with pytest.raises(DomainError, match="cancelled"):
        reclassify(db, order, severity="major", actor=Actor.system(), reason="x")


# -- the supervisor's review queue --------------------------------------------------------------


@pytest.fixture
def moved(db, county):
    """Two moves in the county, one in another organisation."""
    clock.freeze(at("2026-10-02T10:00"))
    for org in (county, county, make_org()):
        order = make_order(org, reported_at=at("2026-10-02T08:00"))
        reclassify(db, order, severity="major", actor=Actor.system(), reason="bigger than reported")
    db.commit()
    return db.scalars(sa.select(DueChange).where(DueChange.org_id == county.id).order_by(DueChange.id)).all()


def test_a_supervisor_lists_and_acknowledges_moved_deadlines(db, county, client, auth, moved):
    supervisor = make_user(county, Role.SUPERVISOR, username="boss")
    db.commit()
    auth.login("boss")
    listed = client.get("/sla/reviews").get_json()["changes"]
    assert [c["id"] for c in listed] == [c.id for c in moved]
    assert listed[0]["old_due_at"] == "2026-10-02T16:00:00+08:00" and listed[0]["reason"] == "reclassified"
    assert listed[0]["note"] == "bigger than reported" and listed[0]["actor_channel"] == "system"

    answer = client.post(f"/sla/reviews/{moved[0].id}/ack")
    assert answer.status_code == 200 and answer.get_json()["reviewed_by_id"] == supervisor.id
    assert [c["id"] for c in client.get("/sla/reviews").get_json()["changes"]] == [moved[1].id]
    again = client.post(f"/sla/reviews/{moved[0].id}/ack", headers={"Accept": "application/json"})
    assert again.status_code == 409
    db.rollback()
    assert db.scalar(sa.select(sa.func.count(Event.id)).where(Event.kind == "due_changed")) == 3


def test_another_organisation_s_change_is_not_found_and_dispatchers_cannot_review(
    db, county, client, auth, moved
):
    make_user(county, Role.SUPERVISOR, username="boss")
    make_user(county, Role.DISPATCHER, username="desk")
    db.commit()
    other = db.scalar(sa.select(DueChange.id).where(DueChange.org_id != county.id))
    auth.login("boss")
    assert client.post(f"/sla/reviews/{other}/ack", headers={"Accept": "application/json"}).status_code == 404
    auth.logout()
    auth.login("desk")
    assert client.get("/sla/reviews").status_code == 403
