"""The next due time kept on the order (``WorkOrder.next_due_at`` / ``next_warn_at``): the
console sorts the queue and colours the map by it, so it must follow every change of the
order's deadlines — and be the same as the milestones say, read back from the database."""

from __future__ import annotations

import sqlalchemy as sa

from dispatch import clock
from dispatch.orders import lifecycle
from dispatch.orders.lifecycle import Actor
from dispatch.orders.models import Channel, WorkOrder
from dispatch.sla.changes import set_deadline
from dispatch.sla.service import refresh_next_due
from tests.factories import make_order, make_user
from tests.sla.conftest import at

TECH = Actor(Channel.SMS)


def _stored(db, order) -> tuple:
    """The order's next due and warning times as committed (local ``HH:MM`` text), and what its
    running milestones say they should be."""
    db.commit()
    db.expire_all()
    row = db.execute(
        sa.select(WorkOrder.next_due_at, WorkOrder.next_warn_at).where(WorkOrder.id == order.id)
    ).one()
    order = db.get(WorkOrder, order.id)
    running = [m for m in order.milestones if m.met_at is None and m.due_at is not None]
    expected = (
        min((m.due_at for m in running), default=None) if order.is_open else None,
        min((m.warn_at for m in running if m.warn_at), default=None) if order.is_open else None,
    )
    assert (row.next_due_at, row.next_warn_at) == expected
    return tuple(clock.local(t).strftime("%d %H:%M") if t else None for t in row)


def _walk(db, order, *steps):
    for when, action in steps:
        clock.freeze(at(when))
        lifecycle.transition(db, order, action, TECH)


def test_a_new_report_has_its_first_deadline_as_next_due(db, county):
    order = make_order(county, reported_at=at("2026-10-02T08:00"))
    # A leak: on site within 1 h, repaired within 8 h; the first one is the next due.
    assert _stored(db, order)[0] == "02 09:00"


def test_arriving_moves_next_due_to_the_repair(db, county):
    order = make_order(county, reported_at=at("2026-10-02T08:00"))
    _walk(
        db,
        order,
        ("2026-10-02T08:05", "locate"),
        ("2026-10-02T08:05", "queue"),
        ("2026-10-02T08:05", "accept"),
    )
    _walk(db, order, ("2026-10-02T08:40", "arrive"))
    assert _stored(db, order)[0] == "02 16:00"


def test_a_pause_moves_next_due_after_the_resume(db, county):
    order = make_order(county, reported_at=at("2026-10-02T08:00"))
    _walk(
        db,
        order,
        ("2026-10-02T08:05", "locate"),
        ("2026-10-02T08:05", "queue"),
        ("2026-10-02T08:05", "accept"),
    )
    _walk(db, order, ("2026-10-02T08:40", "arrive"), ("2026-10-02T10:00", "hold"))
    assert _stored(db, order)[0] == "02 16:00"  # a hold just begun has paused nothing yet
    order = db.get(WorkOrder, order.id)
    _walk(db, order, ("2026-10-02T13:00", "resume"))
    assert _stored(db, order)[0] == "02 19:00"  # 3 h on hold


def test_a_deadline_set_by_hand_is_the_next_due(db, county):
    dispatcher = make_user(county)
    clock.freeze(at("2026-10-08T11:00"))
    order = make_order(county, "hot_issue", reported_at=at("2026-10-08T09:00"), owner_id=dispatcher.id)
    before = _stored(db, order)[0]
    order = db.get(WorkOrder, order.id)
    set_deadline(
        db,
        order,
        "resolve",
        at("2026-10-20T17:00"),
        "需要两个部门现场会商。",
        Actor(Channel.CONSOLE, user_id=dispatcher.id),
    )
    after = _stored(db, order)[0]
    assert before == "09 09:00" and after == "20 17:00"


def test_closing_and_cancelling_clear_next_due_and_reopening_brings_it_back(db, county):
    order = make_order(county, reported_at=at("2026-10-02T08:00"))
    _walk(
        db,
        order,
        ("2026-10-02T08:05", "locate"),
        ("2026-10-02T08:05", "queue"),
        ("2026-10-02T08:05", "accept"),
    )
    _walk(
        db,
        order,
        ("2026-10-02T08:40", "arrive"),
        ("2026-10-02T09:30", "complete"),
        ("2026-10-02T09:40", "close"),
    )
    assert _stored(db, order) == (None, None)

    other = make_order(county, reported_at=at("2026-10-02T08:00"))
    _walk(db, other, ("2026-10-02T08:10", "cancel"))
    assert _stored(db, other) == (None, None)
    other = db.get(WorkOrder, other.id)
    _walk(db, other, ("2026-10-02T08:20", "reopen"))
    assert _stored(db, other)[0] == "02 09:00"  # its unmet deadlines run again


def test_a_bulk_refresh_agrees_with_the_engine(db, county):
    order = make_order(county, reported_at=at("2026-10-02T08:00"))
    kept = _stored(db, order)
    db.execute(sa.update(WorkOrder).values(next_due_at=None, next_warn_at=None))
    refresh_next_due(db, county.id)
    assert _stored(db, order) == kept
