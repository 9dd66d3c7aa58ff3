"""A supervisor approves (the order closes through the lifecycle) or returns (a new revision,
the reason to the technician by SMS); a correction voids the old revision and needs a new signature."""

import sqlalchemy as sa

from dispatch import signals
from dispatch.orders.models import Event, Status
from dispatch.reports.models import ReportState, ServiceReport
from tests.reports.helpers import (
    DRIVER,
    finish_by_sms,
    link_in,
    on_site,
    path_of,
    report_of,
    sent_to,
    signature_png,
    technician,
)


def signed_job(db, demo, client):
    order = on_site(db, demo)
    text_phone = technician(db, "ZY-T01").phone
    from tests.reports.helpers import text

    text(db, text_phone, "配件 321 ZY-HINGE-01 1")
    finish_by_sms(db, order, text_phone)
    path = path_of(link_in(sent_to(db, DRIVER, "report_sign")[0].body))
    client.post(path, data={"action": "sign", "signature": signature_png(), "name": "王师傅", "rating": "5"})
    return order


def kinds(db, order):
    return [e.kind for e in db.scalars(sa.select(Event).where(Event.order_id == order.id).order_by(Event.id))]


def test_approval_closes_the_order_and_sends_the_signal(db, demo, client, auth):
    order = signed_job(db, demo, client)
    approved = []
    signals.report_approved.connect(approved.append, weak=False)
    try:
        auth.login("coach.supervisor", "demo-pass")
        page = client.post(f"/console/orders/{order.reference}/report/approve", follow_redirects=True)
    finally:
        signals.report_approved.disconnect(approved.append)
    assert "工单已关闭" in page.get_data(as_text=True)
    report = report_of(db, order)
    assert report.state is ReportState.APPROVED and report.approved_by_id == demo.users["coach.supervisor"].id
    assert report.order.status is Status.CLOSED
    assert kinds(db, order)[-3:-1] == ["approve", "close"] or "approve" in kinds(db, order)
    assert [r.id for r in approved] == [report.id]


def test_a_dispatcher_cannot_approve(db, demo, client, auth):
    order = signed_job(db, demo, client)
    auth.login("coach.dispatcher", "demo-pass")
    assert client.post(f"/console/orders/{order.reference}/report/approve").status_code == 403
    assert report_of(db, order).state is ReportState.SIGNED


def test_return_sends_the_reason_to_the_technician_and_opens_a_new_revision(db, demo, client, auth):
    order = signed_job(db, demo, client)
    voided = []
    signals.report_voided.connect(voided.append, weak=False)
    try:
        auth.login("coach.supervisor", "demo-pass")
        client.post(f"/console/orders/{order.reference}/report/return", data={"reason": "缺少旧件照片"})
    finally:
        signals.report_voided.disconnect(voided.append)
    tech = technician(db, "ZY-T01")
    message = sent_to(db, tech.phone, "report_returned")[-1]
    assert "缺少旧件照片" in message.body and "/t/" in message.body
    revisions = list(
        db.scalars(
            sa.select(ServiceReport)
            .where(ServiceReport.work_order_id == order.id)
            .order_by(ServiceReport.revision)
        )
    )
    assert [(r.revision, r.state) for r in revisions] == [(1, ReportState.RETURNED), (2, ReportState.DRAFT)]
    assert revisions[1].cause == revisions[0].cause and len(revisions[1].parts) == 1
    assert revisions[1].order.status is Status.WORK_DONE
    assert [r.revision for r in voided] == [1]


def test_revision_voids_the_signed_report_and_needs_a_new_signature(db, demo, client, auth):
    order = signed_job(db, demo, client)
    first_hash = report_of(db, order).content_hash
    auth.login("coach.dispatcher", "demo-pass")
    client.post(f"/console/orders/{order.reference}/report/revise", data={"reason": "零件号写错"})
    client.post(
        f"/console/orders/{order.reference}/report/fill",
        data={"action": "submit", "source": "console_phone", "advice": "定期检查铰链"},
    )
    revisions = list(
        db.scalars(
            sa.select(ServiceReport)
            .where(ServiceReport.work_order_id == order.id)
            .order_by(ServiceReport.revision)
        )
    )
    assert [(r.revision, r.state) for r in revisions] == [(1, ReportState.VOID), (2, ReportState.COMPLETE)]
    assert revisions[0].content_hash == first_hash and revisions[0].signature is not None
    assert revisions[1].signature is None and revisions[1].order.status is Status.WORK_DONE
    assert "revise" in kinds(db, order)
    # A fresh link for the new revision; the old PDF stays available by its number.
    assert len(sent_to(db, DRIVER, "report_sign")) == 2
    old_pdf = client.get(f"/console/orders/{order.reference}/report.pdf?revision=1")
    assert old_pdf.status_code == 200 and old_pdf.headers["X-Content-SHA256"] == first_hash
    assert client.get(f"/console/orders/{order.reference}/report.pdf").status_code == 404


def test_refusal_goes_to_the_supervisor_who_decides(db, demo, client, auth):
    order = on_site(db, demo)
    finish_by_sms(db, order, technician(db, "ZY-T01").phone)
    path = path_of(link_in(sent_to(db, DRIVER, "report_sign")[0].body))
    client.post(path, data={"action": "refuse", "reason": "问题没解决"})
    auth.login("coach.supervisor", "demo-pass")
    queue = client.get("/console/reports").get_data(as_text=True)
    assert order.reference in queue and "客户拒签" in queue
    # Approving over a refusal needs the supervisor's reason.
    page = client.post(f"/console/orders/{order.reference}/report/approve", follow_redirects=True)
    assert "请说明" in page.get_data(as_text=True)
    assert report_of(db, order).state is ReportState.REFUSED
    client.post(f"/console/orders/{order.reference}/report/approve", data={"note": "已电话回访，客户认可"})
    report = report_of(db, order)
    assert report.state is ReportState.APPROVED and report.order.status is Status.CLOSED
    assert report.pdf.startswith(b"%PDF-")


def test_a_report_without_signature_is_approved_and_closed(db, demo, client, auth):
    # A street leak with a part used: a report, no signature, approved all the same.
    order = on_site(db, demo, org=demo.xinye, type_code="water_leak", tech_code="XY-T01", customer=False)
    from tests.reports.helpers import text

    phone = technician(db, "XY-T01").phone
    text(db, phone, "配件 321 XY-PIPE-25 1")
    finish_by_sms(db, order, phone)
    report = report_of(db, order)
    assert report.state is ReportState.COMPLETE and not report.signature_required
    assert sent_to(db, "+8613700001111", "report_sign") == []
    auth.login("supervisor", "demo-pass")
    client.post(f"/console/orders/{order.reference}/report/approve")
    report = report_of(db, order)
    assert report.state is ReportState.APPROVED and report.order.status is Status.CLOSED
    # Every closed service gets its survey.
    assert len(sent_to(db, "+8613700001111", "report_survey")) == 1


def test_a_report_without_signature_says_it_waits_for_the_supervisor(db, demo, client, auth):
    order = on_site(db, demo, org=demo.xinye, type_code="water_leak", tech_code="XY-T01", customer=False)
    from tests.reports.helpers import text

    phone = technician(db, "XY-T01").phone
    text(db, phone, "配件 321 XY-PIPE-25 1")
    finish_by_sms(db, order, phone)
    auth.login("supervisor", "demo-pass")  # the demo supervisor reads Chinese
    report_page = client.get(f"/console/orders/{order.reference}/report").get_data(as_text=True)
    order_page = client.get(f"/console/orders/{order.reference}").get_data(as_text=True)
    waiting = client.get("/console/reports").get_data(as_text=True)
    for page in (report_page, order_page, waiting):
        assert "已填完，待主管审批" in page
        assert "待签字" not in page
    # The page's state, the history's row: both say it.
    assert report_page.count("已填完，待主管审批") == 2
    assert "新建修订版（需重新审批）" in report_page
    assert "需重新签字" not in report_page

    corrected = client.post(
        f"/console/orders/{order.reference}/report/revise",
        data={"reason": "配件数量写错"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "已新建修订版，需主管重新审批。" in corrected and "需重新签字" not in corrected


def test_a_report_to_sign_still_says_it_waits_for_the_signature(db, demo, client, auth):
    order = on_site(db, demo)
    finish_by_sms(db, order, technician(db, "ZY-T01").phone)
    auth.login("coach.supervisor", "demo-pass")
    html = client.get(f"/console/orders/{order.reference}/report").get_data(as_text=True)
    assert html.count("已填完，待签字") == 2 and "supervisor&#39;s approval" not in html
    assert "新建修订版（需重新签字）" in html
