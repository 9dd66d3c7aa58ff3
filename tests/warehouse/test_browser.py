"""Receiving a returned part in a real browser: the clerk types (or scans) the part number and
the serial, and the list of old parts still expected back shrinks by one. Debian's Chromium via
Playwright against a real threaded server; skipped (saying why) where Chromium or Playwright is
missing — except under CI=true, where a missing browser fails."""

from __future__ import annotations

import re
import threading

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from dispatch.assign.models import Technician
from dispatch.parts import documents, jobs
from dispatch.parts.catalog import find
from tests.console.test_browser import browser  # noqa: F401  (fixture)
from tests.factories import make_order

pytestmark = pytest.mark.browser


@pytest.fixture
def server(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def two_old_parts_out(demo, db):
    """Two meters fitted on two jobs by one technician: both old meters must come back."""
    org = demo.xinye.id
    tech = db.scalar(sa.select(Technician).where(Technician.code == "XY-T03"))
    meter = find(db, org, "M-3001")
    for serial in ("WM-OLD-1", "WM-OLD-2"):
        order = make_order(demo.xinye, assignee_id=tech.id)
        requisition = documents.request_parts(db, tech, order, [(meter, 1)])
        documents.approve(db, requisition, demo.users["supervisor"])
        documents.issue(db, requisition, demo.users["warehouse"])
        line = jobs.ReportLine(
            "M-3001", 1, old_part_returns=True, serial_removed=serial, serial_fitted="WM-NEW"
        )
        jobs.book_consumption(db, order, [line], report_id=None, technician=tech)
    db.commit()


def test_typing_a_part_number_and_serial_receives_it_and_the_list_shrinks(browser, server, two_old_parts_out):  # noqa: F811
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{server}/login")
    page.fill("input[name=username]", "warehouse")
    page.fill("input[name=password]", "demo-pass")
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r".*/warehouse/$"))

    page.goto(f"{server}/warehouse/returns")
    rows = page.locator("#waiting tbody tr")
    assert rows.count() == 2
    assert page.locator("#part").evaluate("el => el === document.activeElement")
    # A scanner types the part number and presses Enter: the cursor moves on to the serial.
    page.locator("#part").type("m-3001")
    page.keyboard.press("Enter")
    assert page.locator("#serial").evaluate("el => el === document.activeElement")
    page.locator("#serial").type("WM-OLD-2")
    page.keyboard.press("Enter")
    page.wait_for_selector(".flash.ok")
    assert page.locator("#waiting tbody tr").count() == 1
    assert "WM-OLD-1" in page.locator("#waiting").inner_text()
    assert "WM-OLD-2" not in page.locator("#waiting").inner_text()
    tag = page.locator("a[href*='/tag']").get_attribute("href")

    # The same serial again is refused, and the list stays as it is.
    page.fill("#part", "M-3001")
    page.fill("#serial", "WM-OLD-2")
    page.click("#receive-form button[type=submit]")
    assert "已经收过" in page.locator(".flash.error").inner_text()
    assert page.locator("#waiting tbody tr").count() == 1

    # The tag of the part received prints with its QR code, part number and serial.
    page.goto(f"{server}{tag}")
    assert page.locator(".qr svg").count() == 1
    assert "M-3001|WM-OLD-2|" in page.locator("code").inner_text()
    context.close()
