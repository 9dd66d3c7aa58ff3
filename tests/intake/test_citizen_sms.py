"""Citizens' SMS: free text → type and place → one acknowledgement; follow-ups; status queries."""

from __future__ import annotations

import itertools
from datetime import timedelta

import sqlalchemy as sa

from dispatch import clock
from dispatch.intake.citizen_sms import detect_type, is_query
from dispatch.orders.models import Channel, Status, WorkOrder
from dispatch.sla.service import rulebook
from dispatch.sms import inbound

HOTLINE = "+8637766221750"
CITIZEN = "+8613812345678"
_ids = itertools.count(1)


def text(db, body, sender=CITIZEN, recipient=HOTLINE):
    message = inbound.receive(
        db, provider_id=f"SM{next(_ids):030d}", sender=sender, recipient=recipient, body=body
    )
    assert message.error is None, message.error
    return message


def orders(db):
    db.rollback()
    return list(db.scalars(sa.select(WorkOrder).order_by(WorkOrder.id)))


def test_keywords_in_both_languages():
    county = rulebook().types_for_org("xinye")
    assert detect_type(county, "书院路与新华路交叉口井盖没了").code == "manhole_cover"
    assert detect_type(county, "人民路258号水管爆管了").code == "water_leak"
    assert detect_type(county, "Manhole cover missing at the bus station").code == "manhole_cover"
    assert detect_type(county, "There is a leak on Renmin Road").code == "water_leak"
    assert detect_type(county, "你好") is None
    assert detect_type(county, "Leaking? No: a pothole") is not None
    assert (
        is_query("查询") and is_query("status") and is_query("WO-2026-000001") and not is_query("人民路漏水")
    )


def test_a_report_by_sms_is_placed_queued_and_acknowledged_once(db, demo, outbox_of):
    message = text(db, "人民路与健康路交叉口漏水，水流了一地")
    [order] = orders(db)
    assert message.work_order_id == order.id and message.reply is None
    assert order.channel is Channel.SMS and order.type_code == "water_leak"
    assert order.status is Status.QUEUED and order.address == "人民路与健康路交叉口"
    assert order.reporter_phone == CITIZEN and order.reporter_language == "zh"
    assert order.milestones
    [ack] = outbox_of(to=CITIZEN)
    assert ack.kind == "ack" and order.reference in ack.body


def test_english_sms_gets_an_english_answer(db, demo, outbox_of):
    text(db, "Manhole cover missing near the bus station")
    [order] = orders(db)
    assert order.type_code == "manhole_cover" and order.reporter_language == "en"
    assert "received" in outbox_of()[0].body


def test_no_place_asks_for_it_and_the_follow_up_completes_the_report(db, demo, outbox_of):
    text(db, "我家门口井盖没了")
    [order] = orders(db)
    assert order.status is Status.NEEDS_LOCATION
    [ack] = outbox_of()
    assert order.reference in ack.body
    clock.advance(timedelta(minutes=5))
    follow_up = text(db, "在新野一高东门")
    [same] = orders(db)
    assert follow_up.work_order_id == same.id == order.id
    assert same.status is Status.QUEUED and same.address == "新野一高"
    messages = outbox_of()
    assert [m.kind for m in messages] == ["ack", "reply"]
    assert "新野一高" in messages[1].body


def test_a_follow_up_after_the_window_is_a_new_message(db, demo, outbox_of):
    text(db, "我家门口井盖没了")
    clock.advance(timedelta(minutes=45))
    text(db, "新野一高东门")
    [order] = orders(db)
    assert order.status is Status.NEEDS_LOCATION
    assert outbox_of()[-1].kind == "ask_type"


def test_a_message_without_a_problem_asks_for_it_and_the_next_one_completes_it(db, demo, outbox_of):
    text(db, "你好，书院路这边")
    assert orders(db) == [] and outbox_of()[0].kind == "ask_type"
    text(db, "下水道堵塞冒污水")
    [order] = orders(db)
    assert order.type_code == "sewer_overflow" and order.address == "书院路"
    assert [m.kind for m in outbox_of()] == ["ask_type", "ack"]


def test_a_citizen_asks_about_their_own_reports_only(db, demo, outbox_of):
    text(db, "人民路与健康路交叉口漏水")
    text(db, "县人民医院门口井盖丢了", sender="+8613912345678")
    text(db, "查询")
    answer = outbox_of(kind="status")[0]
    mine, theirs = orders(db)
    assert answer.recipient == CITIZEN
    assert mine.reference in answer.body and theirs.reference not in answer.body
    for secret in ("technician", "Tech", "+86138", "张建国"):
        assert secret not in answer.body
    text(db, "查询", sender="+8613700000000")
    assert outbox_of(kind="status_none")[-1].body in (
        "我们没有收到这个号码的反映。",
        "We have no report from this number.",
    )


def test_the_handler_is_registered_at_app_start(app):
    from dispatch.intake import citizen_sms
    from dispatch.reports import sms as report_sms

    # The service reports' customer replies (a confirmation code, a rating) come first; every
    # other citizen message goes on to intake's handler.
    assert inbound._handlers[inbound.CITIZEN] in (citizen_sms.handle, report_sms.customer_handler)
