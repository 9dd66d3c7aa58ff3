"""The technician asks for parts on his report's mobile page, as he does by SMS; and he hears by
SMS when his requisition is approved, refused (and why), and issued to his van."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from dispatch import clock
from dispatch.assign.dispatcher import record_phone_acceptance
from dispatch.assign.models import Technician
from dispatch.orders.lifecycle import Actor
from dispatch.orders.models import Channel
from dispatch.parts import documents
from dispatch.parts.models import DocKind, DocState, PartDocument
from dispatch.reports import links
from dispatch.reports import service as report_service
from dispatch.sms.models import OutboxMessage
from dispatch.sms.segments import count_segments
from tests.assign.helpers import report, text

CST = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def shop(app, db, request):
    clock.freeze(datetime(2026, 11, 10, 9, 0, tzinfo=CST))
    return request.getfixturevalue("demo")


def _on_site(db, demo, tech_code="XY-T03", language="zh"):
    tech = db.scalar(sa.select(Technician).where(Technician.code == tech_code))
    tech.language = language
    order = report(db, demo.xinye)
    record_phone_acceptance(db, order, tech.id, Actor(Channel.CONSOLE, user_id=demo.users["dispatcher"].id))
    db.commit()
    text(db, tech.phone, f"到达 {order.job_code}")
    return tech, order


def _fill_path(db, order, tech) -> str:
    service_report = report_service.open_report(db, order)
    url = links.create(db, service_report, "fill", sent_to=tech.phone)
    db.commit()
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def _requisitions(db, order) -> list[PartDocument]:
    db.rollback()
    return list(
        db.scalars(
            sa.select(PartDocument)
            .where(PartDocument.kind == DocKind.REQUISITION, PartDocument.work_order_id == order.id)
            .order_by(PartDocument.id)
        )
    )


def _sent(db, phone: str, kind: str) -> list[OutboxMessage]:
    db.rollback()
    return list(
        db.scalars(
            sa.select(OutboxMessage)
            .where(OutboxMessage.recipient == phone, OutboxMessage.kind == kind)
            .order_by(OutboxMessage.id)
        )
    )


def test_asking_for_parts_on_the_mobile_page_makes_the_same_requisition_as_the_sms(shop, db, client):
    tech, order = _on_site(db, shop)
    path = _fill_path(db, order, tech)
    page = client.get(path).get_data(as_text=True)
    assert "为本工单领料" in page and 'value="V-2001"' in page  # the catalog is suggested

    asked = client.post(
        f"{path}/parts", data={"ask_part": "阀门", "ask_quantity": "2"}, follow_redirects=True
    )
    assert asked.status_code == 200 and "V-2001 x2" in asked.get_data(as_text=True)
    assert "待批准" in text(db, tech.phone, f"领料 {order.job_code} 阀门 2")
    by_page, by_sms = _requisitions(db, order)
    for doc in (by_page, by_sms):
        assert doc.state is DocState.REQUESTED and doc.technician_id == tech.id
        assert doc.location_id == by_sms.location_id
        assert [(line.part_number, line.quantity) for line in doc.lines] == [("V-2001", 2)]
    assert (by_page.reason, by_sms.reason) == ("mobile", "SMS")


def test_the_mobile_form_refuses_what_the_sms_refuses_and_writes_nothing(shop, db, client):
    tech, order = _on_site(db, shop)
    path = _fill_path(db, order, tech)
    unknown = client.post(
        f"{path}/parts", data={"ask_part": "V-2011", "ask_quantity": "1"}, follow_redirects=True
    )
    assert "V-2001" in unknown.get_data(as_text=True)  # the nearest numbers are named
    half = client.post(
        f"{path}/parts", data={"ask_part": "V-2001", "ask_quantity": "1.5"}, follow_redirects=True
    )
    assert "1.5" in half.get_data(as_text=True)
    assert _requisitions(db, order) == []

    client.post(
        path, data={"cause": "阀杆断裂", "work_done": "更换闸阀", "responsibility": "product_quality"}
    )
    client.post(path, data={"action": "submit"})
    late = client.post(f"{path}/parts", data={"ask_part": "V-2001", "ask_quantity": "1"})
    assert late.status_code == 302 and _requisitions(db, order) == []


def test_the_technician_hears_of_approval_and_issue_in_chinese(shop, db):
    tech, order = _on_site(db, shop)
    text(db, tech.phone, f"领料 {order.job_code} 阀门 1")
    (doc,) = _requisitions(db, order)
    documents.approve(db, doc, shop.users["supervisor"])
    db.commit()
    (approved,) = _sent(db, tech.phone, "requisition_approved")
    assert "已批准" in approved.body and "V-2001 x1" in approved.body and doc.number in approved.body
    assert _sent(db, tech.phone, "parts_issued") == []
    documents.issue(db, db.get(PartDocument, doc.id), shop.users["warehouse"])
    db.commit()
    (issued,) = _sent(db, tech.phone, "parts_issued")
    assert "发到您的车上" in issued.body and "V-2001 x1" in issued.body
    for message in (approved, issued):
        assert count_segments(message.body).segments <= 2 and message.work_order_id == order.id


def test_a_refusal_gives_the_reason_in_english_within_two_segments(shop, db):
    tech, order = _on_site(db, shop, language="en")
    text(db, tech.phone, f"REQ {order.job_code} V-2001 1")
    (doc,) = _requisitions(db, order)
    reason = "take the spare valve from the truck of the other crew, " * 8
    documents.reject(db, doc, shop.users["supervisor"], reason)
    db.commit()
    (refused,) = _sent(db, tech.phone, "requisition_refused")
    assert refused.body.startswith(f"Job {order.job_code}: requisition {doc.number} refused: take the spare")
    assert count_segments(refused.body).segments <= 2
    assert _sent(db, tech.phone, "requisition_approved") == []
