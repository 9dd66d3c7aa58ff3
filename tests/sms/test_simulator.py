"""The SMS simulator page: texts in through the real pipeline, every outbound text listed."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from dispatch.auth.models import Role
from dispatch.sms import inbound, outbox
from dispatch.sms.models import InboundMessage, OutboxMessage, SendState
from tests.factories import make_org, make_technician, make_user


@pytest.fixture
def handlers():
    saved = dict(inbound._handlers), inbound._classifier
    seen = []

    def classify(session, sender):
        from dispatch.assign.models import Technician

        known = session.scalar(sa.select(Technician.id).where(Technician.phone == sender))
        return inbound.TECHNICIAN if known else inbound.CITIZEN

    def technician(session, message):
        seen.append(("technician", message.sender, message.body))
        return inbound.HandlerResult(f"OK {message.body}")

    def citizen(session, message):
        seen.append(("citizen", message.sender, message.body))
        return inbound.HandlerResult("收到您的报修")

    inbound.register_classifier(classify)
    inbound.register_handler(inbound.TECHNICIAN, technician)
    inbound.register_handler(inbound.CITIZEN, citizen)
    yield seen
    inbound._handlers.clear()
    inbound._handlers.update(saved[0])
    inbound._classifier = saved[1]


@pytest.fixture
def world(db):
    org = make_org(sms_number="+8637766221750")
    other = make_org()
    tech = make_technician(org, name="张师傅")
    stranger = make_technician(other, name="Other org tech")
    make_user(org, Role.DISPATCHER, username="disp")
    make_user(org, Role.ADMIN, username="boss")
    make_user(org, Role.SUPERVISOR, username="sup")
    make_user(other, Role.DISPATCHER, username="otherdisp")
    db.commit()
    return org, other, tech, stranger


def test_a_dispatcher_texts_as_a_technician_and_sees_the_reply(client, auth, db, world, handlers):
    org, _other, tech, _stranger = world
    auth.login("disp")
    response = client.post(
        "/console/sms/simulator", data={"sender_kind": "technician", "technician": tech.id, "body": "Y 123"}
    )
    assert response.status_code == 302 and "shown=" in response.location
    page = client.get(response.location).get_data(as_text=True)
    assert "OK Y 123" in page and "张师傅" in page
    assert handlers == [("technician", tech.phone, "Y 123")]
    db.rollback()
    stored = db.scalar(sa.select(InboundMessage))
    assert stored.provider_id.startswith("SIM") and stored.recipient == org.sms_number


def test_a_citizen_number_is_read_in_the_region_and_goes_to_the_citizen_handler(
    client, auth, db, world, handlers
):
    auth.login("boss")
    response = client.post(
        "/console/sms/simulator",
        data={"sender_kind": "citizen", "citizen_number": "139 1234 5678", "body": "书院路漏水 💧"},
    )
    page = client.get(response.location).get_data(as_text=True)
    assert handlers == [("citizen", "+8613912345678", "书院路漏水 💧")]
    assert "收到您的报修" in page


def test_bad_input_gets_a_clear_answer_and_stores_nothing(client, auth, db, world, handlers):
    _org, _other, _tech, stranger = world
    auth.login("disp")
    for data in (
        {"sender_kind": "technician", "technician": stranger.id, "body": "Y 1"},  # another org's
        {"sender_kind": "technician", "technician": "", "body": "Y 1"},
        {"sender_kind": "citizen", "citizen_number": "not a number", "body": "hi"},
        {"sender_kind": "citizen", "citizen_number": "+8613912345678", "body": "x" * 1601},
        {"sender_kind": "nobody", "body": "hi"},
    ):
        response = client.post("/console/sms/simulator", data=data, follow_redirects=True)
        assert response.status_code == 200
        assert 'class="flash error"' in response.get_data(as_text=True)
    assert handlers == []
    db.rollback()
    assert db.scalar(sa.select(sa.func.count(InboundMessage.id))) == 0


def test_only_dispatchers_and_admins_of_the_org_use_it(client, auth, world):
    assert client.get("/console/sms/simulator").status_code == 302  # to the login page
    auth.login("sup")
    assert client.get("/console/sms/simulator").status_code == 403
    assert client.post("/console/sms/simulator", data={"body": "x"}).status_code == 403


def test_outbound_texts_of_the_org_newest_first_with_state_and_delivery(client, auth, db, world):
    org, other, tech, _stranger = world
    for n in range(35):
        outbox.enqueue(db, to=tech.phone, body=f"offer number {n:02d}", org_id=org.id, technician_id=tech.id)
    delivered = outbox.enqueue(db, to="+8613900000009", body="newest ack", org_id=org.id)
    delivered.state, delivered.delivery_status = SendState.SENT, "delivered"
    outbox.enqueue(db, to="+8613900000008", body="another org's text", org_id=other.id)
    db.commit()
    auth.login("disp")
    first = client.get("/console/sms/simulator").get_data(as_text=True)
    assert first.index("newest ack") < first.index("offer number 34")
    # The delivery status is shown by its label in the reader's language (Chinese here), not its code.
    assert "已送达" in first and "another org&#39;s text" not in first and "another org" not in first
    assert "offer number 05" not in first  # on the second page
    second = client.get("/console/sms/simulator?page=2").get_data(as_text=True)
    assert "offer number 05" in second and "offer number 00" in second
    assert db.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 37


def test_the_page_speaks_chinese_and_english(client, auth, world):
    auth.login("disp")
    client.post("/language/zh_Hans_CN")
    zh = client.get("/console/sms/simulator").get_data(as_text=True)
    client.post("/language/en")
    en = client.get("/console/sms/simulator").get_data(as_text=True)
    assert "SMS simulator" in en and "短信模拟器" in zh


def test_an_alert_is_listed_and_can_be_marked_seen_by_its_org_only(client, auth, db, world):
    org, _other, tech, _stranger = world
    message = outbox.enqueue(db, to=tech.phone, body="offer", org_id=org.id, technician_id=tech.id)
    db.flush()
    outbox.fail(message, "Twilio refused to send", "21211")
    db.commit()
    from dispatch.sms.alerts import DeliveryAlert

    alert = db.scalar(sa.select(DeliveryAlert))
    auth.login("otherdisp")
    assert client.post(f"/console/sms/alerts/{alert.id}/resolve").status_code == 404
    auth.logout()
    auth.login("disp")
    assert "Twilio refused to send" in client.get("/console/sms/simulator").get_data(as_text=True)
    assert client.post(f"/console/sms/alerts/{alert.id}/resolve").status_code == 302
    db.rollback()
    assert db.get(DeliveryAlert, alert.id).resolved_at is not None
