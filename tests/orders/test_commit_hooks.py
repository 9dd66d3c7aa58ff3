"""Hooks that act when a transaction commits (wake workers, number events) wait for the
transaction itself: a savepoint's release is not a commit."""

from __future__ import annotations

from dispatch import worker
from dispatch.plan import service
from tests.factories import make_org


def test_a_savepoint_released_wakes_nobody_and_the_commit_does(app, db, monkeypatch):
    org = make_org()
    db.commit()
    woken: list[str] = []
    monkeypatch.setattr(worker, "wake", woken.append)
    with db.begin_nested():
        service.mark_dirty(db, org.id)
    assert woken == []  # nothing is committed yet: a worker woken now would find nothing
    db.commit()
    assert woken == ["place"]  # placing wakes the re-plan when it placed something


def test_a_savepoint_rolled_back_does_not_forget_what_the_transaction_asked_for(app, db, monkeypatch):
    org = make_org()
    db.commit()
    woken: list[str] = []
    monkeypatch.setattr(worker, "wake", woken.append)
    service.mark_dirty(db, org.id)
    try:
        with db.begin_nested():
            raise RuntimeError("a failed step inside the transaction")
    except RuntimeError:
        pass
    db.commit()
    assert woken == ["place"]  # placing wakes the re-plan when it placed something
