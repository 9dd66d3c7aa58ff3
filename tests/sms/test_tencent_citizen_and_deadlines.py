"""With SMS_BACKEND=tencent against the local fake: the messages that carried no template
parameters before — the citizen's replies (the place asked for again, the report placed, a status
query, a number with no report), the deadline warning and escalation, and a deadline set by hand —
go out through their approved templates, none refused."""

from __future__ import annotations

import time
from datetime import timedelta

import sqlalchemy as sa

from dispatch import clock
from dispatch.assign import notices
from dispatch.auth.models import DutyShift, Role
from dispatch.geo.placing import sync_depots
from dispatch.orders import lifecycle
from dispatch.orders.lifecycle import Actor
from dispatch.orders.models import Status, WorkOrder
from dispatch.sla import jobs
from dispatch.sms.models import OutboxMessage, SendState
from dispatch.worker import run_outbox
from tests.factories import make_order, make_org, make_technician, make_user
from tests.sla.conftest import at
from tests.sms.conftest import CALLBACK_SECRET

CITIZEN = "+8613812345678"
STRANGER = "+8613912345670"


def push(client, phone: str, text: str, at_s: int):
    payload = {
        "extend": "",
        "mobile": phone.removeprefix("+86"),
        "nationcode": "86",
        "sign": "新野县供排水",
        "text": text,
        "time": at_s,
    }
    response = client.post(f"/sms/tencent/reply/{CALLBACK_SECRET}", json=payload)
    assert response.status_code == 200, response.get_data(as_text=True)


def outbox(db, kind: str) -> list[OutboxMessage]:
    db.rollback()
    return list(
        db.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id))
    )


def sent_templates(fake_tencent) -> dict[str, list]:
    found: dict[str, list] = {}
    for message in fake_tencent.messages:
        found.setdefault(message.template_id, []).append(message)
    return found


def test_citizen_replies_go_through_their_templates(tencent_app, demo, db, fake_tencent):
    client = tencent_app.test_client()
    now = int(time.time())
    # A report without a place: acknowledged, asking for the place.
    push(client, CITIZEN, "我家门口井盖没了", now)
    db.rollback()
    [order] = db.scalars(sa.select(WorkOrder))
    assert order.status is Status.NEEDS_LOCATION
    # A follow-up that still names no place that can be found: asked again.
    clock.advance(timedelta(minutes=2))
    push(client, CITIZEN, "就在那边", now + 60)
    [ask] = outbox(db, "ask_place")
    assert (
        ask.body
        == f"【新野县供排水】报修{order.reference}已登记，但未能确定地点。请回复详细地址或附近路口、地标。"
    )
    # The place, found: the report is placed and the citizen told where and by when.
    clock.advance(timedelta(minutes=2))
    push(client, CITIZEN, "在新野一高东门", now + 120)
    [reply] = outbox(db, "reply")
    assert reply.body.startswith(f"【新野县供排水】报修{order.reference}已定位于新野一高")
    # The citizen asks how it stands; a number that never reported asks too.
    push(client, CITIZEN, "查询", now + 180)
    [status] = outbox(db, "status")
    assert status.body.startswith(f"【新野县供排水】报修{order.reference}当前状态：处理中，预计处理时间：")
    push(client, STRANGER, "查询", now + 240)
    [none] = outbox(db, "status_none")
    assert none.body == "【新野县供排水】未查到本号码的报修记录。如需报修，请回复问题和地点。"

    run_outbox(tencent_app, "worker-1")
    db.rollback()
    for message in (ask, reply, status, none):
        assert db.get(OutboxMessage, message.id).state is SendState.SENT, message.last_error
    sent = sent_templates(fake_tencent)
    assert sent["2100003"][0].params == [order.reference]
    assert sent["2100004"][0].params[0] == order.reference
    assert sent["2100005"][0].params[:2] == [order.reference, "处理中"]
    assert sent["2100018"][0].params == []
    assert fake_tencent.contract_violations == []


def test_deadline_warning_and_escalation_go_through_their_templates(tencent_app, db, fake_tencent):
    county = make_org("xinye")
    sync_depots(db, {"xinye": county})
    tech = make_technician(county, phone="+8613800000001", language="zh", name="张师傅")
    owner = make_user(county, phone="+8613800000002", language="zh_Hans_CN", username="desk")
    boss = make_user(county, Role.SUPERVISOR, phone="+8613800000003", language="en", username="boss")
    day = (at("2026-10-02T08:00"), at("2026-10-02T20:00"))
    db.add(DutyShift(org_id=county.id, user_id=boss.id, starts_at=day[0], ends_at=day[1], shift="day"))
    order = make_order(
        county,
        reported_at=at("2026-10-02T08:00"),
        assignee_id=tech.id,
        owner_id=owner.id,
        reporter_phone=CITIZEN,
    )
    lifecycle.transition(db, order, "locate", Actor.system())
    db.commit()
    reference = order.reference

    clock.freeze(at("2026-10-02T08:50"))  # on site due 09:00: warned
    assert jobs.run_warnings(tencent_app, "worker-1") == 1
    clock.freeze(at("2026-10-02T09:01"))  # missed: escalated to the supervisor on duty
    assert jobs.run_escalations(tencent_app, "worker-1") == 1
    warnings, escalations = outbox(db, "sla_warning"), outbox(db, "sla_escalation")
    assert {m.recipient for m in warnings} == {tech.phone, owner.phone}
    assert (
        warnings[0].body
        == f"【新野县供排水】预警：报修{reference}的到场时限将于10-02 09:00到期，请尽快处理。"
    )
    [escalation] = escalations
    assert escalation.recipient == boss.phone
    assert escalation.body == f"【新野县供排水】超时：报修{reference}的到场时限已于10-02 09:00超期，请督办。"

    run_outbox(tencent_app, "worker-1")
    db.rollback()
    assert {db.get(OutboxMessage, m.id).state for m in [*warnings, escalation]} == {SendState.SENT}
    sent = sent_templates(fake_tencent)
    assert len(sent["2100201"]) == 2 and sent["2100202"][0].params == [reference, "到场", "10-02 09:00"]

    # A deadline set by hand reaches the reporter as its template; the explanation stays behind.
    order = db.get(WorkOrder, order.id)
    notices.on_set_by_hand(order, "管网抢修需要停水", "zh", at("2026-10-03T18:00"))
    db.commit()
    [told] = outbox(db, "deadline_set")
    assert told.state is SendState.QUEUED and told.recipient == CITIZEN
    assert told.body == f"【新野县供排水】报修{reference}的处理时限调整为10-03 18:00，详情请致电服务热线。"
