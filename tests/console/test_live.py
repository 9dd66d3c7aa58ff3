"""Live updates: the event stream carries the organisation's timeline events, and only those."""

import json

import pytest

from dispatch.console import live
from dispatch.orders.lifecycle import Actor, record
from tests.console.conftest import placed_order


def _messages(body: str) -> list[dict]:
    return [json.loads(line[6:]) for line in body.splitlines() if line.startswith("data: ")]


def test_events_after_are_scoped_to_the_organisation(db, county):
    mine = placed_order(county.org)
    placed_order(county.other, type_code="vehicle_body_fault")
    db.commit()
    events = live.events_after(db, county.org.id, 0, frozenset())
    assert {e.reference for e in events} == {mine.reference}
    assert live.last_event_id(db, county.org.id) == events[-1].id


def test_an_emergency_or_a_breach_raises_the_alert(db, county):
    accident = placed_order(county.org, type_code="safety_accident")
    record(db, accident, "breached", Actor.system(), data={"milestone": "arrive"})
    db.commit()
    events = live.events_after(db, county.org.id, 0, frozenset({"safety_accident"}))
    assert [e.alert for e in events] == [True, False, True]  # created, locate, breached


def test_a_commit_wakes_the_streams_and_a_rollback_does_not(db, county):
    before = live.FEED.seq
    order = placed_order(county.org)
    db.rollback()
    assert live.FEED.seq == before
    placed_order(county.org)
    db.commit()
    assert live.FEED.seq > before
    assert order is not None


def test_the_stream_sends_new_events_with_labels(make_app, db, county):
    order = placed_order(county.org)
    db.commit()
    after = live.last_event_id(db, county.org.id)
    record(db, order, "note", Actor.system(), note="crew delayed")
    db.commit()
    app = make_app(CONSOLE_SSE_LIFETIME_S=0.2)
    client = app.test_client()
    client.post("/login", data={"username": "disp", "password": "password123"})
    response = client.get(f"/console/live?after={after}", headers={"Accept-Language": "zh-CN"})
    assert response.mimetype == "text/event-stream"
    (message,) = _messages(response.get_data(as_text=True))
    assert message["reference"] == order.reference and message["kind"] == "note"
    assert message["kind_label"] == "备注" and message["type_label"].startswith("供水")
    resumed = client.get("/console/live", headers={"Last-Event-ID": str(message["id"])})
    assert _messages(resumed.get_data(as_text=True)) == []


def test_another_organisation_hears_nothing(make_app, db, county):
    app = make_app(CONSOLE_SSE_LIFETIME_S=0.2)
    client = app.test_client()
    client.post("/login", data={"username": "stranger", "password": "password123"})
    placed_order(county.org)
    db.commit()
    assert _messages(client.get("/console/live?after=0").get_data(as_text=True)) == []


@pytest.mark.postgres_only
def test_postgres_notify_wakes_the_streams_of_other_processes(app, db, county, monkeypatch):
    """With the in-process wake-up off (as for a change made by a worker), NOTIFY alone wakes."""
    live.PostgresListener.ensure(db.get_bind().url.render_as_string(hide_password=False))
    seen = live.FEED.wait(live.FEED.seq, 5)  # let the listener connect (it bumps once)
    monkeypatch.setattr(live, "LOCAL_WAKE", False)
    placed_order(county.org)
    db.commit()
    assert live.FEED.wait(seen, 10) != seen
