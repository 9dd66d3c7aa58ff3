"""The fast phone-in page: type-ahead of places and customers, the type's deadlines before saving,
and what to tell the caller after saving."""

import sqlalchemy as sa

from dispatch.geo.models import AssetKind, Customer
from dispatch.orders.models import WorkOrder

EN = {"Accept-Language": "en"}


def _customer(db, org, account, holder, **fields):
    db.add(Customer(org_id=org.id, kind=AssetKind.METER, account=account, holder=holder, **fields))


def test_lookup_suggests_gazetteer_places_and_the_organisations_customers(client, auth, db, county):
    _customer(db, county.org, "XY-100234", "李大爷", address="汉桑路8号", lat=32.541, lon=112.36)
    _customer(db, county.other, "XY-100999", "外单位客户", address="汉桑路9号")
    db.commit()
    auth.login("disp")
    data = client.get("/console/phone/lookup?q=汉桑").get_json()
    assert data["places"][0]["name"] == "汉桑路" and data["places"][0]["lat"] > 32
    assert [c["account"] for c in data["customers"]] == ["XY-100234"]
    by_account = client.get("/console/phone/lookup?q=XY-100").get_json()
    assert [c["holder"] for c in by_account["customers"]] == ["李大爷"]
    assert client.get("/console/phone/lookup?q=Hansang").get_json()["places"][0]["name"] == "汉桑路"
    assert client.get("/console/phone/lookup?q=%25").get_json()["customers"] == []
    assert client.get("/console/phone/lookup").get_json() == {"places": [], "customers": []}


def test_the_type_deadlines_before_saving(client, auth, db, county):
    auth.login("disp")
    data = client.get("/console/phone/deadlines?type=water_leak", headers=EN).get_json()
    names = [m["name"] for m in data["milestones"]]
    assert "arrive" in names and "resolve" in names
    assert all(m["label"] and m["local"] for m in data["milestones"] if m["due_at"])
    zh = client.get("/console/phone/deadlines?type=water_leak", headers={"Accept-Language": "zh-CN"})
    assert zh.get_json()["type_name"] == "供水管网跑冒滴漏"
    # Another organisation's type, an unknown one and a bad severity are refused plainly.
    assert client.get("/console/phone/deadlines?type=coach_fault", headers=EN).status_code == 404
    assert client.get("/console/phone/deadlines?type=nope", headers=EN).status_code == 404
    bad = client.get("/console/phone/deadlines?type=water_leak&severity=huge", headers=EN)
    assert bad.status_code == 400


def test_the_endpoints_need_a_console_role(client, auth, db, county):
    auth.login("ware")
    assert client.get("/console/phone/lookup?q=汉桑").status_code == 403
    assert client.get("/console/phone/deadlines?type=water_leak").status_code == 403


def test_the_page_wires_type_ahead_and_after_saving_tells_the_promised_time(client, auth, db, county):
    auth.login("disp")
    page = client.get("/intake/phone", headers=EN).get_data(as_text=True)
    assert 'list="place-list"' in page and 'id="phone-map"' in page and "/console/phone/deadlines" in page
    response = client.post(
        "/intake/phone",
        data={
            "type_code": "water_leak",
            "reporter_phone": "+8613812345678",
            "language": "zh",
            "address": "汉桑路",
            "lat": "32.541012",
            "lon": "112.3606",
            "description": "水管爆了",
        },
        headers=EN,
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    db.rollback()
    order = db.scalar(sa.select(WorkOrder))
    assert order.reference in html and 'id="promised"' in html
