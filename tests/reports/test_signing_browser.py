"""Acceptance in a real browser on a phone-sized screen: the technician finishes the job by SMS
through the signed Twilio webhook; the customer opens the link from his SMS, draws a signature
with the mouse, rates and submits; the link reopened shows the signed report and no form; the
PDF from the console carries the reference, the Chinese type name and the stored hash."""

from __future__ import annotations

import io
import re
import threading

import pytest
import requests
from twilio.request_validator import RequestValidator
from werkzeug.serving import make_server

from dispatch.reports.models import ReportState
from tests.console.test_browser import browser  # noqa: F401  (fixture)
from tests.reports.helpers import DRIVER, link_in, on_site, report_of, sent_to, technician

pytestmark = pytest.mark.browser
TOKEN = "twilio-test-token"


@pytest.fixture
def server(make_app):
    app = make_app(WTF_CSRF_ENABLED=True, ASSIGN_AUTO_DISPATCH=False, TWILIO_AUTH_TOKEN=TOKEN)
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    base = f"http://127.0.0.1:{httpd.server_port}"
    app.config["PUBLIC_BASE_URL"] = base
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield base
    httpd.shutdown()
    thread.join(timeout=10)


_sid = iter(range(1, 1000))


def webhook(server: str, sender: str, body: str) -> str:
    """Text as Twilio delivers it: a form post signed for the public URL; returns the TwiML reply."""
    url = f"{server}/sms/inbound"
    form = {"MessageSid": f"SMbrowser{next(_sid):025d}", "From": sender, "To": "+8640060001", "Body": body}
    signature = RequestValidator(TOKEN).compute_signature(url, form)
    response = requests.post(url, data=form, headers={"X-Twilio-Signature": signature}, timeout=30)
    assert response.status_code == 200
    return response.text


def test_customer_signs_on_a_phone_and_the_pdf_matches(browser, server, db, demo):  # noqa: F811
    order = on_site(db, demo)
    tech = technician(db, "ZY-T01")
    assert "ZY-HINGE-01" in webhook(server, tech.phone, "配件 321 ZY-HINGE-01 1")
    reply = webhook(server, tech.phone, "完成 更换左前门铰链")
    assert "原因" in reply and f"{server}/t/" in reply
    webhook(server, tech.phone, "原因 铰链螺栓松动断裂")
    assert "已请客户签字" in webhook(server, tech.phone, "责任 1")
    link = link_in(sent_to(db, DRIVER, "report_sign")[0].body)
    assert link.startswith(server + "/r/")

    context = browser.new_context(
        locale="zh-CN", viewport={"width": 360, "height": 740}, device_scale_factor=2
    )
    page = context.new_page()
    page.goto(link)
    assert "车身故障" in page.locator(".type-name").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    # Submitting an empty canvas is stopped on the page (and would be refused by the server).
    page.fill("#signer-name", "王师傅")
    page.click("#sign-submit")
    assert page.locator("#empty-signature").is_visible()
    pad = page.locator("#signature-pad")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + 100)
    page.mouse.down()
    for x, y in ((60, 40), (110, 120), (160, 50), (220, 110), (280, 60)):
        page.mouse.move(box["x"] + x, box["y"] + y, steps=5)
    page.mouse.up()
    page.check("input[name=rating][value='5']")
    page.fill("textarea[name=comment]", "师傅很专业")
    page.click("#sign-submit")
    page.locator("#signed").wait_for()

    report = report_of(db, order)
    assert report.state is ReportState.SIGNED and report.rating == 5
    assert page.locator("#content-hash").inner_text() == report.content_hash

    page.goto(link)
    assert page.locator("#signed").is_visible() and page.locator("#sign-form").count() == 0
    context.close()

    console = browser.new_context(locale="zh-CN")
    login = console.new_page()
    login.goto(f"{server}/login")
    login.fill("input[name=username]", "coach.supervisor")
    login.fill("input[name=password]", "demo-pass")
    login.click("main form button[type=submit]")
    login.wait_for_load_state("networkidle")
    response = console.request.get(f"{server}/console/orders/{order.reference}/report.pdf")
    assert response.status == 200
    from pypdf import PdfReader

    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages)
    assert order.reference in text and "车身故障" in text
    stored = re.search(r"SHA-256: ([0-9a-f]{64})", text.replace("\n", ""))
    assert stored and stored.group(1) == report.content_hash
    console.close()


def draw(page) -> None:
    pad = page.locator("#signature-pad")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + 100)
    page.mouse.down()
    for x, y in ((60, 40), (110, 120), (160, 50)):
        page.mouse.move(box["x"] + x, box["y"] + y, steps=5)
    page.mouse.up()


def pad_is_blank(page) -> bool:
    return page.evaluate(
        """() => {
        const c = document.getElementById("signature-pad");
        const data = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
        for (let i = 3; i < data.length; i += 4) { if (data[i] !== 0) return false; }
        return true;
    }"""
    )


def test_the_clear_button_shows_and_the_empty_warning_goes_once_signed(browser, server, db, demo):  # noqa: F811
    order = on_site(db, demo, language="en")
    tech = technician(db, "ZY-T01")
    webhook(server, tech.phone, "DONE 321 replaced the door hinge")
    webhook(server, tech.phone, "CAUSE 321 hinge bolt sheared")
    webhook(server, tech.phone, "RESP 321 1")
    link = link_in(sent_to(db, DRIVER, "report_sign")[0].body)
    context = browser.new_context(
        locale="en-US", viewport={"width": 360, "height": 740}, device_scale_factor=2
    )
    page = context.new_page()
    page.goto(link)

    clear = page.locator("#signature-clear")
    clear.scroll_into_view_if_needed()
    assert clear.is_visible()
    colours = clear.evaluate(
        """b => {
        let back = "rgba(0, 0, 0, 0)", node = b;
        while (node && (back === "rgba(0, 0, 0, 0)" || back === "transparent")) {
            back = getComputedStyle(node).backgroundColor; node = node.parentElement;
        }
        return [getComputedStyle(b).color, back];
    }"""
    )
    assert colours[0] != colours[1], colours
    draw(page)
    assert not pad_is_blank(page)
    clear.click()
    assert pad_is_blank(page)

    # Signing an empty pad is stopped with a warning; signing then takes the warning away.
    page.fill("#signer-name", "Wang")
    page.click("#sign-submit")
    assert page.locator("#empty-signature").is_visible()
    draw(page)
    assert not page.locator("#empty-signature").is_visible()

    # The same once the server said it (an empty image sent past the page's own check).
    with page.expect_navigation():
        page.evaluate(
            """() => {
            const blank = document.createElement("canvas");
            document.getElementById("signature-data").value = blank.toDataURL("image/png");
            document.getElementById("sign-form").submit();
        }"""
        )
    error = page.locator("#sign-error")
    assert error.is_visible() and "The signature is empty" in error.inner_text()
    draw(page)
    assert not error.is_visible()
    page.fill("#signer-name", "Wang")
    page.click("#sign-submit")
    page.locator("#signed").wait_for()
    assert report_of(db, order).state is ReportState.SIGNED
    context.close()
