"""The public web form: CSRF, both languages, a pin, errors on the form, rate limits."""

from __future__ import annotations

import re

import sqlalchemy as sa

from dispatch.orders.models import Channel, Status, WorkOrder


def token(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def test_a_citizen_reports_with_a_pin_and_gets_one_acknowledgement(make_app, demo, outbox_of, db):
    app = make_app(WTF_CSRF_ENABLED=True, ASSIGN_AUTO_DISPATCH=False)
    client = app.test_client()
    page = client.get("/report?org=xinye", headers={"Accept-Language": "en"})
    assert page.status_code == 200 and "Use my location" in page.get_data(as_text=True)
    html = page.get_data(as_text=True)
    assert 'name="viewport"' in html and "xinye:water_leak" in html
    response = client.post(
        "/report",
        data={
            "csrf_token": token(html),
            "service": "xinye:sewer_overflow",
            "description": "Sewage over the pavement",
            "lat": "32.5282",
            "lon": "112.3615",
            "reporter_phone": "13812345678",
        },
        headers={"Accept-Language": "en"},
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "Report received" in text
    db.rollback()
    order = db.scalar(sa.select(WorkOrder))
    assert order.channel is Channel.WEB and order.status is Status.QUEUED
    assert order.location_source == "pin" and order.reporter_language == "en"
    assert order.reference in text
    assert [m.kind for m in outbox_of()] == ["ack"]
    assert "Sewer overflow" in outbox_of()[0].body


def test_without_the_csrf_token_nothing_is_taken(make_app, demo, db):
    client = make_app(WTF_CSRF_ENABLED=True, ASSIGN_AUTO_DISPATCH=False).test_client()
    response = client.post("/report", data={"service": "xinye:water_leak", "address": "书院路"})
    assert response.status_code == 400
    db.rollback()
    assert db.scalar(sa.select(sa.func.count(WorkOrder.id))) == 0


def test_the_form_in_chinese(client, demo):
    html = client.get("/report?org=xinye", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "反映问题" in html and "供水管网跑冒滴漏" in html


def test_bad_input_is_shown_on_the_form_and_nothing_is_written(client, demo, db):
    cases = [
        ({"service": ""}, "service"),
        ({"service": "xinye:no_such"}, "service"),
        ({"service": "nowhere:water_leak"}, "service"),
        ({"lat": "95", "lon": "112"}, "Latitude"),
        ({"service": "xinye:permit_drawing_review"}, "service"),
        ({"service": "zycoach:water_leak"}, "service"),
        ({"lat": "north", "lon": "112"}, "Not a number"),
        ({"description": "x" * 10_000}, "4000"),
        ({"reporter_phone": "12345"}, "not a valid phone number"),
    ]
    for values, words in cases:
        data = {"service": "xinye:water_leak", "address": "书院路", **values}
        response = client.post("/report", data=data, headers={"Accept-Language": "en"})
        assert response.status_code == 400, values
        html = response.get_data(as_text=True)
        assert "field-error" in html, values
        assert words.lower() in html.lower() or words == "service", (values, words)
    db.rollback()
    assert db.scalar(sa.select(sa.func.count(WorkOrder.id))) == 0


def test_an_address_nobody_can_place_waits_for_a_pin(client, demo, db):
    response = client.post(
        "/report",
        data={"service": "xinye:road_damage", "address": "就在我家那边"},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 200
    assert "could not find the place" in response.get_data(as_text=True)
    db.rollback()
    assert db.scalar(sa.select(WorkOrder.status)) is Status.NEEDS_LOCATION


def test_html_is_shown_escaped(client, demo, db):
    data = {"service": "xinye:water_leak", "address": "书院路", "reporter_name": "<script>alert(1)</script>"}
    client.post("/report", data=data)
    db.rollback()
    order = db.scalar(sa.select(WorkOrder))
    assert order.reporter_name == "<script>alert(1)</script>"
    error = client.post("/report", data={**data, "lat": "<script>x</script>"}).get_data(as_text=True)
    assert "<script>x</script>" not in error


def test_posts_are_rate_limited(make_app, demo):
    client = make_app(RATELIMIT_ENABLED=True, INTAKE_WEB_FORM_LIMIT="2 per minute").test_client()
    data = {"service": "xinye:water_leak", "address": "书院路"}
    statuses = [client.post("/report", data=data).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert client.get("/report").status_code == 200


def test_a_phones_location_is_recorded_as_such_and_named_after_the_nearest_place(make_app, demo, db):
    app = make_app(ASSIGN_AUTO_DISPATCH=False)
    client = app.test_client()
    response = client.post(
        "/report",
        data={
            "service": "xinye:sewer_overflow",
            "lat": "32.5236",
            "lon": "112.3575",
            "place_source": "device",
        },
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 200
    db.rollback()
    order = db.scalar(sa.select(WorkOrder))
    assert (order.location_source, order.location_precision) == ("device", "device")
    assert order.address and not order.address[0].isdigit()


def test_the_organisation_comes_first_and_only_its_public_types_are_offered(client, demo):
    chooser = client.get("/report", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "/report?org=xinye" in chooser and "/report?org=zycoach" in chooser
    assert "xinye:water_leak" not in chooser  # nothing mixed before the choice
    county = client.get("/report?org=xinye", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "xinye:water_leak" in county and "zycoach:" not in county
    assert "permit_drawing_review" not in county and "completion_acceptance" not in county
    assert 'name="vin"' not in county
    coach = client.get("/report?org=zycoach", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "zycoach:vehicle_body_fault" in coach and "xinye:" not in coach
    assert 'name="vin"' in coach


def test_a_pin_on_a_map_instead_of_latitude_and_longitude_fields(client, demo):
    html = client.get("/report?org=xinye", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'id="report-map"' in html and "js/report.js" in html
    assert 'type="hidden"' in re.search(r'<input[^>]*name="lat"[^>]*>', html).group(0)
    assert "<script>" not in html.replace("<script src=", "")  # no inline script
    area = client.get("/report/area.json?org=xinye").get_json()
    assert area["areas"]["features"] and area["sites"] and all(s["name"] for s in area["sites"])


def test_a_site_for_one_organisation_goes_straight_to_its_form(make_app, demo):
    client = make_app(INTAKE_PUBLIC_ORG="zycoach").test_client()
    html = client.get("/report", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "zycoach:vehicle_body_fault" in html and "another organisation" not in html
    assert "xinye:" not in html  # the county's types are not this site's


def test_a_coach_owner_reports_by_vin(client, demo, db):
    from dispatch.geo.models import AssetKind, Customer

    coach = db.scalar(sa.select(Customer).where(Customer.kind == AssetKind.VEHICLE).limit(1))
    response = client.post(
        "/report",
        data={"service": "zycoach:vehicle_body_fault", "vin": coach.account.lower(), "description": "door"},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    db.rollback()
    order = db.scalar(sa.select(WorkOrder))
    assert order.lat == coach.lat and order.lon == coach.lon


def test_the_public_finds_the_form_and_the_logo_does_not_lead_to_the_staff_login(client, demo):
    landing = client.get("/", headers={"Accept-Language": "en"})
    html = landing.get_data(as_text=True)
    assert landing.status_code == 200 and 'href="/report"' in html
    login = client.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'href="/report"' in login
    form = client.get("/report?org=xinye", headers={"Accept-Language": "en"}).get_data(as_text=True)
    brand = re.search(r'<a class="brand" href="([^"]+)"', form).group(1)
    assert brand == "/" and client.get(brand).status_code == 200
