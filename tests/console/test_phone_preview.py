"""The phone-in's deadline preview is the save's computation: same place, zone, distance,
severity and supplier flag, for every type; and the coach phone-in asks coach questions."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from dispatch import clock
from dispatch.orders.models import WorkOrder
from dispatch.sla.service import rulebook

CST = ZoneInfo("Asia/Shanghai")
EN = {"Accept-Language": "en"}
NEAR_VIN = "LZYB908DXLZ123332"
FAR_VIN = "LZYB122D5LZ133973"


@pytest.fixture(autouse=True)
def _morning():
    clock.freeze(datetime(2026, 11, 2, 9, 0, tzinfo=CST))
    yield
    clock.unfreeze()


def _login(client, username):
    client.post("/login", data={"username": username, "password": "demo-pass"})


def _page(client):
    return client.get("/intake/phone", headers=EN).get_data(as_text=True)


def _saved(client, db, **form):
    response = client.post("/intake/phone", data={"language": "en", **form}, headers=EN)
    assert response.status_code == 200, response.get_data(as_text=True)
    db.rollback()
    order = db.scalars(sa.select(WorkOrder).order_by(WorkOrder.id.desc())).first()
    return {
        m.name: m.due_at.astimezone(CST).isoformat(timespec="seconds") for m in order.milestones if m.due_at
    }, order


def _previewed(client, **query):
    data = client.get("/console/phone/deadlines", query_string=query, headers=EN).get_json()
    return {m["name"]: m["due_at"] for m in data["milestones"] if m["due_at"]}, data


@pytest.mark.parametrize(
    ("details", "rule"),
    [
        ({"account": NEAR_VIN}, "vehicle_body_fault.within_100km"),
        ({"account": FAR_VIN}, "vehicle_body_fault.beyond_100km"),
        ({"account": NEAR_VIN, "needs_supplier": "y"}, "vehicle_body_fault.supplier"),
        ({"address": "somewhere unknown"}, None),
    ],
)
def test_coach_preview_equals_the_saved_deadlines(client, db, demo, details, rule):
    _login(client, "coach.dispatcher")
    query = {"type": "vehicle_body_fault", **details}
    if "needs_supplier" in query:
        query["needs_supplier"] = "1"
    preview, data = _previewed(client, **query)
    saved, order = _saved(client, db, type_code="vehicle_body_fault", **details)
    assert preview == saved
    if rule:
        assert data["rule"] == rule and order.milestones[0].rule == rule


@pytest.mark.parametrize("type_code", [t.code for t in rulebook().types_for_org("xinye")])
def test_every_county_type_previews_what_it_saves(client, db, demo, type_code):
    _login(client, "dispatcher")
    details = {"address": "书院路与新华路交叉口"}
    if "severity" in rulebook().type(type_code).asks:
        details["severity"] = "major"
    preview, _ = _previewed(client, type=type_code, **details)
    saved, _ = _saved(client, db, type_code=type_code, **details)
    assert preview == saved


def test_the_coach_phone_in_asks_coach_questions_only(client, db, demo):
    _login(client, "coach.dispatcher")
    page = _page(client)
    assert 'name="severity"' not in page and "Meter account" not in page
    assert "VIN" in page and 'name="needs_supplier"' in page
    client.post("/logout")
    _login(client, "dispatcher")
    county = _page(client)
    assert 'name="severity"' in county and 'name="needs_supplier"' not in county
    assert "Meter account" in county or "水表户号" in county  # the demo user's stored language wins


def test_every_phone_in_call_is_in_the_calls_and_letters_log_with_its_reply(client, db, demo):
    from dispatch.intake.models import CallLog

    _login(client, "dispatcher")
    for n, place in enumerate(["书院路与新华路交叉口", "县人民医院", "汉桑路"]):
        clock.freeze(datetime(2026, 11, 2, 9, 10 * n, tzinfo=CST))
        _saved(client, db, type_code="water_leak", address=place, reporter_phone="0377-66221750")
    db.rollback()
    logged = db.scalars(sa.select(CallLog).order_by(CallLog.received_at)).all()
    orders = db.scalars(sa.select(WorkOrder).order_by(WorkOrder.id)).all()
    assert [e.work_order_id for e in logged] == [o.id for o in orders]
    assert all(
        e.reply and o.reference in e.reply and o.reference in e.subject
        for e, o in zip(logged, orders, strict=True)
    )
    page = client.get("/intake/calls", headers=EN).get_data(as_text=True)
    assert all(o.reference in page for o in orders)


@pytest.mark.parametrize(
    ("org", "user", "form"),
    [
        ("xinye", "dispatcher", {"type_code": "water_leak", "address": "书院路与新华路交叉口"}),
        ("xinye", "dispatcher", {"type_code": "water_leak", "lat": "32.5236", "lon": "112.3575"}),
        ("zycoach", "coach.dispatcher", {"type_code": "vehicle_body_fault", "account": NEAR_VIN}),
        ("zycoach", "coach.dispatcher", {"type_code": "vehicle_body_fault", "account": FAR_VIN}),
    ],
)
def test_an_order_placed_at_intake_has_no_deadline_change_at_creation(client, db, demo, org, user, form):
    from dispatch.sla.models import DueChange

    _login(client, user)
    _, order = _saved(client, db, reporter_phone="13812345678", **form)
    kinds = [e.kind for e in order.events]
    assert "due_changed" not in kinds, kinds
    assert db.scalars(sa.select(DueChange)).all() == []
    page = client.get(f"/console/orders/{order.reference}", headers=EN).get_data(as_text=True)
    assert "due time changed" not in page


def test_a_deadline_that_waits_for_the_paperwork_says_so_in_the_preview(client, demo):
    _login(client, "dispatcher")
    data = client.get(
        "/console/phone/deadlines", query_string={"type": "water_connection"}, headers=EN
    ).get_json()
    waiting = next(m for m in data["milestones"] if m["name"] == "install_start")
    # The demo dispatcher's stored language (Chinese) wins over the browser's.
    assert waiting["local"] is None and waiting["waits"] == "手续齐全后开始计时"
