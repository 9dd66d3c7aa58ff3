"""The KPI dashboard: supervisors and administrators only; every figure leads to its orders."""

from __future__ import annotations

import pytest

from dispatch import clock
from dispatch.auth.models import Role
from dispatch.extensions import db
from tests.factories import make_org, make_user
from tests.kpi.helpers import at, november

NOVEMBER = "from=2026-11-01&to=2026-11-30"


@pytest.fixture
def county(app):
    org = make_org("xinye")
    orders = november(org)
    for role in Role:
        make_user(org, role, username=role.value)
    db.session.commit()
    clock.freeze(at("2026-12-01T12:00"))
    return orders


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.ADMIN])
def test_supervisors_see_the_three_kpis_against_their_targets(county, client, auth, role):
    auth.login(role.value)
    page = client.get(f"/kpi/?{NOVEMBER}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Service timeliness" in page and "50.0 %" in page and "≥ 90.0 %" in page
    assert "66.7 %" in page and "≥ 85.0 %" in page
    assert "25.0 %" in page and "&lt; 3.0 %" in page
    assert "How each figure is counted" in page
    assert "<script>" not in page  # the charts' code comes from static/js/kpi.js


def test_the_dashboard_speaks_chinese_too(county, client, auth):
    auth.login("supervisor")
    page = client.get(f"/kpi/?{NOVEMBER}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "服务及时率" in page and "客户满意率" in page


@pytest.mark.parametrize("role", [Role.DISPATCHER, Role.TECHNICIAN, Role.WAREHOUSE])
def test_others_get_403(county, client, auth, role):
    auth.login(role.value)
    assert client.get(f"/kpi/?{NOVEMBER}").status_code == 403
    assert client.get(f"/kpi/orders?kpi=timeliness&part=missed&{NOVEMBER}").status_code == 403


def test_a_figure_leads_to_the_orders_behind_it(county, client, auth):
    auth.login("supervisor")
    page = client.get(f"/kpi/orders?kpi=timeliness&part=missed&{NOVEMBER}").get_data(as_text=True)
    expected = {county[k].reference for k in ("a", "b", "g")}
    left_out = {county[k].reference for k in ("c", "d", "e", "h", "k")}
    assert all(ref in page for ref in expected)
    assert not any(ref in page for ref in left_out)


def test_the_breakdown_links_narrow_to_one_row(county, client, auth):
    auth.login("supervisor")
    page = client.get(f"/kpi/orders?kpi=complaint_rate&part=denominator&dim=type&key=water_leak&{NOVEMBER}")
    text = page.get_data(as_text=True)
    assert all(county[k].reference in text for k in ("a", "b", "c", "f"))
    assert county["k"].reference not in text


def test_breaches_and_moved_deadlines_are_listed(county, client, auth):
    auth.login("supervisor")
    page = client.get(f"/kpi/?{NOVEMBER}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    breaches = page.split('id="kpi-breaches"')[1].split("</table>")[0]
    assert county["a"].reference in breaches and county["g"].reference in breaches
    assert county["c"].reference not in breaches


@pytest.mark.parametrize("dim", ["type", "zone", "depot", "technician"])
def test_every_breakdown_shows(county, client, auth, dim):
    auth.login("supervisor")
    page = client.get(f"/kpi/?{NOVEMBER}&dim={dim}", headers={"Accept-Language": "en"})
    assert page.status_code == 200 and 'id="kpi-breakdown"' in page.get_data(as_text=True)


def test_upheld_complaints_with_no_completed_orders_are_not_called_nothing_to_count(county, client, auth):
    # 11 November: the upheld service-conduct complaint about A is received; no order closes.
    auth.login("supervisor")
    page = client.get("/kpi/?from=2026-11-11&to=2026-11-11", headers={"Accept-Language": "en"})
    row = page.get_data(as_text=True).split('id="kpi-complaint_rate"', 1)[1].split("</tr>", 1)[0]
    assert "nothing to count" not in row
    assert "1 upheld complaint, no completed orders in the period to rate it against" in row
