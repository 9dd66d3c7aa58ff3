"""The signing link through a gateway that sends only templates: the organisation's registered
address and a short single-use code, which opens the same signing page; wrong, expired and used
codes are refused with a clear page, and guessing is limited per address."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from dispatch import clock
from dispatch.reports.models import ReportLink, ReportState
from dispatch.reports.short_codes import ALPHABET, LENGTH, MAX_REFUSED
from tests.reports.helpers import (
    DRIVER,
    finish_by_sms,
    link_in,
    on_site,
    report_of,
    sent_to,
    signature_png,
    technician,
)

CODE = re.compile(rf"https://fw\.zycoach\.example\.cn/s/([{ALPHABET}]{{{LENGTH}}}) ")


@pytest.fixture
def coded(db, demo, app, monkeypatch):
    """A report waiting for the driver's signature, requested through the template gateway."""
    order = on_site(db, demo)
    monkeypatch.setitem(app.config, "SMS_ORG_BACKENDS", "zycoach=tencent")
    finish_by_sms(db, order, technician(db, "ZY-T01").phone)
    [message] = sent_to(db, DRIVER, "report_sign")
    match = CODE.search(message.body)
    assert match, message.body
    return order, message, match.group(1)


def test_the_sms_carries_the_registered_address_and_a_code_not_the_link(db, coded):
    order, message, code = coded
    assert message.template == "report_sign" and message.params["code"] == code
    assert message.body.startswith(f"【中原客车售后】服务报告{order.reference}已生成，请点击 ")
    assert "/r/" not in message.body
    link = db.scalar(sa.select(ReportLink).where(ReportLink.short_code == code))
    assert link.sent_to == DRIVER and link.purpose == "sign"


def test_the_code_opens_the_signing_page_and_signs_once(db, client, coded):
    order, _message, code = coded
    response = client.get(f"/s/{code.lower()}")
    assert response.status_code == 302 and "/r/" in response.headers["Location"]
    signing = response.headers["Location"]
    page = client.get(signing)
    assert page.status_code == 200 and order.reference in page.get_data(as_text=True)
    signed = client.post(
        signing,
        data={"action": "sign", "signature": signature_png(), "name": "王师傅", "rating": "5"},
    )
    assert signed.status_code == 302
    assert report_of(db, order).state is ReportState.SIGNED
    again = client.get(f"/s/{code}")
    assert again.status_code == 403 and "签字码已使用" in again.get_data(as_text=True)


def test_wrong_and_expired_codes_are_refused_with_a_clear_page(client, coded):
    _order, _message, code = coded
    wrong = client.get("/s/" + ("2" if code[0] != "2" else "3") + code[1:])
    assert wrong.status_code == 403 and "签字码无效" in wrong.get_data(as_text=True)
    assert client.get("/s/O0I1L").status_code == 403
    clock.freeze(clock.now() + timedelta(days=4))
    expired = client.get(f"/s/{code}")
    assert expired.status_code == 403 and "签字码已过期" in expired.get_data(as_text=True)


def test_guessing_is_limited_per_address(app, client, coded):
    _order, _message, code = coded
    guesser = app.test_client()
    guesser.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    for n in range(MAX_REFUSED):
        assert guesser.get(f"/s/{str(n + 2) * LENGTH}").status_code == 403
    # From then on even the right code is refused from that address, with the reason…
    blocked = guesser.get(f"/s/{code}")
    assert blocked.status_code == 429 and "次数过多" in blocked.get_data(as_text=True)
    # …while the customer, elsewhere, is not locked out; after the window the address may try again.
    assert client.get(f"/s/{code}").status_code == 302
    clock.freeze(clock.now() + timedelta(minutes=16))
    assert guesser.get(f"/s/{code}").status_code == 302


def test_twilio_and_the_console_keep_the_full_link(db, demo):
    order = on_site(db, demo)
    finish_by_sms(db, order, technician(db, "ZY-T01").phone)
    [message] = sent_to(db, DRIVER, "report_sign")
    assert "/r/" in link_in(message.body) and "code" not in message.params
