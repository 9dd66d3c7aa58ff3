"""In Chromium: a supervisor opens the KPI dashboard, reads the three KPIs against their targets
in English and in Chinese, clicks a figure and lands on the orders behind it; a dispatcher
cannot open it. The page runs under the Content-Security-Policy without a violation."""

from __future__ import annotations

import re

import pytest

from tests.console.test_browser import browser, server  # noqa: F401  (fixtures)
from tests.kpi.test_dashboard import county  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser

NOVEMBER = "/kpi/?from=2026-11-01&to=2026-11-30"


def _login(browser, server, username):  # noqa: F811
    """Log in with the console's live feed kept closed: it is not what is tested here, and so no
    server thread holds a database connection past the test."""
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    context.route(re.compile(r".*/console/live.*"), lambda route: route.abort())
    page = context.new_page()
    page.goto(f"{server}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "password123")
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r".*/console/.*"))
    return context, page


def test_a_supervisor_reads_the_kpis_and_follows_a_figure(browser, server, county):  # noqa: F811
    from playwright.sync_api import expect

    context, page = _login(browser, server, "supervisor")
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(f"{server}{NOVEMBER}")
    expect(page.locator("#kpi-timeliness .value")).to_have_text("50.0 %")
    expect(page.locator("#kpi-timeliness .target")).to_have_text("≥ 90.0 %")
    expect(page.locator("#kpi-satisfaction .value")).to_have_text("66.7 %")
    expect(page.locator("#kpi-complaint_rate .value")).to_have_text("25.0 %")
    expect(page.locator("#kpi-complaint_rate .target")).to_have_text("< 3.0 %")
    expect(page.locator("canvas.kpi-chart")).to_have_count(3)

    page.locator("form.lang button").click()
    expect(page.locator("h1")).to_have_text("考核指标")
    expect(page.locator("#kpi-timeliness th")).to_have_text("服务及时率")
    expect(page.locator("#kpi-timeliness .value")).to_have_text("50.0 %")

    page.locator("#kpi-timeliness a.drill[data-part=denominator]").click()
    page.wait_for_url(re.compile(r".*/kpi/orders\?.*kpi=timeliness.*"))
    rows = page.locator("#kpi-orders tbody tr")
    expect(rows.filter(has_text=county["a"].reference)).to_have_count(1)
    expect(rows.filter(has_text=county["d"].reference)).to_have_count(0)
    context.close()
    assert violations == []


def test_a_dispatcher_cannot_open_it(browser, server, county):  # noqa: F811
    context, page = _login(browser, server, "dispatcher")
    response = page.goto(f"{server}{NOVEMBER}")
    assert response.status == 403
    context.close()
