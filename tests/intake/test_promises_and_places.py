"""What intake records and tells: a place by name (never bare coordinates) with its real source,
the acknowledgement's promises as the rule variant has them, materials asked for as the channel
allows."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from dispatch import clock
from dispatch.intake.service import take_report
from dispatch.orders.lifecycle import Actor
from dispatch.orders.models import Channel

CST = ZoneInfo("Asia/Shanghai")
#: A coach based in Nanyang, 2.8 km from a service station.
NEAR_VIN = "LZYB908DXLZ123332"
#: A coach based in Xinyang, 163 km from the nearest service station.
FAR_VIN = "LZYB122D5LZ133973"


@pytest.fixture(autouse=True)
def _morning():
    clock.freeze(datetime(2026, 11, 2, 9, 0, tzinfo=CST))


def phone_in(db, demo, org="xinye", **fields):
    user = demo.users["dispatcher" if org == "xinye" else "coach.dispatcher"]
    fields.setdefault("type_code", "water_leak")
    return take_report(
        db, org=demo.orgs[org], channel=Channel.PHONE, actor=Actor(Channel.PHONE, user_id=user.id), **fields
    )


def test_a_leak_acknowledgement_promises_the_arrival_and_the_repair(db, demo):
    result = phone_in(db, demo, address="书院路与新华路交叉口", reporter_phone="13812345678")
    text = result.ack_text
    assert "11月2日10:00前到场" in text and "11月2日17:00前办结" in text
    assert "我们正在派人处理" in text


def test_a_far_coach_is_promised_a_reply_not_a_crew_and_a_caller_is_not_asked_to_bring(db, demo):
    result = phone_in(
        db, demo, "zycoach", type_code="vehicle_body_fault", account=FAR_VIN, reporter_phone="13812345678",
        language="en",
    )  # fmt: skip
    text = result.ack_text
    assert result.order.milestones[0].name == "reply"
    assert "crew" not in text and "will contact you" in text and "a reply to you by 2 Nov 21:00" in text
    assert "bring" not in text.lower() and "We will also need: current mileage." in text
    assert "VIN" not in text  # the coach was found by its VIN: it is not asked for again


def test_a_coach_taken_by_vin_has_its_owners_base_as_place_and_the_registry_as_source(db, demo):
    result = phone_in(db, demo, "zycoach", type_code="vehicle_body_fault", account=NEAR_VIN)
    order = result.order
    assert order.address == "南阳捷运旅游汽车有限公司（南阳）"
    assert (order.location_source, order.location_precision) == ("registry", "vehicle")
    assert order.customer is not None and order.customer.account == NEAR_VIN
    assert order.zone is None  # a coach network has no built-up area


def test_a_vin_picked_in_the_type_ahead_is_still_the_registry_not_a_pin(db, demo):
    # The phone-in page fills the coach's coordinates when its VIN is picked.
    result = phone_in(
        db, demo, "zycoach", type_code="vehicle_body_fault", account=NEAR_VIN, lat=32.954604, lon=112.527715,
        coordinates_source="pin",
    )  # fmt: skip
    assert (result.order.location_source, result.order.location_precision) == ("registry", "vehicle")
    assert result.order.address == "南阳捷运旅游汽车有限公司（南阳）"


def test_a_pin_or_a_phones_location_is_named_after_the_nearest_place(db, demo):
    # About 100 m north of the intersection.
    pinned = phone_in(db, demo, lat=32.5236, lon=112.3575, coordinates_source="device")
    order = pinned.order
    assert (order.location_source, order.location_precision) == ("device", "device")
    assert order.address and "附近" in order.address and "," not in order.address.split("附近")[0][-1:]
    assert not order.address[0].isdigit()


def test_a_duplicate_keeps_no_clock_of_its_own_and_its_reporter_gets_the_originals_promise(db, demo):
    first = phone_in(db, demo, address="书院路与新华路交叉口", reporter_phone="13812345678")
    clock.freeze(datetime(2026, 11, 2, 9, 30, tzinfo=CST))
    second = phone_in(db, demo, address="书院路与新华路交叉口", reporter_phone="13912345678")
    assert second.duplicate_of is first.order
    assert second.order.milestones == []
    # The original's times (reported at 09:00), not 10:30 / 17:30 from the second call.
    assert "11月2日10:00前到场" in second.ack_text and "11月2日17:00前办结" in second.ack_text


def test_a_report_near_a_finished_job_is_a_new_job(db, demo):
    from dispatch.orders import lifecycle
    from dispatch.orders.models import Status

    first = phone_in(db, demo, address="书院路与新华路交叉口").order
    actor = Actor(Channel.CONSOLE, user_id=demo.users["dispatcher"].id)
    for action in ("accept", "arrive", "complete"):
        lifecycle.transition(db, first, action, actor)
    again = phone_in(db, demo, address="书院路与新华路交叉口")
    assert again.duplicate_of is None and again.order.status is Status.QUEUED
    assert {m.name for m in again.order.milestones} == {"arrive", "resolve"}


def test_a_duplicates_expected_time_is_the_originals_in_every_channel(db, demo):
    from dispatch.sla.service import promised

    first = phone_in(db, demo, address="书院路与新华路交叉口")
    clock.freeze(datetime(2026, 11, 2, 9, 30, tzinfo=CST))
    second = phone_in(db, demo, address="书院路与新华路交叉口")
    assert promised(second.order) is promised(first.order) is not None
