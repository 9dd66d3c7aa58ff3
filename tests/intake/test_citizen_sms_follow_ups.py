"""Citizens' SMS about a report they already made: where it stands (in words, with the promise
they were given), a message naming its reference, and the details the acknowledgement asked for."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from dispatch import clock
from dispatch.geo.models import Customer
from dispatch.orders import lifecycle
from dispatch.orders.lifecycle import Actor
from dispatch.orders.models import Event, WorkOrder
from dispatch.sla.changes import reclassify
from dispatch.sms.models import InboundMessage
from tests.intake.test_citizen_sms import CITIZEN, HOTLINE, orders, text
from tests.kpi.helpers import at

COACH_HOTLINE = "+8637155550100"
OWNER = "+8613698765432"
STAFF = Actor.system()


def _leak(db):
    clock.freeze(at("2026-12-02T02:29"))
    text(db, "人民路与健康路交叉口漏水，水流了一地")
    [order] = orders(db)
    return order


def _do(db, order, *actions):
    for action in actions:
        lifecycle.transition(db, order, action, STAFF)
    db.commit()


def test_status_says_the_work_is_done_and_promises_nothing_once_it_is(db, demo, outbox_of):
    order = _leak(db)
    _do(db, order, "accept", "arrive", "complete")
    clock.advance(timedelta(minutes=5))
    text(db, "status")
    answer = outbox_of(kind="status")[-1].body
    assert order.reference in answer and "the work is done" in answer
    assert "being handled" not in answer and "promised" not in answer
    _do(db, order, "sign")
    text(db, "status")
    answer = outbox_of(kind="status")[-1].body
    assert "the service report is signed" in answer and "promised" not in answer
    _do(db, order, "approve", "close")
    text(db, "查询")
    answer = outbox_of(kind="status")[-1].body
    assert "处理中" not in answer and "承诺" not in answer


def test_a_cancelled_report_is_called_cancelled(db, demo, outbox_of):
    order = _leak(db)
    _do(db, order, "cancel")
    text(db, "查询")
    assert "已取消" in outbox_of(kind="status")[-1].body


def test_a_moved_deadline_is_not_quoted_as_the_promise_the_citizen_was_given(db, demo, outbox_of):
    order = _leak(db)
    [ack] = outbox_of(kind="ack")
    text(db, "status")
    first = outbox_of(kind="status")[-1].body
    assert "promised by 2 Dec 10:29" in first  # the 8 h of a minor leak, as the acknowledgement said
    clock.advance(timedelta(hours=1))
    _do(db, order, "accept", "arrive")
    reclassify(db, order, severity="major", actor=STAFF, reason="the main is cracked")
    db.commit()
    text(db, "status")
    answer = outbox_of(kind="status")[-1].body
    assert "promised by 3 Dec" not in answer
    assert "we promised you 2 Dec 10:29" in answer and "changed to 3 Dec 02:29" in answer


def test_chinese_status_query_with_a_reference_is_answered(db, demo, outbox_of):
    order = _leak(db)
    message = text(db, f"查询 {order.reference}")
    [answer] = outbox_of(kind="status")
    assert answer.recipient == CITIZEN and order.reference in answer.body
    assert message.work_order_id == order.id  # the question is on the report's SMS thread
    assert outbox_of(kind="ask_type") == []


def test_a_message_naming_the_reporters_own_report_is_added_to_it_and_answered(db, demo, outbox_of):
    order = _leak(db)
    clock.advance(timedelta(hours=2))
    message = text(db, f"{order.reference} 还没人来，坑越来越大了")
    assert message.work_order_id == order.id
    assert len(orders(db)) == 1 and outbox_of(kind="ask_type") == []
    [event] = db.scalars(sa.select(Event).where(Event.order_id == order.id, Event.kind == "citizen_message"))
    assert event.note.endswith("还没人来，坑越来越大了")
    [answer] = outbox_of(kind="status")
    assert answer.recipient == CITIZEN and answer.work_order_id == order.id
    assert order.reference in answer.body and "处理中" in answer.body


def test_a_message_naming_someone_elses_report_learns_nothing(db, demo, outbox_of):
    order = _leak(db)
    other = "+8613900001111"
    message = text(db, f"{order.reference} 还没人来，坑越来越大了", sender=other)
    assert message.work_order_id is None
    assert outbox_of(kind="status", to=other) == []
    [none] = outbox_of(kind="status_none", to=other)
    assert order.reference not in none.body and "人民路" not in none.body
    assert not db.scalars(sa.select(Event).where(Event.kind == "citizen_message")).all()


def _coach_report(db, outbox_of):
    clock.freeze(at("2026-12-02T09:00"))
    text(db, "车门关不上了，车在郑州市金水路", sender=OWNER, recipient=COACH_HOTLINE)
    [order] = orders(db)
    [ack] = outbox_of(kind="ack", to=OWNER)
    assert "VIN or plate number" in ack.body or "车辆识别代号或车牌号" in ack.body
    clock.advance(timedelta(minutes=40))  # past the window in which a reply completes a place
    return order


def test_the_vin_the_acknowledgement_asked_for_is_recorded_on_the_report(db, demo, outbox_of):
    order = _coach_report(db, outbox_of)
    message = text(db, "VIN LZYB107D1LZ189647", sender=OWNER, recipient=COACH_HOTLINE)
    assert message.work_order_id == order.id
    db.rollback()
    order = db.get(WorkOrder, order.id)
    assert order.customer is not None and order.customer.account == "LZYB107D1LZ189647"
    [event] = db.scalars(sa.select(Event).where(Event.order_id == order.id, Event.kind == "details_received"))
    assert event.data["vin"] == "LZYB107D1LZ189647"
    answer = outbox_of(to=OWNER)[-1]
    assert "LZYB107D1LZ189647" in answer.body and order.reference in answer.body
    assert "What is the problem" not in answer.body and "请告诉我们是什么问题" not in answer.body


def test_the_mileage_is_recorded_on_the_vehicle_and_the_timeline(db, demo, outbox_of):
    order = _coach_report(db, outbox_of)
    text(db, "VIN LZYB107D1LZ189647", sender=OWNER, recipient=COACH_HOTLINE)
    text(db, "mileage 600100", sender=OWNER, recipient=COACH_HOTLINE)
    text(db, "里程738900公里", sender=OWNER, recipient=COACH_HOTLINE)
    db.rollback()
    vehicle = db.scalar(sa.select(Customer).where(Customer.account == "LZYB107D1LZ189647"))
    assert vehicle.mileage_km == 738900
    readings = db.scalars(
        sa.select(Event.data).where(Event.order_id == order.id, Event.kind == "details_received")
    ).all()
    assert [r["mileage_km"] for r in readings] == [None, 600100, 738900]
    answers = [m.body for m in outbox_of(to=OWNER)]
    assert "600100" in answers[-2] and "738900" in answers[-1]
    assert orders(db) == [order]


def test_a_plate_is_kept_on_the_timeline(db, demo, outbox_of):
    order = _coach_report(db, outbox_of)
    text(db, "车牌号 豫A·12345", sender=OWNER, recipient=COACH_HOTLINE)
    [event] = db.scalars(sa.select(Event).where(Event.order_id == order.id, Event.kind == "details_received"))
    assert event.data["plate"] == "豫A12345"
    assert "豫A12345" in outbox_of(to=OWNER)[-1].body


def test_the_question_about_the_problem_gives_the_organisations_own_examples(db, demo, outbox_of):
    text(db, "Hello, are you there?", sender=OWNER, recipient=COACH_HOTLINE)
    coach = outbox_of(kind="ask_type", to=OWNER)[-1].body
    assert "Vehicle body fault" in coach
    assert "water leak" not in coach.lower() and "manhole" not in coach.lower()
    text(db, "Hello, are you there?", recipient=HOTLINE)
    county = outbox_of(kind="ask_type", to=CITIZEN)[-1].body
    assert "Water leak" in county and "Vehicle" not in county


def test_the_inbound_thread_keeps_the_follow_up(db, demo, outbox_of):
    order = _leak(db)
    text(db, f"{order.reference} 还没人来")
    linked = db.scalars(sa.select(InboundMessage).where(InboundMessage.work_order_id == order.id)).all()
    assert [m.body for m in linked][-1].endswith("还没人来")
