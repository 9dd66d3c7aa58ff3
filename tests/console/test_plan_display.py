"""Each technician's plan on the console: the planner's order, ETAs and deadlines, promises at
risk and pins — on the technicians page, his own page and the map's data."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from dispatch import clock
from dispatch.plan.models import PlanEntry, PlanPin
from tests.console.conftest import placed_order

ENGLISH = {"Accept-Language": "en"}


@pytest.fixture
def planned(db, county):
    """Three jobs in the technician's plan, written out of order; the second is at risk, the
    third pinned to go first (as a dispatcher would, the planner then puts it first)."""
    now = clock.now()
    orders = [
        placed_order(county.org, lat=32.50 + i * 0.01, lon=112.35, address=f"Plan road {i}") for i in range(3)
    ]
    for position in (2, 0, 1):
        order = orders[position]
        db.add(
            PlanEntry(
                work_order_id=order.id,
                org_id=county.org.id,
                technician_id=county.tech.id,
                position=position,
                eta_at=now + timedelta(minutes=20 * (position + 1)),
                at_risk=position == 1,
            )
        )
    pin = PlanPin(work_order_id=orders[0].id, org_id=county.org.id, technician_id=county.tech.id, first=True)
    db.add(pin)
    db.commit()
    return orders


def _stops(html: str, tech_id: int) -> list[str]:
    cell = re.search(rf'id="plan-{tech_id}">(.*?)</(td|div)>', html, re.S).group(1)
    return re.findall(r'<li class="plan-stop( at-risk)?" data-ref="([^"]+)"', cell)


def test_the_technicians_page_lists_each_plan_in_order_with_risk_and_pins(client, auth, county, planned):
    auth.login("disp")
    html = client.get("/console/technicians", headers=ENGLISH).get_data(as_text=True)
    assert _stops(html, county.tech.id) == [
        ("", planned[0].reference),
        (" at-risk", planned[1].reference),
        ("", planned[2].reference),
    ]
    assert "promise at risk" in html and "pinned first" in html


def test_his_own_page_shows_the_place_of_each_stop(client, auth, county, planned):
    auth.login("disp")
    html = client.get(f"/console/technicians/{county.tech.id}", headers=ENGLISH).get_data(as_text=True)
    assert [ref for _, ref in _stops(html, county.tech.id)] == [o.reference for o in planned]
    assert html.index("Plan road 0") < html.index("Plan road 1") < html.index("Plan road 2")


def test_the_chinese_page_says_it_in_chinese(client, auth, county, planned):
    auth.login("disp")
    html = client.get("/console/technicians", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "承诺" in html and "promise at risk" not in html


def test_the_map_gets_his_route_through_the_plan(client, auth, county, planned):
    auth.login("disp")
    data = client.get("/console/map/data?bbox=112,32.2,112.8,32.9").get_json()
    (tech,) = [t for t in data["technicians"] if t["id"] == county.tech.id]
    assert tech["route"] == [[tech["lat"], tech["lon"]]] + [[o.lat, o.lon] for o in planned]
    assert [s["at_risk"] for s in tech["stops"]] == [False, True, False]
    assert tech["stops"][0]["pin"] == "first"
