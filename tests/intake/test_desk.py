"""The dispatcher's intake pages: phone-in, calls-and-letters log, unlink, pin."""

from __future__ import annotations

import sqlalchemy as sa

from dispatch.intake.models import CallLog
from dispatch.orders.models import Status, WorkOrder


def login(client, username="dispatcher"):
    response = client.post("/login", data={"username": username, "password": "demo-pass"})
    assert response.status_code == 302


def test_phone_in_from_a_landline_shows_the_text_to_read_out(client, db, demo, outbox_of):
    login(client)
    assert client.get("/intake/phone").status_code == 200
    response = client.post(
        "/intake/phone",
        data={
            "type_code": "manhole_cover",
            "reporter_phone": "6221750",
            "reporter_name": "刘女士",
            "language": "zh",
            "address": "新野一高东门",
            "description": "<script>alert(1)</script>",
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "readout" in html
    db.rollback()
    order = db.scalar(sa.select(WorkOrder))
    assert order.reference in html and order.owner_id == demo.users["dispatcher"].id
    assert order.reporter_phone == "+8637766221750" and outbox_of() == []
    page = client.get(f"/console/orders/{order.reference}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page


SIGNATURE = "【新野县供排水与市政服务中心】"


def test_the_text_read_out_to_a_landline_caller_has_no_sms_signature(client, db, demo, outbox_of):
    login(client)
    response = client.post(
        "/intake/phone",
        data={
            "type_code": "manhole_cover",
            "reporter_phone": "6221750",
            "language": "zh",
            "address": "新野一高东门",
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "readout" in html
    readout = html.split('class="readout pre">', 1)[1].split("</p>", 1)[0]
    assert readout.startswith("您反映的") and "已受理" in readout
    assert "【" not in readout and "】" not in readout
    assert outbox_of() == []


def test_a_mobile_caller_still_gets_the_signed_sms(client, db, demo, outbox_of):
    login(client)
    response = client.post(
        "/intake/phone",
        data={
            "type_code": "manhole_cover",
            "reporter_phone": "13812345678",
            "language": "zh",
            "address": "新野一高东门",
        },
    )
    assert response.status_code == 200
    (message,) = outbox_of(kind="ack")
    assert message.recipient == "+8613812345678" and message.body.startswith(SIGNATURE)


def test_phone_in_with_a_bogus_number_stays_on_the_form(client, db, demo):
    login(client)
    response = client.post(
        "/intake/phone", data={"type_code": "water_leak", "reporter_phone": "12345", "language": "zh"}
    )
    assert response.status_code == 400 and "field-error" in response.get_data(as_text=True)
    db.rollback()
    assert db.scalar(sa.select(sa.func.count(WorkOrder.id))) == 0


def test_phone_in_needs_a_console_role(client, db, demo):
    assert client.get("/intake/phone").status_code == 302  # to the login page
    login(client, "warehouse")
    assert client.get("/intake/phone").status_code == 403


def test_pin_and_unlink(client, db, demo):
    login(client)
    for _ in range(2):
        client.post(
            "/intake/phone", data={"type_code": "water_leak", "language": "zh", "address": "县人民医院"}
        )
    client.post("/intake/phone", data={"type_code": "road_damage", "language": "zh", "address": "我家门口"})
    db.rollback()
    first, second, lost = db.scalars(sa.select(WorkOrder).order_by(WorkOrder.id)).all()
    assert second.duplicate_of_id == first.id and lost.status is Status.NEEDS_LOCATION
    assert client.post(f"/intake/orders/{second.reference}/unlink").status_code == 302
    assert (
        client.post(
            f"/intake/orders/{lost.reference}/pin", data={"lat": "32.52", "lon": "112.36"}
        ).status_code
        == 302
    )
    assert (
        client.post(f"/intake/orders/{lost.reference}/pin", data={"lat": "x", "lon": "1"}).status_code == 400
    )
    db.rollback()
    db.expire_all()
    assert db.get(WorkOrder, second.id).duplicate_of_id is None
    assert db.get(WorkOrder, lost.id).status is Status.QUEUED


def test_calls_and_letters_in_time_order_replied_and_archived(client, db, demo):
    login(client)
    for when, who in (("2026-11-02T10:00", "张三"), ("2026-11-01T09:00", "李四")):
        response = client.post(
            "/intake/calls/new",
            data={
                "kind": "letter",
                "received_at": when,
                "correspondent": who,
                "subject": "路灯不亮",
                "phone": "6221750",
            },
        )
        assert response.status_code == 302
    html = client.get("/intake/calls").get_data(as_text=True)
    assert html.index("李四") < html.index("张三")  # time order
    db.rollback()
    entry = db.scalar(sa.select(CallLog).where(CallLog.correspondent == "李四"))
    assert entry.phone == "+8637766221750"
    assert client.post(f"/intake/calls/{entry.id}/archive").status_code == 400  # no reply yet
    client.post(f"/intake/calls/{entry.id}/reply", data={"reply": "已转路灯所，三日内修复"})
    assert client.post(f"/intake/calls/{entry.id}/archive").status_code == 302
    assert "李四" not in client.get("/intake/calls").get_data(as_text=True)
    assert "李四" in client.get("/intake/calls?archived=1").get_data(as_text=True)
    assert client.post(f"/intake/calls/{entry.id}/reply", data={"reply": "again"}).status_code == 400
    # Another organisation's dispatcher does not see it.
    client.post("/logout")
    login(client, "coach.dispatcher")
    assert client.get(f"/intake/calls/{entry.id}").status_code == 404
