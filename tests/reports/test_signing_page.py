"""Signing on screen through the one-time link: the rule holds whatever the page sends."""

import pytest
import sqlalchemy as sa

from dispatch import clock
from dispatch.orders.models import Status
from dispatch.reports import canonical
from dispatch.reports.models import ReportLink, ReportState
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


@pytest.fixture
def signing_path(db, demo):
    order = on_site(db, demo)
    finish_by_sms(db, order, technician(db, "ZY-T01").phone)
    return order, path_of(link_in(sent_to(db, DRIVER, "report_sign")[0].body))


def sign(client, path, **fields):
    data = {
        "action": "sign",
        "signature": signature_png(),
        "name": "王师傅",
        "rating": "5",
        "comment": "很好",
    }
    data.update(fields)
    return client.post(path, data=data)


def test_the_page_shows_the_report_in_the_customers_language_with_a_form(client, signing_path):
    order, path = signing_path
    page = client.get(path).get_data(as_text=True)
    assert "服务报告" in page and order.reference in page and "车身故障" in page
    assert 'id="signature-pad"' in page and "signature_pad.umd.min.js" in page
    assert "铰链螺栓松动断裂" in page


def test_signing_stores_the_evidence_hash_and_pdf_and_moves_the_order(db, client, signing_path):
    order, path = signing_path
    response = sign(client, path)
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    report = report_of(db, order)
    assert report.state is ReportState.SIGNED
    assert report.order.status is Status.SIGNED
    assert report.rating == 5 and report.rating_source == "page"
    signature = report.signature
    assert signature.method.value == "screen" and signature.signer_name == "王师傅"
    assert signature.client_address == "127.0.0.1"
    assert signature.evidence_sha256 == canonical.sha256(signature.evidence)
    assert report.content_hash == canonical.content_hash(report, signature)
    assert report.pdf.startswith(b"%PDF-")
    # Reopening the used link shows the signed report, read-only, with its hash.
    page = client.get(path).get_data(as_text=True)
    assert 'id="sign-form"' not in page and report.content_hash in page


def test_a_second_post_to_a_used_link_is_refused_and_changes_nothing(db, client, signing_path):
    order, path = signing_path
    sign(client, path)
    before = report_of(db, order).content_hash
    again = sign(client, path, name="别人")
    assert again.status_code == 409
    assert "已使用过" in again.get_data(as_text=True)
    report = report_of(db, order)
    assert report.content_hash == before and report.signature.signer_name == "王师傅"


def test_the_owners_link_cannot_sign_a_second_time(db, client, signing_path):
    order, path = signing_path
    sign(client, path)
    owner_path = path_of(link_in(sent_to(db, "+8615586577177", "report_sign")[0].body))
    response = sign(client, owner_path, name="车主")
    assert response.status_code == 409
    assert "签字不能更改" in response.get_data(as_text=True)
    assert report_of(db, order).signature.signer_name == "王师傅"


def test_a_tampered_link_is_refused(client, signing_path):
    _order, path = signing_path
    response = client.get(path[:-3] + "xyz")
    assert response.status_code == 403
    assert "链接无效" in response.get_data(as_text=True)


def test_an_expired_link_is_refused(db, client, signing_path):
    _order, path = signing_path
    clock.freeze(clock.now() + __import__("datetime").timedelta(days=4))
    response = client.get(path)
    assert response.status_code == 403
    assert "已过期" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"signature": signature_png(blank=True)}, "签字为空"),
        ({"signature": "data:image/jpeg;base64,/9j/4AAQ"}, "PNG"),
        ({"signature": "data:image/png;base64," + "A" * 100}, "PNG"),
        ({"name": "  "}, "签字人姓名"),
        ({"rating": "9"}, "1至5分"),
    ],
)
def test_bad_signatures_are_refused_and_nothing_is_signed(db, client, signing_path, fields, expected):
    order, path = signing_path
    response = sign(client, path, **fields)
    assert response.status_code == 400
    assert expected in response.get_data(as_text=True)
    assert report_of(db, order).state is ReportState.COMPLETE
    assert db.scalar(sa.select(ReportLink.used_at).where(ReportLink.sent_to == DRIVER)) is None


def test_an_oversized_signature_image_is_refused(db, client, signing_path):
    import base64
    import io
    import os

    from PIL import Image

    order, path = signing_path
    noise = Image.frombytes("RGBA", (400, 400), os.urandom(400 * 400 * 4))
    buffer = io.BytesIO()
    noise.save(buffer, "PNG")
    assert len(buffer.getvalue()) > 500 * 1024
    response = sign(
        client, path, signature="data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
    )
    assert response.status_code == 400 and "500 KB" in response.get_data(as_text=True)
    assert report_of(db, order).state is ReportState.COMPLETE


def test_english_customer_gets_the_page_in_english(db, demo, client):
    order = on_site(db, demo, language="en", reporter_phone="+447700900123")
    finish_by_sms(db, order, technician(db, "ZY-T01").phone)
    message = sent_to(db, "+447700900123", "report_sign")[0]
    assert message.body.startswith("Service report")
    page = client.get(path_of(link_in(message.body))).get_data(as_text=True)
    assert "Sign the report" in page and "Vehicle body fault" in page


def test_refusing_to_sign_sends_the_report_to_a_supervisor(db, client, signing_path):
    order, path = signing_path
    response = client.post(path, data={"action": "refuse", "reason": "门还是关不严"})
    assert response.status_code == 302
    report = report_of(db, order)
    assert report.state is ReportState.REFUSED and report.refusal_reason == "门还是关不严"
    assert report.order.status is Status.WORK_DONE
    assert "门还是关不严" in client.get(path).get_data(as_text=True)


def test_a_vehicle_report_names_the_vehicle_and_what_the_customer_said(db, demo, client):
    order = on_site(db, demo)
    order.description = "左前门关不严，行驶中有异响"
    db.commit()
    finish_by_sms(db, order, technician(db, "ZY-T01").phone)
    report = report_of(db, order)
    assert report.heard == "左前门关不严，行驶中有异响"
    page = client.get(path_of(link_in(sent_to(db, DRIVER, "report_sign")[0].body))).get_data(as_text=True)
    assert "LZYB908DXLZ123332" in page and "ZK6908H" in page
    assert "363350 km" in page  # the registered mileage, the report having no reading of its own
    assert "左前门关不严，行驶中有异响" in page


def test_what_the_customer_said_stays_editable_before_submission(db, demo, client, auth):
    order = on_site(db, demo)
    order.description = "左前门关不严"
    db.commit()
    auth.login("coach.dispatcher", "demo-pass")
    client.post(
        f"/console/orders/{order.reference}/report/fill",
        data={"action": "save", "source": "console_phone", "cause": "铰链螺栓断裂"},
    )
    page = client.get(f"/console/orders/{order.reference}/report").get_data(as_text=True)
    assert ">左前门关不严</textarea>" in page
    client.post(
        f"/console/orders/{order.reference}/report/fill",
        data={"action": "save", "source": "console_phone", "heard": "左前门关不严，雨天漏水"},
    )
    assert report_of(db, order).heard == "左前门关不严，雨天漏水"


def test_the_old_link_of_a_replaced_revision_says_so_and_leads_nowhere(db, demo, client, auth):
    order = on_site(db, demo, language="en")
    finish_by_sms(db, order, technician(db, "ZY-T01").phone)
    old_path = path_of(link_in(sent_to(db, DRIVER, "report_sign")[0].body))
    assert sign(client, old_path).status_code == 302
    auth.login("coach.supervisor", "demo-pass")
    client.post(f"/console/orders/{order.reference}/report/return", data={"reason": "缺少旧件照片"})
    client.post(
        f"/console/orders/{order.reference}/report/fill",
        data={"action": "submit", "source": "console_phone", "advice": "定期检查铰链"},
    )
    auth.logout()
    new_link = link_in(sent_to(db, DRIVER, "report_sign")[-1].body)
    assert path_of(new_link) != old_path

    page = client.get(old_path).get_data(as_text=True)
    assert "replaced by revision 2" in page and "you receive its link by SMS" in page
    assert "Signed by 王师傅" in page  # the old signature stays as it was
    assert path_of(new_link) not in page and "/t/" not in page
    assert 'id="sign-form"' not in page

    # The new revision's own link shows no such note.
    assert "replaced by revision" not in client.get(path_of(new_link)).get_data(as_text=True)
