"""The map draws a technician's planned route in a real browser (Chromium through Playwright)."""

from __future__ import annotations

import pytest

from tests.console.test_browser import _login, browser, server  # noqa: F401  (fixtures)
from tests.console.test_plan_display import planned  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser


def test_the_map_draws_his_route_and_marks_the_promise_at_risk(browser, server, planned):  # noqa: F811
    context, page = _login(browser, server, "disp")
    page.goto(f"{server}/console/map")
    page.wait_for_selector("path.tech-route", state="attached")
    assert page.locator("path.tech-route").count() == 1
    # One stop per planned job; the one the plan cannot keep in time is marked.
    assert page.locator("path.route-stop").count() == 3
    assert page.locator("path.route-stop.at-risk").count() == 1
    context.close()
