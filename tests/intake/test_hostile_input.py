"""Input an outsider sends on purpose: NUL characters, extreme dates, deeply nested JSON, huge
bodies, bodies that are not UTF-8. Every channel refuses them in its own error format — never a
500, never an HTML page to a machine client — and nothing is written."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from dispatch.auth.service import create_api_key
from dispatch.intake.models import CallLog
from dispatch.orders.models import WorkOrder
from tests.intake.test_desk import login


@pytest.fixture
def key(db, demo):
    value = create_api_key(db, demo.xinye, "outsider")
    db.commit()
    return value


def _open311(client, key, **extra):
    values = {
        "api_key": key,
        "jurisdiction_id": "xinye.gov.cn",
        "service_code": "water_leak",
        "lat": "32.5340",
        "long": "112.3560",
        "description": "水管漏水",
    }
    values.update(extra)
    return client.post("/open311/v2/requests.json", data=values)


def _orders(db) -> int:
    db.rollback()
    return db.scalar(sa.select(sa.func.count(WorkOrder.id)))


@pytest.mark.parametrize("field", ["description", "first_name", "address_string", "email"])
def test_a_nul_in_any_open311_field_is_the_specifications_error_list(client, db, key, field):
    response = _open311(client, key, **{field: "bad\x00text"})
    assert response.status_code == 400 and response.mimetype == "application/json"
    [error] = response.get_json()
    assert error["code"] == 400 and "NUL" in error["description"]
    assert _orders(db) == 0


def test_a_nul_in_the_json_api_body_is_the_apis_error(client, db, key):
    body = {"service_code": "water_leak", "lat": 32.534, "lon": 112.356, "description": "漏水\u0000"}
    response = client.post("/api/v1/reports", json=body, headers={"X-API-Key": key})
    assert response.status_code == 400
    assert response.get_json()["code"] == 400 and "NUL" in response.get_json()["message"]
    assert _orders(db) == 0


def test_a_nul_in_the_public_form_is_refused(client, db, demo):
    response = client.post(
        "/report",
        data={
            "type_code": "water_leak",
            "address": "书院路\x00",
            "description": "漏水",
            "reporter_phone": "",
        },
    )
    assert response.status_code == 400 and _orders(db) == 0


@pytest.mark.parametrize(
    "start", ["0001-01-01T00:00:00", "9999-12-31T23:59:59-12:00", "1899-12-31T23:59:59Z"]
)
def test_extreme_open311_dates_are_a_clear_400(client, demo, start):
    response = client.get("/open311/v2/requests.json", query_string={"start_date": start})
    assert response.status_code == 400
    assert "1900" in response.get_json()[0]["description"]


def test_extreme_dates_in_xml_are_the_xml_error_list(client, demo):
    response = client.get("/open311/v2/requests.xml", query_string={"end_date": "0001-01-01T00:00:00"})
    assert response.status_code == 400 and response.mimetype == "text/xml"
    assert b"<errors>" in response.data


@pytest.mark.parametrize("when", ["0001-01-01T00:00", "9999-12-31T23:59"])
def test_the_calls_log_refuses_a_received_date_out_of_range(client, db, demo, when):
    login(client)
    response = client.post(
        "/intake/calls/new",
        data={"kind": "call", "received_at": when, "correspondent": "张三", "subject": "路灯不亮"},
    )
    assert response.status_code == 400
    db.rollback()
    assert db.scalar(sa.select(sa.func.count(CallLog.id))) == 0


def test_deeply_nested_json_is_refused_before_it_is_parsed(client, db, key):
    body = '{"service_code": "water_leak", "description": ' + "[" * 5000 + "]" * 5000 + "}"
    response = client.post(
        "/api/v1/reports",
        data=body,
        content_type="application/json",
        headers={"X-API-Key": key, "Accept-Language": "en"},
    )
    assert response.status_code == 400 and "nested" in response.get_json()["message"]
    shallow = json.dumps({"service_code": "water_leak", "lat": 32.534, "lon": 112.356, "description": "漏水"})
    response = client.post(
        "/api/v1/reports", data=shallow, content_type="application/json", headers={"X-API-Key": key}
    )
    assert response.status_code == 201


def test_a_body_over_the_limit_is_refused_before_it_is_parsed(app, client, db, key):
    big = "x" * (app.config["WEB_MAX_CONTENT_LENGTH"] + 1)
    response = _open311(client, key, description=big)
    assert response.status_code == 413 and response.mimetype == "application/json"
    assert response.get_json()[0]["code"] == 413
    assert client.post("/report", data={"description": big}).status_code == 413
    assert _orders(db) == 0


def test_an_open311_body_that_is_not_utf8_says_so(client, db, key):
    body = f"api_key={key}&jurisdiction_id=xinye.gov.cn&service_code=water_leak&lat=32.534&long=112.356"
    body += "&description=" + "水管漏水".encode("gbk").hex("%", 1).upper().join(["%", ""])
    response = client.post(
        "/open311/v2/requests.json", data=body.encode(), content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    assert "UTF-8" in response.get_json()[0]["description"]
    assert _orders(db) == 0
