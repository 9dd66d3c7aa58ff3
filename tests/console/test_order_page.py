"""The work-order page and the console's own actions (all through lifecycle, place_order, outbox)."""

import pytest

from dispatch.console import actions
from dispatch.orders.lifecycle import Actor, record
from dispatch.orders.models import Event, Status, WorkOrder
from dispatch.sms.models import InboundMessage, OutboxMessage
from tests.console.conftest import placed_order


@pytest.fixture
def order(db, county):
    # Owned by the dispatcher already, so a console action is not also its first triage (R10).
    order = placed_order(
        county.org,
        reporter_phone="+8613812345678",
        description="<script>alert(1)</script>",
        owner_id=county.dispatcher.id,
    )
    db.commit()
    return order


def _events(db, order):
    db.rollback()
    return [e.kind for e in db.get(WorkOrder, order.id).events]


def test_page_shows_milestones_sms_thread_due_changes_and_duplicates(client, auth, db, county, order):
    dup = placed_order(county.org, duplicate_of_id=order.id)
    record(
        db,
        order,
        "due_changed",
        Actor.system(),
        note="citizen asked for tomorrow",
        data={
            "milestone": "resolve",
            "old_due_at": "2026-01-05T10:00:00+08:00",
            "new_due_at": "2026-01-06T10:00:00+08:00",
        },
    )
    db.add(
        InboundMessage(
            provider_id="SM1", sender="+8613812345678", body="水还在流 <b>", work_order_id=order.id
        )
    )
    db.add(
        OutboxMessage(recipient="+8613812345678", body="已受理", work_order_id=order.id, org_id=county.org.id)
    )
    db.commit()
    auth.login("disp")
    html = client.get(f"/console/orders/{order.reference}", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    assert "Milestones" in html and 'class="countdown"' in html
    assert "2026-01-05 10:00 → 2026-01-06 10:00" in html and "citizen asked for tomorrow" in html
    assert "水还在流 &lt;b&gt;" in html and "已受理" in html
    assert dup.reference in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert(1)" not in html
    # The registry's actions: hold/cancel where allowed, note, message, handover slot, pin.
    for endpoint in ("transition", "note", "message", "place"):
        assert f"/console/orders/{order.reference}/{endpoint}" in html


def test_hold_needs_a_reason_then_resume(client, auth, db, county, order):
    auth.login("disp")
    from dispatch.orders.lifecycle import transition

    transition(db, db.get(WorkOrder, order.id), "queue", Actor.system())
    db.commit()
    waiting = db.get(WorkOrder, order.id).status  # queued, or offered when a technician is free
    url = f"/console/orders/{order.reference}/transition"
    client.post(url, data={"action": "hold", "note": ""})
    db.rollback()
    assert db.get(WorkOrder, order.id).status is waiting
    client.post(url, data={"action": "hold", "note": "waiting for the road permit"})
    db.rollback()
    assert db.get(WorkOrder, order.id).status is Status.ON_HOLD
    client.post(url, data={"action": "resume"})
    db.rollback()
    assert db.get(WorkOrder, order.id).status is waiting


def test_only_console_transitions_are_accepted(client, auth, db, county, order):
    auth.login("disp")
    client.post(f"/console/orders/{order.reference}/transition", data={"action": "close", "note": "x"})
    db.rollback()
    assert db.get(WorkOrder, order.id).status is Status.LOCATED


def test_a_stale_version_is_a_conflict(client, auth, db, county, order):
    auth.login("disp")
    response = client.post(
        f"/console/orders/{order.reference}/transition",
        data={"action": "cancel", "note": "dup", "version": order.version - 1},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 409
    db.rollback()
    assert db.get(WorkOrder, order.id).status is Status.LOCATED


def test_note_and_message_go_to_the_timeline_and_the_outbox(client, auth, db, county, order):
    auth.login("disp")
    client.post(f"/console/orders/{order.reference}/note", data={"text": "caller rang again"})
    client.post(f"/console/orders/{order.reference}/message", data={"body": "维修人员已出发"})
    client.post(f"/console/orders/{order.reference}/message", data={"body": "x" * 301})
    assert _events(db, order)[-2:] == ["note", "customer_replied"]
    sent = db.query(OutboxMessage).filter_by(work_order_id=order.id).all()
    assert [(m.recipient, m.body, m.kind) for m in sent] == [
        ("+8613812345678", "维修人员已出发", "console_message")
    ]


def test_pin_places_the_order_and_recomputes(client, auth, db, county, order):
    auth.login("disp")
    client.post(f"/console/orders/{order.reference}/place", data={"lat": "32.9", "lon": "112.9"})
    db.rollback()
    placed = db.get(WorkOrder, order.id)
    assert (placed.lat, placed.lon, placed.location_source, placed.zone) == (32.9, 112.9, "pin", "outside")
    assert _events(db, order)[-1] == "relocated"
    response = client.post(f"/console/orders/{order.reference}/place", data={"lat": "95", "lon": "x"})
    assert response.status_code == 302
    db.rollback()
    assert db.get(WorkOrder, order.id).lat == 32.9


def test_handover_to_a_colleague(client, auth, db, county, order):
    auth.login("disp")
    client.post(
        f"/console/orders/{order.reference}/handover",
        data={"to_user": county.admin.id, "reason": "shift end"},
    )
    db.rollback()
    assert db.get(WorkOrder, order.id).owner_id == county.admin.id
    assert db.query(Event).filter_by(order_id=order.id, kind="handover").count() == 1


def test_ticket_prints_the_order(client, auth, county, order):
    auth.login("disp")
    html = client.get(
        f"/console/orders/{order.reference}/ticket", headers={"Accept-Language": "zh-CN"}
    ).get_data(as_text=True)
    assert (
        "派工单" in html and order.reference in html and "@media print" not in html and "ticket.css" in html
    )


def test_other_packages_add_actions_to_a_slot(client, auth, county, order):
    actions.register(
        actions.OrderAction(
            "assign_test", "assignment", "Assign (test)", "console/actions/_note.html", rank=1
        )
    )
    try:
        auth.login("disp")
        html = client.get(f"/console/orders/{order.reference}", headers={"Accept-Language": "en"}).get_data(
            as_text=True
        )
        assert "Assign (test)" in html and "slot-assignment" in html
    finally:
        actions.unregister("assign_test")
    with pytest.raises(ValueError):
        actions.register(actions.OrderAction("x", "nowhere", "X", "x.html"))


EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-CN"}


def _section(html: str, section_id: str) -> str:
    start = html.index(f'id="{section_id}"')
    return html[start : html.index("</section>", start)]


def test_a_cancelled_order_shows_no_clock_and_promises_nothing(client, auth, db, county, order):
    auth.login("disp")
    before = client.get(f"/console/orders/{order.reference}", headers=EN).get_data(True)
    assert "Promised to the customer" in before and 'class="countdown"' in _section(before, "milestones")
    client.post(
        f"/console/orders/{order.reference}/transition",
        data={"action": "cancel", "note": "reported twice", "version": order.version},
    )
    assert db.get(WorkOrder, order.id).status is Status.CANCELLED
    html = client.get(f"/console/orders/{order.reference}", headers=EN).get_data(True)
    milestones = _section(html, "milestones")
    assert 'class="countdown"' not in milestones and "on track" not in milestones
    assert "not met — cancelled" in milestones
    assert "Promised to the customer" not in html


def _connection_held_two_days(db, county, app):
    """A new connection queued, held two days and resumed: its review clock moved by the pause."""
    from datetime import timedelta

    from dispatch import clock
    from dispatch.orders.lifecycle import transition

    app.config["ASSIGN_AUTO_DISPATCH"] = False
    clock.freeze(clock.now())
    connection = placed_order(county.org, type_code="water_connection", owner_id=county.dispatcher.id)
    transition(db, connection, "queue", Actor.system())
    transition(db, connection, "hold", Actor.system(), note="等申请人补材料")
    clock.advance(timedelta(days=2))
    transition(db, connection, "resume", Actor.system())
    return connection


def test_clock_starts_due_change_reasons_and_event_kinds_are_words(client, auth, db, county, app):
    connection = _connection_held_two_days(db, county, app)
    for kind in ("complaint_investigated", "complaint_decided", "complaint_feedback"):
        record(db, connection, kind, Actor.system())
    db.commit()
    auth.login("disp")
    html = client.get(f"/console/orders/{connection.reference}", headers=EN).get_data(True)
    milestones, timeline = _section(html, "milestones"), _section(html, "timeline")
    assert "clock starts after the paperwork is complete" in milestones and "clock not started" in milestones
    assert "paperwork_complete" not in milestones
    assert "time on hold not counted" in milestones and "· paused" not in milestones
    for words in ("complaint investigated", "complaint decided", "result sent to the customer"):
        assert f"<b>{words}</b>" in timeline
    assert "complaint_" not in timeline
    ticket = client.get(f"/console/orders/{connection.reference}/ticket", headers=EN)
    assert "clock starts after the paperwork is complete" in ticket.get_data(True)


def test_a_chinese_page_names_clock_starts_and_due_change_reasons_in_chinese(client, auth, db, county, app):
    connection = _connection_held_two_days(db, county, app)
    record(db, connection, "complaint_feedback", Actor.system())
    db.commit()
    auth.login("disp")
    html = client.get(f"/console/orders/{connection.reference}", headers=ZH).get_data(True)
    milestones = _section(html, "milestones")
    assert "手续齐全后开始计时" in milestones and "暂停时间不计" in milestones and "系统" in milestones
    assert "未开始计时" in milestones and "待派" not in milestones
    assert "已向客户反馈处理结果" in _section(html, "timeline")
