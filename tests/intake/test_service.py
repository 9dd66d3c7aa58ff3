"""take_report: placed → milestones → queued → exactly one acknowledgement; duplicates; R10."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from dispatch import clock
from dispatch.errors import DomainError
from dispatch.intake import duplicates
from dispatch.intake.models import AckVia, ReportIntake
from dispatch.intake.service import place_by_hand, take_report
from dispatch.orders import lifecycle
from dispatch.orders.lifecycle import Actor
from dispatch.orders.models import Channel, Event, Status, WorkOrder
from dispatch.sms.models import OutboxMessage

CST = ZoneInfo("Asia/Shanghai")


def phone_in(db, demo, **fields):
    user = demo.users["dispatcher"]
    fields.setdefault("type_code", "water_leak")
    return take_report(
        db, org=demo.xinye, channel=Channel.PHONE, actor=Actor(Channel.PHONE, user_id=user.id), **fields
    )


def counts(db):
    db.rollback()
    return tuple(
        db.scalar(sa.select(sa.func.count()).select_from(m)) for m in (WorkOrder, Event, OutboxMessage)
    )


def test_a_placed_report_is_queued_with_milestones_and_one_sms(db, demo, outbox_of):
    clock.freeze(datetime(2026, 11, 2, 9, 0, tzinfo=CST))
    result = phone_in(
        db, demo, address="书院路与新华路交叉口", reporter_phone="13812345678", severity="major"
    )
    db.commit()
    order = result.order
    assert order.status is Status.QUEUED and order.owner_id == demo.users["dispatcher"].id
    assert (order.location_source, order.location_precision, order.zone) == (
        "gazetteer",
        "intersection",
        "built_up",
    )
    assert order.nearest_depot_id is not None and order.distance_km is not None
    due = {m.name: m.due_at.astimezone(CST) for m in order.milestones}
    assert due == {
        "arrive": datetime(2026, 11, 2, 10, 0, tzinfo=CST),
        "resolve": datetime(2026, 11, 3, 9, 0, tzinfo=CST),
    }
    messages = outbox_of()
    assert [(m.recipient, m.kind) for m in messages] == [("+8613812345678", "ack")]
    text = messages[0].body
    assert order.reference in text and "11月3日09:00" in text and "0377-6221750" in text
    assert result.ack_via is AckVia.SMS and result.intake.ack_outbox_id == messages[0].id
    kinds = [e.kind for e in order.events]
    assert kinds == ["created", "locate", "queue", "acknowledged"]


def test_a_landline_gets_no_sms_the_text_is_for_reading_out(db, demo, outbox_of):
    result = phone_in(db, demo, address="县人民医院", reporter_phone="6221750", language="en")
    db.commit()
    assert result.order.reporter_phone == "+8637766221750"
    assert result.ack_via is AckVia.READ_OUT and outbox_of() == []
    assert result.order.reference in result.ack_text and "Supervision hotline" in result.ack_text


def test_the_supervision_number_follows_day_and_night(db, demo):
    clock.freeze(datetime(2026, 11, 2, 23, 30, tzinfo=CST))
    result = phone_in(db, demo, address="县人民医院")
    assert "0377-6261212" in result.ack_text and "0377-6221750" not in result.ack_text


def test_materials_still_to_bring_are_in_the_acknowledgement(db, demo):
    result = phone_in(db, demo, type_code="water_connection", address="东方明珠小区")
    assert "身份证" in result.ack_text and "房产证" in result.ack_text


def test_an_unplaceable_report_waits_for_a_pin_with_the_strictest_deadlines(db, demo):
    clock.freeze(datetime(2026, 11, 2, 9, 0, tzinfo=CST))
    result = phone_in(db, demo, type_code="safety_accident", address="就在我家那边")
    db.commit()
    order = result.order
    assert order.status is Status.NEEDS_LOCATION and order.lat is None
    arrive = {m.name: m for m in order.milestones}["arrive"]
    assert arrive.due_at.astimezone(CST) == datetime(2026, 11, 2, 9, 30, tzinfo=CST)  # built-up: strictest
    place_by_hand(db, order, 32.70, 112.55, Actor(Channel.CONSOLE, user_id=demo.users["dispatcher"].id))
    db.commit()
    assert order.status is Status.QUEUED and order.location_source == "pin" and order.zone == "outside"
    arrive = {m.name: m for m in order.milestones}["arrive"]
    assert arrive.due_at.astimezone(CST) == datetime(2026, 11, 2, 11, 0, tzinfo=CST)


def test_a_meter_account_places_the_report_at_the_customer(db, demo):
    result = phone_in(db, demo, account="XY-0100698", description="表前阀门漏水")
    assert result.order.location_source == "registry" and result.order.customer_id is not None
    assert result.order.address == "人民路258号"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"type_code": ""}, "type_code"),
        ({"type_code": "vehicle_body_fault"}, "type_code"),  # the coach maker's, not the county's
        ({"type_code": "no_such_type"}, "type_code"),
        ({"description": "漏" * 10_000}, "description"),
        ({"reporter_phone": "12345"}, "phone"),
        ({"lat": 95.0, "lon": 112.0}, "lat"),
        ({"lat": 32.5}, "lat"),
        ({"severity": "catastrophic"}, "severity"),
        ({"address": "路" * 301}, "address"),
        ({"media_url": "javascript:alert(1)"}, "media_url"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(db, demo, fields, field):
    before = counts(db)
    with pytest.raises(DomainError) as caught:
        phone_in(db, demo, **{"address": "书院路", **fields})
    db.rollback()
    assert caught.value.details.get("field", "lat") == field
    assert counts(db) == before


def test_html_is_stored_as_given(db, demo):
    text = '<script>alert("x")</script><b>漏水</b>'
    result = phone_in(db, demo, address="书院路", description=text, reporter_name="<img src=x onerror=1>")
    db.commit()
    db.expire_all()
    assert db.get(WorkOrder, result.order.id).description == text


# --- duplicates ---------------------------------------------------------------------------------


def test_a_second_report_nearby_is_linked_acknowledged_and_told_at_closure(db, demo, outbox_of):
    first = phone_in(db, demo, address="书院路与新华路交叉口", reporter_phone="13812345678").order
    second = take_report(
        db,
        org=demo.xinye,
        type_code="water_leak",
        channel=Channel.WEB,
        actor=Actor(Channel.WEB),
        lat=first.lat + 0.0003,
        lon=first.lon,
        reporter_phone="13912345678",
    )
    db.commit()
    assert second.duplicate_of is first and second.order.duplicate_of_id == first.id
    assert second.order.status is Status.LOCATED  # no second crew
    assert first.reference in second.ack_text
    assert [m.recipient for m in outbox_of(kind="ack")] == ["+8613812345678", "+8613912345678"]

    # Another type at the same spot, or the same type far away, is no duplicate.
    other = phone_in(db, demo, type_code="manhole_cover", lat=first.lat, lon=first.lon)
    far = phone_in(db, demo, address="王庄镇")
    assert other.duplicate_of is None and far.duplicate_of is None

    actor = Actor(Channel.CONSOLE, user_id=demo.users["dispatcher"].id)
    for action in ("accept", "arrive", "complete", "close"):
        lifecycle.transition(db, first, action, actor)
    db.commit()
    closure = outbox_of(kind="closure")
    assert [m.recipient for m in closure] == ["+8613912345678"]
    assert first.reference in closure[0].body
    db.refresh(second.order)
    assert second.order.status is Status.CANCELLED
    assert db.scalar(
        sa.select(ReportIntake.closure_notified_at).where(ReportIntake.work_order_id == second.order.id)
    )


def test_an_old_report_is_not_an_original(db, demo):
    clock.freeze(datetime(2026, 11, 2, 9, 0, tzinfo=CST))
    first = phone_in(db, demo, address="县人民医院").order
    clock.advance(timedelta(hours=49))
    assert phone_in(db, demo, address="县人民医院").duplicate_of is None
    assert first.status is Status.QUEUED


def test_a_dispatcher_can_unlink_a_duplicate(db, demo):
    first = phone_in(db, demo, address="县人民医院").order
    second = phone_in(db, demo, address="县人民医院").order
    assert second.duplicate_of_id == first.id
    duplicates.unlink(db, second, Actor(Channel.CONSOLE, user_id=demo.users["dispatcher"].id))
    assert second.duplicate_of_id is None and second.status is Status.QUEUED
    with pytest.raises(DomainError):
        duplicates.unlink(db, second, Actor(Channel.CONSOLE))


# --- first responsibility (R10) ---------------------------------------------------------------


def test_a_report_without_a_person_is_owned_by_the_dispatcher_who_first_triages_it(db, demo):
    result = take_report(
        db,
        org=demo.xinye,
        type_code="road_damage",
        channel=Channel.OPEN311,
        actor=Actor(Channel.OPEN311),
        address="我家门口",
    )
    order = result.order
    assert order.owner_id is None
    supervisor = demo.users["supervisor"]
    place_by_hand(db, order, 32.52, 112.36, Actor(Channel.CONSOLE, user_id=supervisor.id))
    assert order.owner_id == supervisor.id
    assert [e.kind for e in order.events].count("owner_taken") == 1
    dispatcher = demo.users["dispatcher"]
    lifecycle.record(db, order, "note", Actor(Channel.CONSOLE, user_id=dispatcher.id), note="called back")
    assert order.owner_id == supervisor.id  # the first one keeps it until a handover
