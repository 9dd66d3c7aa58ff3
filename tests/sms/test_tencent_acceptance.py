"""Acceptance with SMS_BACKEND=tencent against the local fake of the provider: a citizen's Open311
report acknowledged through a template, the technician offered the job through a template, his
reply 接 <code> accepting it — once by the push callback, once by the pull job — a replayed push
changing nothing, and receipts reaching the outbox."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from dispatch.auth.service import create_api_key
from dispatch.orders.models import Event, Status, WorkOrder
from dispatch.sms.models import InboundMessage, OutboxMessage, SendState
from dispatch.worker import run_outbox, run_tencent_pull
from tests.sms.conftest import CALLBACK_SECRET


@pytest.fixture
def county(tencent_app, demo, db):
    key = create_api_key(db, demo.xinye, "fixmystreet")
    db.commit()
    return tencent_app.test_client(), key


def report(client, key, lat, lon, phone):
    response = client.post(
        "/open311/v2/requests.json",
        data=dict(
            api_key=key,
            jurisdiction_id="xinye.gov.cn",
            service_code="water_leak",
            lat=lat,
            long=lon,
            description="路面冒水",
            phone=phone,
        ),
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    reference = response.get_json()[0]["service_request_id"]
    return reference


def order_of(db, reference) -> WorkOrder:
    db.rollback()
    return db.scalar(sa.select(WorkOrder).where(WorkOrder.reference == reference))


def offered(db, order):
    db.rollback()
    return list(
        db.scalars(
            sa.select(OutboxMessage).where(
                OutboxMessage.work_order_id == order.id, OutboxMessage.kind == "offer"
            )
        )
    )


def push_reply(client, phone: str, text: str, at: int, secret: str = CALLBACK_SECRET):
    payload = {
        "extend": "",
        "mobile": phone.removeprefix("+86"),
        "nationcode": "86",
        "sign": "新野县供排水",
        "text": text,
        "time": at,
    }
    return client.post(f"/sms/tencent/reply/{secret}", json=payload)


def counts(db):
    db.rollback()
    return (
        db.scalar(sa.select(sa.func.count()).select_from(InboundMessage)),
        db.scalar(sa.select(sa.func.count()).select_from(Event)),
        db.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)),
    )


def test_report_ack_offer_and_reply_by_push_then_by_pull(tencent_app, county, db, fake_tencent):
    client, key = county
    reference = report(client, key, "32.5282", "112.3615", "13812345678")
    order = order_of(db, reference)

    # The acknowledgement and the offer are their templates, rendered as the handset shows them.
    [ack] = db.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "ack"))
    assert ack.template == "ack" and ack.body.startswith(f"【新野县供排水】您的报修已受理，编号{reference}，")
    [offer, *_others] = offered(db, order)
    code = order.job_code
    assert offer.body.startswith(f"【新野县供排水】新工单{code}：供水管网跑冒滴漏，")

    run_outbox(tencent_app, "worker-1")
    sent = {(m.phone, m.template_id): m for m in fake_tencent.messages}
    assert ("+8613812345678", "2100001") in sent
    assert sent[(offer.recipient, "2100101")].params[0] == code
    assert fake_tencent.contract_violations == []

    # The technician answers; the provider pushes the reply.
    at = int(time.time())
    response = push_reply(client, offer.recipient, f"接 {code}", at)
    assert response.status_code == 200 and response.get_json() == {"result": 0, "errmsg": "OK"}
    assert order_of(db, reference).status is Status.ACCEPTED
    # His answer comes back as a template too: the job and where it stands.
    [told] = db.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "command_reply"))
    assert (
        told.recipient == offer.recipient
        and told.body == f"【新野县供排水】已收到您的短信，工单{code}当前状态：已接单。"
    )

    # The provider pushes it again (or an attacker replays it): nothing changes.
    before = counts(db)
    assert push_reply(client, offer.recipient, f"接 {code}", at).status_code == 200
    assert counts(db) == before

    # Any other secret, or none, is refused and does nothing.
    assert push_reply(client, offer.recipient, f"接 {code}", at + 1, secret="guess").status_code == 404
    assert client.post("/sms/tencent/reply/", json={}).status_code == 404
    assert counts(db) == before

    # A second report; this time the reply is collected by the pull job.
    second = report(client, key, "32.5300", "112.3500", "13812345679")
    order2 = order_of(db, second)
    [offer2, *_rest] = offered(db, order2)
    code2 = order2.job_code
    run_outbox(tencent_app, "worker-1")
    at2 = int(time.time())
    pushed_later = fake_tencent.add_reply(offer2.recipient, f"接 {code2}", at2, sign="新野县供排水")
    run_tencent_pull(tencent_app, "worker-1")
    assert order_of(db, second).status is Status.ACCEPTED
    # The same reply seen by the push afterwards acts no second time.
    before = counts(db)
    assert client.post(f"/sms/tencent/reply/{CALLBACK_SECRET}", json=pushed_later).status_code == 200
    assert counts(db) == before


def test_receipts_by_push_and_by_pull_reach_the_outbox(tencent_app, county, db, fake_tencent):
    client, key = county
    report(client, key, "32.5282", "112.3615", "13812345678")
    run_outbox(tencent_app, "worker-1")
    db.rollback()
    [ack] = db.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "ack"))
    assert ack.state is SendState.SENT
    receipt = [
        {
            "user_receive_time": "2026-12-01 10:00:00",
            "nationcode": "86",
            "mobile": "13812345678",
            "report_status": "SUCCESS",
            "errmsg": "DELIVRD",
            "description": "用户短信送达成功",
            "sid": ack.provider_id,
        }
    ]
    assert client.post("/sms/tencent/status/wrong-secret", json=receipt).status_code == 404
    assert client.post(f"/sms/tencent/status/{CALLBACK_SECRET}", json=receipt).status_code == 200
    db.rollback()
    assert db.get(OutboxMessage, ack.id).delivery_status == "delivered"
    # The pull brings the receipts not pushed (the offers'); the ack's, already recorded, changes
    # nothing.
    sent = db.scalar(
        sa.select(sa.func.count()).select_from(OutboxMessage).where(OutboxMessage.state == SendState.SENT)
    )
    assert run_tencent_pull(tencent_app, "worker-1")[1] == sent - 1
    db.rollback()
    assert {m.delivery_status for m in db.scalars(sa.select(OutboxMessage))} == {"delivered"}


def test_health_reports_the_backend_and_the_console_offers_a_call_instead_of_free_text(
    tencent_app, county, db, auth
):
    client, key = county
    assert client.get("/healthz").get_json()["sms_backend"] == "tencent"
    reference = report(client, key, "32.5282", "112.3615", "13812345678")
    client.post("/login", data={"username": "dispatcher", "password": "demo-pass"})
    page = client.get(f"/console/orders/{reference}").get_data(as_text=True)
    assert 'href="tel:+8613812345678"' in page
    before = counts(db)
    response = client.post(f"/console/orders/{reference}/message", data={"body": "师傅下午到"})
    assert response.status_code == 302
    assert counts(db) == before


def test_callbacks_refuse_what_is_not_the_providers_shape(tencent_app, db):
    client = tencent_app.test_client()
    url = f"/sms/tencent/reply/{CALLBACK_SECRET}"
    assert client.post(url, data="not json", content_type="application/json").status_code == 400
    assert client.post(url, json=["a", 1]).status_code == 400
    # Items without a number or a time are no replies: acknowledged, nothing stored.
    assert (
        client.post(url, json=[{"text": "接 123"}, {"mobile": "13800138000", "time": "x"}]).status_code == 200
    )
    assert counts(db)[0] == 0
    status = f"/sms/tencent/status/{CALLBACK_SECRET}"
    assert client.post(status, json=[{"sid": "unknown", "report_status": "SUCCESS"}]).status_code == 200
