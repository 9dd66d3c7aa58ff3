"""One job from a requisition by SMS to its write-off and a supplier claim, checking at every
step that the company holds what came in minus what went out."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from dispatch import clock, signals
from dispatch.assign.dispatcher import record_phone_acceptance
from dispatch.assign.models import Technician
from dispatch.orders.lifecycle import Actor
from dispatch.orders.models import Channel, WorkOrder
from dispatch.parts import catalog, claims, closing, documents, jobs, ledger, locations, returns
from dispatch.parts.errors import PartsError
from dispatch.parts.models import DocKind, PartDocument, StockMove
from dispatch.parts.returns_models import ClaimState, Disposition
from dispatch.reports import approval
from dispatch.reports import flow as report_flow
from dispatch.reports import service as report_service
from dispatch.reports.models import ReportState, ServiceReport, ServiceReportPart
from tests.assign.helpers import report, text

CST = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def shop(app, db, request):
    clock.freeze(datetime(2026, 11, 10, 9, 0, tzinfo=CST))
    return request.getfixturevalue("demo")


def _job(db, demo, tech_code="XY-T03"):
    tech = db.scalar(sa.select(Technician).where(Technician.code == tech_code))
    order = report(db, demo.xinye)
    record_phone_acceptance(db, order, tech.id, Actor(Channel.CONSOLE, user_id=demo.users["dispatcher"].id))
    db.commit()
    return tech, order


def _submit_report(db, order, tech, lines, state=ReportState.COMPLETE):
    service_report = ServiceReport(
        work_order_id=order.id,
        revision=1,
        state=ReportState.DRAFT,
        organisation_id=order.org_id,
        technician_id=tech.id,
    )
    db.add(service_report)
    db.flush()
    for line in lines:
        db.add(ServiceReportPart(report_id=service_report.id, **line))
    db.flush()
    service_report.state = state
    service_report.submitted_at = clock.now()
    db.flush()
    signals.report_submitted.send(service_report)
    db.commit()
    return service_report


def _moves(db):
    return db.scalar(sa.select(sa.func.count()).select_from(StockMove))


def test_a_job_from_sms_requisition_to_write_off_and_claim(shop, db, balanced):
    demo = shop
    org = demo.xinye.id
    tech, order = _job(db, demo)
    code = order.job_code
    balanced(org)

    reply = text(db, tech.phone, f"领料 {code} 阀门 1")
    assert "V-2001" in reply and "待批准" in reply
    requisition = db.scalar(
        sa.select(PartDocument).where(
            PartDocument.kind == DocKind.REQUISITION, PartDocument.work_order_id == order.id
        )
    )
    assert requisition.state.value == "requested"
    assert "V-2001" in text(db, tech.phone, f"领料 {code} V-2011")  # unknown: the nearest are named

    documents.approve(db, requisition, demo.users["supervisor"])
    documents.issue(db, requisition, demo.users["warehouse"])
    db.commit()
    balanced(org)
    van = locations.of_technician(db, tech)
    valve = catalog.find(db, org, "V-2001")
    assert ledger.on_hand_of(db, van.id, valve.id) == 1
    assert "V-2001 x1" in text(db, tech.phone, "车存")

    text(db, tech.phone, f"到达 {code}")
    assert "V-2001" in text(db, tech.phone, f"配件 {code} V-2011")
    assert "V-2001" in text(db, tech.phone, f"配件 {code} 阀门 1")
    # A part used is a draft line on the report: nothing has moved yet.
    assert ledger.on_hand_of(db, van.id, valve.id) == 1
    service_report = report_service.current_report(db, db.get(WorkOrder, order.id))
    assert [(p.part_number, p.quantity) for p in service_report.parts] == [("V-2001", 1)]

    findings = {"work_done": "更换闸阀", "cause": "阀杆断裂", "responsibility": "product_quality"}
    report_service.fill(db, service_report, findings)
    report_flow.submit(db, service_report, Actor(Channel.SMS, technician_id=tech.id))
    db.commit()
    assert ledger.on_hand_of(db, van.id, valve.id) == 0
    balanced(org)

    before = _moves(db)
    with pytest.raises(PartsError):  # neither approved nor the old part back
        jobs.write_off(db, order, demo.users["warehouse"])
    db.rollback()
    assert _moves(db) == before

    assert "1" in text(db, tech.phone, f"旧件 {code}")
    returned = returns.receive(db, org, "v-2001", "old-7", demo.users["warehouse"], "阀杆断裂")
    db.commit()
    assert not returned.unexpected and not returned.serial_mismatch
    balanced(org)
    with pytest.raises(PartsError):
        returns.receive(db, org, "V-2001", "OLD-7", demo.users["warehouse"])
    db.rollback()

    with pytest.raises(PartsError, match="服务报告"):  # the report is complete, not approved
        jobs.write_off(db, order, demo.users["warehouse"])
    db.rollback()
    approval.approve(db, db.get(ServiceReport, service_report.id), demo.users["supervisor"].id)
    db.commit()
    written = jobs.write_off(db, order, demo.users["warehouse"])
    db.commit()
    assert [(line.part_number, line.quantity) for line in written.lines] == [("V-2001", 1)]
    assert not written.exception
    balanced(org)

    closing.dispose(db, returned, Disposition.CLAIM, demo.users["warehouse"])
    line = claims.add_line(db, returned, demo.users["warehouse"], "阀杆断裂，三包期内")
    claim = line.claim
    for state in (ClaimState.SENT, ClaimState.ACCEPTED, ClaimState.CREDITED):
        claims.advance(db, claim, state, demo.users["warehouse"])
        db.commit()
        balanced(org)
    assert claims.recovered(db, org) == {(valve.supplier.name, "2026-11"): 42000}
    with pytest.raises(PartsError, match="尚未结束"):
        closing.close_month(db, org, "2026-11", demo.users["warehouse"])
    clock.freeze(datetime(2026, 12, 1, 8, 30, tzinfo=CST))  # November is over
    closing.close_month(db, org, "2026-11", demo.users["warehouse"])
    db.commit()


def test_a_write_off_without_the_signed_report_needs_a_supervisors_exception(shop, db, balanced):
    demo = shop
    tech, order = _job(db, demo)
    clamp = catalog.find(db, demo.xinye.id, "P-1001")
    requisition = documents.request_parts(db, tech, order, [(clamp, 2)])
    documents.approve(db, requisition, demo.users["supervisor"])
    documents.issue(db, requisition, demo.users["warehouse"])
    db.commit()
    _submit_report(db, order, tech, [dict(part_number="P-1001", quantity=2)])
    with pytest.raises(PartsError, match="服务报告|service report"):
        jobs.write_off(db, order, demo.users["warehouse"])
    with pytest.raises(PartsError):
        jobs.write_off(
            db, order, demo.users["warehouse"], exception_reason="客户外出", approver=demo.users["warehouse"]
        )
    written = jobs.write_off(
        db,
        order,
        demo.users["warehouse"],
        exception_reason="客户外出，电话确认",
        approver=demo.users["supervisor"],
    )
    assert written.exception and written.approved_by_id == demo.users["supervisor"].id
    balanced(demo.xinye.id)


def test_a_voided_report_gives_its_consumption_back(shop, db, balanced):
    demo = shop
    tech, order = _job(db, demo, "XY-T01")  # a van with opening stock
    van = locations.of_technician(db, tech)
    clamp = catalog.find(db, demo.xinye.id, "P-1001")
    have = ledger.on_hand_of(db, van.id, clamp.id)
    first = _submit_report(
        db, order, tech, [dict(part_number="P-1001", quantity=1), dict(part_number="ZZ-404", quantity=1)]
    )
    assert ledger.on_hand_of(db, van.id, clamp.id) == have - 1
    signals.report_voided.send(first)
    db.commit()
    assert ledger.on_hand_of(db, van.id, clamp.id) == have
    balanced(demo.xinye.id)
