"""Who reaches the console: the organisation's dispatchers, supervisors and admins — nobody else."""

import re

import pytest

from dispatch.console.blueprint import mask_phone
from tests.console.conftest import placed_order

PAGES = [
    "/console/",
    "/console/needs-location",
    "/console/map",
    "/console/map/data?bbox=112,32,113,33",
    "/console/map/sites",
    "/console/technicians",
    "/console/live",
]


@pytest.fixture
def order(db, county):
    order = placed_order(county.org, reporter_phone="+8613812345678")
    db.commit()
    return order


@pytest.mark.parametrize("url", PAGES + ["/console/orders/{ref}", "/console/orders/{ref}/ticket"])
def test_a_warehouse_user_is_refused(client, auth, county, order, url):
    auth.login("ware")
    assert client.get(url.format(ref=order.reference)).status_code == 403


@pytest.mark.parametrize("url", PAGES[:3])
def test_anonymous_users_go_to_the_login(client, county, url):
    assert client.get(url).status_code == 302


def test_another_organisation_sees_nothing_of_ours(client, auth, db, county, order):
    auth.login("stranger")
    assert client.get(f"/console/orders/{order.reference}").status_code == 404
    assert client.get(f"/console/orders/{order.reference}/ticket").status_code == 404
    assert client.get(f"/console/orders/{order.reference}/row").status_code == 404
    assert client.post(f"/console/orders/{order.reference}/note", data={"text": "x"}).status_code == 404
    assert client.get(f"/console/technicians/{county.tech.id}").status_code == 404
    assert (
        client.post(f"/console/technicians/{county.tech.id}/position", data={"lat": 1, "lon": 1}).status_code
        == 404
    )
    assert order.reference not in client.get("/console/").get_data(as_text=True)
    assert client.get("/console/map/data?bbox=112,32,113,33").get_json()["orders"]["total"] == 0


def test_phone_numbers_are_masked_for_admins_only(client, auth, county, order):
    assert mask_phone("+8613812345678", full=False) == "+86138****5678"
    auth.login("adm")
    html = client.get(f"/console/orders/{order.reference}").get_data(as_text=True)
    assert "+86138****5678" in html and "+8613812345678" not in html
    auth.logout()
    auth.login("disp")
    assert "+8613812345678" in client.get(f"/console/orders/{order.reference}").get_data(as_text=True)


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)


@pytest.mark.parametrize(
    "path,data",
    [
        ("/console/orders/{ref}/transition", {"action": "cancel", "note": "x"}),
        ("/console/orders/{ref}/note", {"text": "x"}),
        ("/console/orders/{ref}/message", {"body": "x"}),
        ("/console/orders/{ref}/place", {"lat": "32.6", "lon": "112.4"}),
        ("/console/orders/{ref}/handover", {"to_user": "1", "reason": "x"}),
        ("/console/technicians/{tech}/position", {"lat": "32.6", "lon": "112.4"}),
        ("/console/technicians/{tech}/duty", {"status": "off_duty"}),
        ("/console/technicians/{tech}/substitute", {"substitute": "0"}),
        ("/console/technicians/{tech}/leave", {"until": "2099-01-01T08:00"}),
    ],
)
def test_every_form_needs_its_csrf_token(make_app, db, county, order, path, data):
    client = make_app(WTF_CSRF_ENABLED=True).test_client()
    login = client.get("/login").get_data(as_text=True)
    client.post("/login", data={"username": "disp", "password": "password123", "csrf_token": _token(login)})
    url = path.format(ref=order.reference, tech=county.tech.id)
    assert client.post(url, data=data).status_code == 400
    page = client.get(f"/console/orders/{order.reference}").get_data(as_text=True)
    assert client.post(url, data=dict(data, csrf_token=_token(page))).status_code == 302


def test_technician_page_operations(client, auth, db, county):
    auth.login("disp")
    url = f"/console/technicians/{county.tech.id}"
    assert "张师傅" in client.get("/console/technicians").get_data(as_text=True)
    client.post(url + "/leave", data={"until": "2099-01-01T08:00", "substitute": "0"})
    db.rollback()
    assert county.tech.duty_status.value == "on_leave" and county.tech.leave_until.year == 2099
    response = client.post(
        url + "/leave", data={"until": "2000-01-01T08:00"}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 400
    client.post(url + "/position", data={"lat": "32.61", "lon": "112.41"})
    db.rollback()
    assert county.tech.last_lat == 32.61


def test_another_organisations_order_is_not_found_in_the_readers_language(client, auth, db, county, order):
    auth.login("stranger")
    zh = client.get(f"/console/orders/{order.reference}", headers={"Accept-Language": "zh-CN"})
    assert zh.status_code == 404
    page = zh.get_data(as_text=True)
    assert f"没有工单 {order.reference}。" in page and "No work order" not in page
    en = client.get(f"/console/orders/{order.reference}", headers={"Accept-Language": "en"})
    assert en.status_code == 404 and f"No work order {order.reference}." in en.get_data(as_text=True)
