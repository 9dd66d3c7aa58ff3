"""The whole road through real HTTP webhooks: a citizen texts the hotline, the report is placed,
acknowledged once and offered to a technician, who accepts, arrives and finishes by SMS — every
message signed as Twilio signs it and every outbound one handed to the (fake) Twilio API by the
official client."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from dispatch.assign.models import DutyStatus, Technician
from dispatch.extensions import db as _db
from dispatch.orders.models import Status, WorkOrder
from dispatch.sms.models import OutboxMessage
from dispatch.worker import run_outbox
from tests.fake_twilio import signed_post

PUBLIC = "https://dispatch.example.org"
CITIZEN = "+8613912345678"


@pytest.fixture
def live(make_app, fake_twilio, demo):
    app = make_app(SMS_BACKEND="twilio", PUBLIC_BASE_URL=PUBLIC, **fake_twilio.config())
    with app.app_context():
        yield app, app.test_client()


def _text(client, sender: str, body: str, sid: str, to: str = "+8637766221750") -> str:
    params = {"MessageSid": sid, "From": sender, "To": to, "Body": body, "AccountSid": "AC" + "0" * 32}
    request = signed_post(
        "/sms/inbound",
        params,
        client.application.config["TWILIO_AUTH_TOKEN"],
        public_url=f"{PUBLIC}/sms/inbound",
    )
    response = client.post(request.url, data=request.data, headers=request.headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def _deliver(app) -> None:
    run_outbox(app, "test-worker")
    _db.session.rollback()


def test_a_citizen_text_becomes_a_job_run_entirely_by_sms(live, fake_twilio):
    app, client = live
    session = _db.session
    # One technician on duty near the county town, so the offer has one obvious recipient.
    techs = session.scalars(sa.select(Technician).where(Technician.org_id == app_org(session))).all()
    for tech in techs:
        tech.duty_status = DutyStatus.OFF_DUTY
    chosen = next(t for t in techs if "water" in t.skills and t.kind.value == "technician")
    chosen.duty_status = DutyStatus.ON_DUTY
    chosen.last_lat, chosen.last_lon = 32.5279, 112.3496
    session.commit()

    _text(client, CITIZEN, "书院路与新华路交叉口水管爆了，水流到马路上", "SM" + "1" * 32)
    _deliver(app)
    order = session.scalar(sa.select(WorkOrder).where(WorkOrder.reporter_phone == CITIZEN))
    assert order.type_code == "water_leak" and order.location_source == "gazetteer"
    assert order.status is Status.OFFERED
    to_citizen = [m for m in fake_twilio.messages if m["to"] == CITIZEN]
    assert len(to_citizen) == 1 and order.reference in to_citizen[0]["body"]  # one acknowledgement
    offer = [m for m in fake_twilio.messages if m["to"] == chosen.phone]
    assert len(offer) == 1 and order.job_code in offer[0]["body"]
    assert all(m["status_callback"] == f"{PUBLIC}/sms/status" for m in fake_twilio.messages)

    _text(client, chosen.phone, f"ＹＥＳ　{order.job_code}", "SM" + "2" * 32)
    _text(client, chosen.phone, "到", "SM" + "3" * 32)
    _text(client, chosen.phone, "完成 换了卡箍", "SM" + "4" * 32)
    _deliver(app)

    order = session.get(WorkOrder, order.id)
    assert order.status is Status.WORK_DONE and order.assignee_id == chosen.id
    arrive = {m.name: m for m in order.milestones}["arrive"]
    assert arrive.met_at is not None
    told = [m["body"] for m in fake_twilio.messages if m["to"] == CITIZEN]
    assert len(told) >= 2 and re.search(order.reference, told[-1])
    replies = session.scalars(sa.select(OutboxMessage).where(OutboxMessage.recipient == chosen.phone)).all()
    assert len(replies) >= 1


def test_a_retried_webhook_does_not_create_a_second_report(live, fake_twilio):
    app, client = live
    first = _text(client, CITIZEN, "新华路井盖丢了", "SM" + "5" * 32)
    again = _text(client, CITIZEN, "新华路井盖丢了", "SM" + "5" * 32)
    assert first == again
    _db.session.rollback()
    count = _db.session.scalar(
        sa.select(sa.func.count(WorkOrder.id)).where(WorkOrder.reporter_phone == CITIZEN)
    )
    assert count == 1


def app_org(session) -> int:
    from dispatch.auth.models import Organisation

    return session.scalar(sa.select(Organisation.id).where(Organisation.code == "xinye"))
