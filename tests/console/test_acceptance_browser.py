"""The console's acceptance flow in a real browser, in English and in Chinese: a call for a water
leak taken on the phone-in page by typing a gazetteer address, the promised time, the order in
the queue and on the map, the top candidate assigned by hand, and the technician's "Y <code>"
through the SMS simulator turning it to accepted on another open console page without a reload."""

from __future__ import annotations

import re
import threading

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from dispatch.orders.models import WorkOrder
from tests.console.test_browser import LATIN_OK, _login, browser  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser

#: The address typed letter by letter, and what the caller said (data, not labels).
ADDRESS = "汉桑路"
SAID = "汉桑路水管爆了，水漫到路上"


@pytest.fixture
def server(make_app):
    app = make_app(
        WTF_CSRF_ENABLED=True,
        ASSIGN_AUTO_DISPATCH=False,
        CONSOLE_SSE_LIFETIME_S=30,
        CONSOLE_POLL_INTERVAL_S=0.3,
    )
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(timeout=10)


def _untranslated(page, *data: str) -> set[str]:
    text = page.locator("body").inner_text()
    for item in data:
        text = text.replace(item, " ")
    return set(re.findall(r"[A-Za-z]{3,}", text)) - LATIN_OK


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_phone_in_to_accepted_by_sms(browser, server, db, county, locale):  # noqa: F811
    from playwright.sync_api import expect

    zh = locale == "zh-CN"
    seen: list[tuple[str, set[str]]] = []

    def check(page, *data):
        page.wait_for_load_state("networkidle")
        if zh:
            seen.append((page.url, _untranslated(page, *data)))

    context, page = _login(browser, server, "disp", locale=locale)
    page.goto(f"{server}/intake/phone")
    page.select_option("select[name=type_code]", "water_leak")
    deadline = page.locator("#type-deadlines li.deadline[data-milestone=resolve]")
    deadline.wait_for()
    assert re.search(r"\d\d-\d\d \d\d:\d\d", deadline.inner_text())
    assert ("解决" if zh else "resolved") in page.locator("#type-deadlines").inner_text() or deadline.count()
    check(page)
    page.fill("input[name=reporter_phone]", "+8613812345678")
    page.fill("textarea[name=description]", SAID)
    address = page.locator("input[name=address]")
    address.press_sequentially(ADDRESS[:2], delay=50)
    # Waits by locator, not by a JavaScript string: the pages' CSP allows no eval.
    page.locator("#place-list option").first.wait_for(state="attached")
    assert page.locator("#place-list option[value='汉桑路']").count() == 1
    address.press_sequentially(ADDRESS[2:], delay=50)  # the suggestion taken: the pin follows
    expect(page.locator("input[name=lat]")).not_to_have_value("")
    page.locator("#phone-map .leaflet-marker-icon:not(.site-icon)").wait_for()
    page.click("#phone-form button[type=submit]")
    page.locator("#promised").wait_for()
    promised = page.locator("#tell-caller").inner_text()
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d", promised)
    check(page, SAID, ADDRESS)

    db.rollback()
    order = db.scalar(sa.select(WorkOrder).where(WorkOrder.org_id == county.org.id))
    assert order.reference in promised and order.lat is not None

    page.goto(f"{server}/console/")
    row = page.locator(f"#row-{order.reference}")
    row.wait_for()
    expect(row.locator(".countdown")).not_to_have_text("")
    assert re.fullmatch(r"\+?\d+:\d\d:\d\d", row.locator(".countdown").inner_text())
    check(page, SAID, ADDRESS, county.tech.name)

    page.goto(f"{server}/console/map")
    page.wait_for_selector(".order-marker", state="attached")
    check(page)

    # A second console page, open before the technician answers.
    watcher = context.new_page()
    watcher.goto(f"{server}/console/")
    watcher.wait_for_selector("#live-dot.on", state="attached")

    page.goto(f"{server}/console/orders/{order.reference}")
    check(page, SAID, ADDRESS, county.tech.name, order.reference)
    top = page.locator("#candidates .assign-candidate").first
    assert county.tech.name in top.inner_text()
    top.click()
    page.wait_for_load_state("networkidle")
    db.rollback()
    order = db.get(WorkOrder, order.id)
    assert order.status.value == "offered" and order.job_code

    page.goto(f"{server}/console/sms/simulator")
    page.check("input[name=sender_kind][value=technician]")
    page.select_option("select[name=technician]", str(county.tech.id))
    page.fill("textarea[name=body]", f"Y {order.job_code}")
    page.click("form:has(textarea[name=body]) button[type=submit]")
    page.wait_for_load_state("networkidle")
    check(page, SAID, ADDRESS, county.tech.name, order.reference, f"Y {order.job_code}")

    # The other page follows without a reload.
    watcher.locator(f"#row-{order.reference} .status.s-accepted").wait_for(timeout=15_000)
    context.close()
    for url, words in seen:
        assert not words, f"{url}: untranslated {sorted(words)}"
