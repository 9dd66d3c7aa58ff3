"""The state machine: every allowed transition works and writes an event; nothing else does."""

import pytest
import sqlalchemy as sa

from dispatch.assign.models import DutyStatus
from dispatch.errors import TransitionError
from dispatch.orders import lifecycle
from dispatch.orders.lifecycle import TRANSITIONS, Actor
from dispatch.orders.models import Channel, Event, Status, WorkOrder
from tests.factories import make_order, make_org, make_technician, make_user

ACTOR = Actor(Channel.CONSOLE)


def _order_in(
    db, org, status: Status, held_from: Status | None = None, type_code: str = "water_leak"
) -> WorkOrder:
    order = make_order(org, type_code=type_code)
    # Test set-up only: put the order straight into the state under test.
    order.status = status
    order.held_from = held_from
    db.flush()
    return order


ALLOWED = [(name, source) for name, t in TRANSITIONS.items() for source in sorted(t.sources)]


@pytest.mark.parametrize(("action", "source"), ALLOWED, ids=[f"{a}-from-{s.value}" for a, s in ALLOWED])
def test_every_allowed_transition_moves_the_order_and_writes_an_event(db, action, source):
    org = make_org()
    held_from = Status.ACCEPTED if source is Status.ON_HOLD else None
    # Desk work only (a complaint): work on site is refused these (tested below).
    type_code = "complaint" if action in lifecycle.DESK_WORK_ONLY else "water_leak"
    order = _order_in(db, org, source, held_from=held_from, type_code=type_code)
    before = db.scalar(sa.select(sa.func.count(Event.id)).where(Event.order_id == order.id))

    event = lifecycle.transition(db, order, action, ACTOR, note="why not")
    db.commit()

    expected = TRANSITIONS[action].target or Status.ACCEPTED  # resume goes back to held_from
    assert order.status is expected
    assert event.kind == action and event.from_status is source and event.to_status is expected
    assert event.note == "why not" and event.channel is Channel.CONSOLE
    after = db.scalar(sa.select(sa.func.count(Event.id)).where(Event.order_id == order.id))
    assert after == before + 1


FORBIDDEN = [(name, s) for name, t in TRANSITIONS.items() for s in Status if s not in t.sources]


@pytest.mark.parametrize(("action", "source"), FORBIDDEN, ids=[f"{a}-from-{s.value}" for a, s in FORBIDDEN])
def test_a_forbidden_transition_fails_clearly_and_changes_nothing(db, action, source):
    org = make_org()
    order = _order_in(db, org, source)
    db.commit()
    version, events = order.version, len(order.events)

    with pytest.raises(TransitionError) as info:
        lifecycle.transition(db, order, action, ACTOR)
    db.rollback()

    assert order.reference in info.value.message and source.value in info.value.message
    db.refresh(order)
    assert order.status is source and order.version == version and len(order.events) == events


@pytest.mark.parametrize("action", sorted(lifecycle.DESK_WORK_ONLY))
def test_work_on_site_is_refused_the_transitions_of_desk_work(db, action):
    org = make_org()
    source = next(iter(sorted(TRANSITIONS[action].sources)))
    order = _order_in(db, org, source)
    db.commit()
    with pytest.raises(TransitionError, match="worked on site"):
        lifecycle.transition(db, order, action, ACTOR)
    db.rollback()
    db.refresh(order)
    assert order.status is source


def test_hold_remembers_where_the_order_was_and_resume_returns_there(db):
    org = make_org()
    order = _order_in(db, org, Status.ON_SITE)
    lifecycle.transition(db, order, "hold", ACTOR, note="waiting for a valve")
    assert order.status is Status.ON_HOLD and order.held_from is Status.ON_SITE
    lifecycle.transition(db, order, "resume", ACTOR)
    assert order.status is Status.ON_SITE and order.held_from is None


def test_the_full_road_of_a_leak(db):
    org = make_org()
    # Off duty: automatic dispatch on "queue" finds nobody, so every transition below is the test's.
    tech = make_technician(org, duty_status=DutyStatus.OFF_DUTY)
    order = make_order(org)
    for action in (
        "locate",
        "queue",
        "offer",
        "accept",
        "depart",
        "arrive",
        "complete",
        "sign",
        "approve",
        "close",
    ):
        lifecycle.transition(db, order, action, Actor(Channel.SMS, technician_id=tech.id))
    db.commit()
    assert order.status is Status.CLOSED and order.closed_at is not None
    assert [e.kind for e in order.events] == [
        "created",
        "locate",
        "queue",
        "offer",
        "accept",
        "depart",
        "arrive",
        "complete",
        "sign",
        "approve",
        "close",
    ]
    lifecycle.transition(db, order, "reopen", ACTOR)
    assert order.status is Status.QUEUED and order.closed_at is None


def test_unknown_action_is_a_clear_error(db):
    order = make_order(make_org())
    with pytest.raises(TransitionError, match="Unknown action"):
        lifecycle.transition(db, order, "teleport", ACTOR)


def test_handover_changes_the_owner_and_is_logged(db):
    org = make_org()
    first, second = make_user(org), make_user(org)
    order = make_order(org, owner_id=first.id)
    event = lifecycle.handover(db, order, second.id, Actor(Channel.CONSOLE, user_id=first.id), "end of shift")
    db.commit()
    assert order.owner_id == second.id
    assert event.kind == "handover" and event.note == "end of shift"
    assert event.data == {"from_user_id": first.id, "to_user_id": second.id}
    with pytest.raises(TransitionError):
        lifecycle.handover(db, order, second.id, ACTOR, "again")


def test_reference_numbers_are_sequential_per_year(db):
    org = make_org()
    refs = [make_order(org).reference for _ in range(3)]
    year = refs[0].split("-")[1]
    assert refs == [f"WO-{year}-{n:06d}" for n in (1, 2, 3)]


def test_status_is_never_set_outside_the_lifecycle(repo_root):
    """Every status change goes through orders/lifecycle.py: no other module assigns it."""
    offenders = []
    for path in (repo_root / "dispatch").rglob("*.py"):
        if path.name == "lifecycle.py":
            continue
        text = path.read_text(encoding="utf-8")
        if ".status = " in text.replace("message.status", "").replace("delivery_status", ""):
            offenders.append(str(path.relative_to(repo_root)))
    assert offenders == []
