"""Under the Content-Security-Policy the pages still work in Chromium: no page breaks a rule of it
(an inline script or handler, eval) — the browser reports every violation on the console."""

from __future__ import annotations

import pytest

from tests.console.test_browser import _login, browser, orders, server  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser


def test_no_page_violates_the_content_security_policy(browser, server, orders):  # noqa: F811
    leak, _accident = orders
    context, page = _login(browser, server, "disp")
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    for path in (
        "/console/",
        "/console/map",
        f"/console/orders/{leak.reference}",
        f"/console/orders/{leak.reference}/ticket",
        "/intake/phone",
        "/console/technicians",
        "/account/password",
        "/report",
    ):
        response = page.goto(f"{server}{path}")
        assert response.status < 400, path
        assert "script-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_load_state("load")
    context.close()
    assert violations == []
