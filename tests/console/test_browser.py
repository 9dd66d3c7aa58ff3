"""The console in a real browser: Debian's Chromium through Playwright, against a real threaded
server on a free port and the test database. Skipped (saying why) where Chromium or Playwright
is missing — except under CI=true, where a missing browser fails."""

from __future__ import annotations

import os
import re
import shutil
import threading

import pytest
from werkzeug.serving import make_server

from dispatch.orders.lifecycle import Actor, transition
from tests.console.conftest import placed_order

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
#: Latin words allowed on a Chinese page: the brand, the language switch, map attribution, units.
LATIN_OK = {"dispatch", "English", "Leaflet", "km"}


@pytest.fixture(scope="module")
def browser():
    reason = None
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        reason = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        reason = reason or "Playwright is not installed (pip install -e '.[dev]')"
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"browser tests must run under CI: {reason}")
        pytest.skip(reason)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def server(make_app):
    app = make_app(WTF_CSRF_ENABLED=True, CONSOLE_SSE_LIFETIME_S=20, CONSOLE_POLL_INTERVAL_S=0.3)
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def orders(db, county):
    leak = placed_order(
        county.org,
        reporter_phone="+8613812345678",
        address="新华路12号",
        description="<script>window.__xss=1</script>",
    )
    transition(db, leak, "queue", Actor.system())
    accident = placed_order(county.org, type_code="safety_accident", address="汉桑路", description="井盖塌陷")
    db.commit()
    return leak, accident


def _login(browser, server, username, locale="en-US"):
    context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{server}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "password123")
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r".*/console/.*"))
    return context, page


def _forms_without_csrf(page) -> int:
    return page.eval_on_selector_all(
        "form[method=post]", "fs => fs.filter(f => !f.querySelector('input[name=csrf_token]')).length"
    )


def test_queue_map_and_work_order(browser, server, orders):
    from playwright.sync_api import expect

    leak, accident = orders
    context, page = _login(browser, server, "disp")
    row = page.locator(f"#row-{accident.reference}")
    row.wait_for()
    expect(page.locator(".countdown").first).not_to_have_text("")  # no JS string: the CSP allows no eval
    assert re.fullmatch(r"\+?\d+:\d\d:\d\d", row.locator(".countdown").inner_text())
    assert page.locator(f"#row-{leak.reference}").is_visible()
    assert _forms_without_csrf(page) == 0

    page.goto(f"{server}/console/map")
    page.wait_for_selector(".order-marker, .marker-cluster", state="attached")
    page.wait_for_selector(".site-icon", state="attached")
    assert page.locator(".leaflet-overlay-pane path").count() >= 1  # outlines / order markers

    page.goto(f"{server}/console/orders/{leak.reference}")
    milestones = page.locator("#milestones").inner_text()
    assert "on site" in milestones and "resolved" in milestones
    # What a citizen typed is text, never markup.
    assert "<script>window.__xss=1</script>" in page.locator(".facts").inner_text()
    assert page.evaluate("window.__xss") is None
    assert _forms_without_csrf(page) == 0
    context.close()


def test_a_change_in_another_session_appears_without_reload(browser, server, orders):
    leak, _ = orders
    context, watcher = _login(browser, server, "disp")
    watcher.goto(f"{server}/console/")
    watcher.wait_for_selector("#live-dot.on", state="attached")
    order_page = context.new_page()
    order_page.goto(f"{server}/console/orders/{leak.reference}")
    order_page.wait_for_selector("#live-dot.on", state="attached")

    other, actor_page = _login(browser, server, "adm")
    actor_page.goto(f"{server}/console/orders/{leak.reference}")
    actor_page.fill(".slot-communication textarea[name=body]", "维修人员已出发")
    actor_page.click(".slot-communication form:has(textarea[name=body]) button")
    actor_page.fill(".slot-lifecycle form:has(input[value=hold]) input[name=note]", "等待道路许可")
    actor_page.click(".slot-lifecycle form:has(input[value=hold]) button")
    actor_page.wait_for_selector("text=on hold")

    # The open pages follow without a reload: the queue row's status, the order's SMS thread.
    watcher.locator(f"#row-{leak.reference} .status.s-on_hold").wait_for(timeout=10_000)
    order_page.locator("#sms-thread", has_text="维修人员已出发").wait_for(timeout=10_000)
    order_page.locator("#order-status.s-on_hold").wait_for(timeout=10_000)
    other.close()
    context.close()


def test_the_chinese_pages_have_no_untranslated_english(browser, server, orders):
    leak, _ = orders
    context, page = _login(browser, server, "disp", locale="zh-CN")
    for path in ("/console/", "/console/map", f"/console/orders/{leak.reference}", "/console/technicians"):
        page.goto(f"{server}{path}")
        page.wait_for_load_state("networkidle")
        text = page.locator("body").inner_text()
        words = set(re.findall(r"[A-Za-z]{3,}", text)) - LATIN_OK
        words -= {w for w in words if w in leak.description}
        assert not words, f"{path}: untranslated {sorted(words)}"
    assert "时限" in page.content() or "维修人员" in page.content()
    context.close()


def test_other_organisations_and_other_roles_are_kept_out(browser, server, orders):
    leak, _ = orders
    context, page = _login(browser, server, "stranger")
    response = page.goto(f"{server}/console/orders/{leak.reference}")
    assert response.status == 404 and "新华路" not in page.content()
    assert leak.reference not in page.goto(f"{server}/console/").text()
    context.close()
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    page.goto(f"{server}/login")
    page.fill("input[name=username]", "ware")
    page.fill("input[name=password]", "password123")
    page.click("main form button[type=submit]")
    assert page.goto(f"{server}/console/map").status == 403
    context.close()


def test_filtering_the_queue_updates_its_count(browser, server, orders, db, county):
    from playwright.sync_api import expect

    from tests.factories import make_technician

    leak, _ = orders
    gao = make_technician(county.org, name="高峰")
    held = placed_order(county.org, assignee_id=gao.id, address="书院路")
    db.commit()
    context, page = _login(browser, server, "disp")
    expect(page.locator("#queue-count")).to_have_text("3")
    page.select_option("select[name=technician]", str(gao.id))
    page.click("form.filters button[type=submit]")
    page.locator(f"#row-{leak.reference}").wait_for(state="detached")
    assert page.locator(f"#row-{held.reference}").is_visible()
    expect(page.locator("#queue-count")).to_have_text("1")
    context.close()
