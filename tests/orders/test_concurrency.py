"""Two people changing the same order: the second gets a conflict, never a lost update."""

import threading

import pytest
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from dispatch.auth.models import Role
from dispatch.errors import ConflictError
from dispatch.orders import lifecycle
from dispatch.orders.lifecycle import Actor
from dispatch.orders.models import Channel, Status, WorkOrder
from tests.factories import make_order, make_org, make_user

ACTOR = Actor(Channel.CONSOLE)


def _queued_order(db):
    org = make_org()
    order = make_order(org)
    lifecycle.transition(db, order, "locate", ACTOR)
    lifecycle.transition(db, order, "queue", ACTOR)
    db.commit()
    return order.id


def test_second_session_writing_a_stale_order_gets_a_conflict(app, db):
    order_id = _queued_order(db)
    engine = db.get_bind()
    with Session(engine, expire_on_commit=False) as first, Session(engine, expire_on_commit=False) as second:
        mine, theirs = first.get(WorkOrder, order_id), second.get(WorkOrder, order_id)
        read_version = mine.version
        first.commit()
        second.commit()  # both have read version 1 and hold no transaction now

        lifecycle.transition(first, mine, "accept", ACTOR)
        first.commit()

        with pytest.raises(StaleDataError):  # raised when the change is flushed
            lifecycle.transition(second, theirs, "cancel", ACTOR)
            second.commit()
        second.rollback()

    db.rollback()  # end the read snapshot: see what the others committed
    order = db.get(WorkOrder, order_id)
    # The one change that went in bumped the version both had read; the refused one did not.
    assert order.status is Status.ACCEPTED and order.version == read_version + 1
    assert [e.kind for e in order.events][-1] == "accept"


@pytest.mark.postgres_only
def test_concurrent_open_transactions_on_postgres_conflict(app, db):
    order_id = _queued_order(db)
    engine = db.get_bind()
    outcome = {}

    def other_dispatcher(theirs_session, theirs):
        try:
            # Blocks on the row lock until the first transaction commits, then finds version moved.
            lifecycle.transition(theirs_session, theirs, "cancel", ACTOR)
            theirs_session.commit()
            outcome["second"] = "committed"
        except StaleDataError:
            theirs_session.rollback()
            outcome["second"] = "conflict"

    with Session(engine) as first, Session(engine) as second:
        mine, theirs = first.get(WorkOrder, order_id), second.get(WorkOrder, order_id)
        lifecycle.transition(first, mine, "accept", ACTOR)  # holds the row lock, not committed
        thread = threading.Thread(target=other_dispatcher, args=(second, theirs))
        thread.start()
        thread.join(timeout=1)
        assert thread.is_alive(), "the second writer should wait for the first"
        first.commit()
        thread.join(timeout=30)
    assert outcome == {"second": "conflict"}
    db.rollback()  # end the read snapshot: see what the others committed
    assert db.get(WorkOrder, order_id).status is Status.ACCEPTED


def test_expected_version_from_a_form_is_checked(db):
    order_id = _queued_order(db)
    order = db.get(WorkOrder, order_id)
    with pytest.raises(ConflictError):
        lifecycle.transition(db, order, "accept", ACTOR, expected_version=order.version - 1)


def test_two_dispatchers_posting_the_same_form_the_second_gets_409(app, db, client):
    org = make_org()
    make_user(org, Role.DISPATCHER, username="one")
    order = make_order(org)
    lifecycle.transition(db, order, "locate", ACTOR)
    lifecycle.transition(db, order, "queue", ACTOR)
    db.commit()
    version, reference = order.version, order.reference

    client.post("/login", data={"username": "one", "password": "password123"})
    first = client.post(
        f"/console/orders/{reference}/transition",
        data={"action": "hold", "note": "waiting for a permit", "version": version},
    )
    assert first.status_code == 302
    second = client.post(
        f"/console/orders/{reference}/transition",
        data={"action": "cancel", "note": "duplicate", "version": version},
        headers={"Accept": "application/json"},
    )
    assert second.status_code == 409
    assert "changed by someone else" in second.get_json()["error"]
    db.rollback()  # end the read snapshot: see what the others committed
    assert db.get(WorkOrder, order.id).status is Status.ON_HOLD
