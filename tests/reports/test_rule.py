"""The rule, held by the server and the model: no signature before the work is done and the
report complete; one signature; nothing signed ever changes."""

import pytest
import sqlalchemy as sa

from dispatch.orders.lifecycle import Actor
from dispatch.orders.models import Channel, Status
from dispatch.reports import service, signing
from dispatch.reports.models import ImmutableReport, ReportState, ServiceReportPart, ServiceReportSignature
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
    text,
)

CITIZEN = "+8613912345678"


def test_no_signature_before_the_work_is_done(db, demo, client):
    order = on_site(db, demo)
    tech = technician(db, "ZY-T01")
    text(db, tech.phone, "原因 铰链螺栓松动断裂")
    text(db, tech.phone, "责任 1")
    report = report_of(db, order)
    # Everything is there but the work is not recorded done: no link went out, and signing is refused.
    assert report.state is ReportState.DRAFT and order.status is Status.ON_SITE
    assert sent_to(db, DRIVER, "report_sign") == []
    with pytest.raises(signing.SigningRefused, match="尚未填完"):
        signing.check_signable(report)


def test_an_incomplete_report_cannot_be_signed_nor_submitted(db, demo):
    order = on_site(db, demo)
    text(db, technician(db, "ZY-T01").phone, "完成 更换铰链")
    report = report_of(db, order)
    assert report.state is ReportState.DRAFT and report.order.status is Status.WORK_DONE
    with pytest.raises(signing.SigningRefused):
        signing.check_signable(report)
    with pytest.raises(service.ReportError, match="故障原因"):
        service.submit(db, report, Actor.system())


def test_the_model_refuses_to_alter_a_signed_report_its_parts_and_its_signature(db, demo, client):
    order = on_site(db, demo)
    text(db, technician(db, "ZY-T01").phone, "配件 321 ZY-HINGE-01 1")
    finish_by_sms(db, order, technician(db, "ZY-T01").phone)
    client.post(
        path_of(link_in(sent_to(db, DRIVER, "report_sign")[0].body)),
        data={"action": "sign", "signature": signature_png(), "name": "王师傅", "rating": "4"},
    )
    report = report_of(db, order)
    assert report.state is ReportState.SIGNED
    report.cause = "别的原因"
    with pytest.raises(ImmutableReport):
        db.flush()
    db.rollback()
    report = report_of(db, order)
    report.content_hash = "0" * 64
    with pytest.raises(ImmutableReport):
        db.flush()
    db.rollback()
    db.get(ServiceReportSignature, report.signature.id).signer_name = "伪造"
    with pytest.raises(ImmutableReport):
        db.flush()
    db.rollback()
    report = report_of(db, order)
    db.get(ServiceReportPart, report.parts[0].id).quantity = 5
    with pytest.raises(ImmutableReport):
        db.flush()
    db.rollback()
    with pytest.raises(service.ReportError):
        service.fill(db, report_of(db, order), {"cause": "别的原因"})
    assert report_of(db, order).cause == "铰链螺栓松动断裂"


def test_a_second_signature_row_is_impossible(db, demo, client):
    order = on_site(db, demo)
    finish_by_sms(db, order, technician(db, "ZY-T01").phone)
    client.post(
        path_of(link_in(sent_to(db, DRIVER, "report_sign")[0].body)),
        data={"action": "sign", "signature": signature_png(), "name": "王师傅"},
    )
    report = report_of(db, order)
    db.add(
        ServiceReportSignature(report_id=report.id, method="paper", signer_name="x", evidence_sha256="0" * 64)
    )
    with pytest.raises(sa.exc.IntegrityError):
        db.flush()
    db.rollback()


def test_a_console_edit_after_signing_is_refused(db, demo, client, auth):
    order = on_site(db, demo)
    finish_by_sms(db, order, technician(db, "ZY-T01").phone)
    client.post(
        path_of(link_in(sent_to(db, DRIVER, "report_sign")[0].body)),
        data={"action": "sign", "signature": signature_png(), "name": "王师傅"},
    )
    auth.login("coach.dispatcher", "demo-pass")
    response = client.post(
        f"/console/orders/{order.reference}/report/fill", data={"cause": "改过的原因"}, follow_redirects=True
    )
    page = response.get_data(as_text=True)
    assert "更正须新建修订版" in page or "a correction is a new revision" in page
    assert report_of(db, order).cause == "铰链螺栓松动断裂"


def county_connection(db, demo):
    order = on_site(
        db,
        demo,
        org=demo.xinye,
        type_code="water_connection",
        tech_code="XY-T01",
        customer=False,
        reporter_phone=CITIZEN,
    )
    finish_by_sms(db, order, technician(db, "XY-T01").phone)
    return order


def test_sms_confirmation_signs_only_from_the_number_asked_with_the_right_code(db, demo):
    order = county_connection(db, demo)
    report = report_of(db, order)
    assert report.state is ReportState.COMPLETE
    code = report.confirm_code
    assert f"确认 {code}" in sent_to(db, CITIZEN, "report_confirm")[0].body
    # Another number, even with the right code: refused, nothing signed.
    assert "没有等待该号码确认" in text(db, "+8613800000000", f"确认 {code}")
    wrong = "0000" if code != "0000" else "1111"
    assert "验证码错误" in text(db, CITIZEN, f"确认 {wrong}")
    assert report_of(db, order).state is ReportState.COMPLETE
    assert "已签字" in text(db, CITIZEN, f"OK {code}")
    report = report_of(db, order)
    assert report.state is ReportState.SIGNED and report.signature.method.value == "sms"
    assert report.signature.client_address == CITIZEN and report.signature.inbound_message_id is not None
    # The survey follows, since the rating did not come from the page.
    assert len(sent_to(db, CITIZEN, "report_survey")) == 1
    # A second confirmation finds nothing waiting.
    assert "没有等待" in text(db, CITIZEN, f"确认 {code}")


def too_many(reply: str) -> bool:
    return "验证码错误次数过多" in reply


def test_sms_confirmation_stops_after_five_wrong_codes(db, demo, client, auth):
    order = county_connection(db, demo)
    code = report_of(db, order).confirm_code
    wrong = "0000" if code != "0000" else "1111"
    for _ in range(signing.MAX_WRONG_SMS_CODES - 1):
        assert "验证码错误" in text(db, CITIZEN, f"确认 {wrong}")
    assert too_many(text(db, CITIZEN, f"确认 {wrong}"))
    for _ in range(7):
        assert too_many(text(db, CITIZEN, f"确认 {wrong}"))
    # The right code after all those guesses: refused all the same, with a way to sign.
    reply = text(db, CITIZEN, f"确认 {code}")
    assert too_many(reply) and "在页面上签字" in reply
    report = report_of(db, order)
    assert report.state is ReportState.COMPLETE and report.signature is None
    # The dispatcher sees it on the order's timeline.
    auth.login("dispatcher", "demo-pass")
    page = client.get(f"/console/orders/{order.reference}").get_data(as_text=True)
    assert "短信确认已停用：验证码错误次数过多" in page
    # The signing page still works.
    response = client.post(
        path_of(link_in(sent_to(db, CITIZEN, "report_sign")[0].body)),
        data={"action": "sign", "signature": signature_png(), "name": "刘女士"},
    )
    assert response.status_code in (200, 302)
    assert report_of(db, order).state is ReportState.SIGNED


PNG = b"\x89PNG\r\n\x1a\n"


def paper(client, reference, data, filename, name="刘经理"):
    import io

    return client.post(
        f"/console/orders/{reference}/report/paper",
        data={"signer_name": name, "scan": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def scan_jpeg() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (200, 280), "white").save(buffer, "JPEG")
    return buffer.getvalue()


def test_paper_upload_is_checked_by_content(db, demo, client, auth):
    order = county_connection(db, demo)
    auth.login("dispatcher", "demo-pass")
    assert "内容与文件名不符" in paper(client, order.reference, scan_jpeg(), "scan.pdf").get_data(
        as_text=True
    )
    assert "只能上传" in paper(client, order.reference, b"MZ\x90\x00 not a scan", "scan.jpg").get_data(
        as_text=True
    )
    big = b"%PDF-1.4\n" + b"0" * (5 * 1024 * 1024)
    assert "文件过大" in paper(client, order.reference, big, "scan.pdf").get_data(as_text=True)
    assert report_of(db, order).state is ReportState.COMPLETE
    page = paper(client, order.reference, scan_jpeg(), "scan.jpeg").get_data(as_text=True)
    assert "纸质签字已记录" in page
    report = report_of(db, order)
    assert report.state is ReportState.SIGNED and report.signature.method.value == "paper"
    assert report.signature.evidence_mime == "image/jpeg" and report.signature.signer_name == "刘经理"


def test_paper_pdf_scan_is_accepted(db, demo, client, auth):
    order = county_connection(db, demo)
    auth.login("dispatcher", "demo-pass")
    assert "纸质签字已记录" in paper(client, order.reference, b"%PDF-1.4\n%scan\n", "签字.PDF").get_data(
        as_text=True
    )
    assert report_of(db, order).signature.evidence_mime == "application/pdf"


def test_the_order_cannot_be_signed_through_the_lifecycle_around_the_report(db, demo):
    from dispatch.reports.models import ServiceReport

    order = county_connection(db, demo)
    assert db.scalar(sa.select(sa.func.count(ServiceReport.id))) == 1
    assert order.status is Status.WORK_DONE
    assert Channel.SMS  # the signature only ever comes through signing._sign
