"""The JSON API: reports in and out with X-API-Key, Idempotency-Key, one error shape."""

from __future__ import annotations

import sqlalchemy as sa

from dispatch.auth.service import create_api_key
from dispatch.intake.models import IdempotentPost
from dispatch.orders.models import Event, WorkOrder
from dispatch.sms.models import OutboxMessage


def counts(db):
    db.rollback()
    return tuple(
        db.scalar(sa.select(sa.func.count()).select_from(m)) for m in (WorkOrder, Event, OutboxMessage)
    )


def setup_key(db, demo, org="xinye"):
    key = create_api_key(db, demo.orgs[org], "integration")
    db.commit()
    return {"X-API-Key": key}


BODY = {"service_code": "water_leak", "address": "书院路与新华路交叉口", "reporter_phone": "13812345678"}


def test_post_then_get(client, db, demo):
    headers = setup_key(db, demo)
    response = client.post("/api/v1/reports", json=BODY, headers=headers)
    assert response.status_code == 201, response.get_json()
    report = response.get_json()
    assert report["status"] == "queued" and report["location"]["source"] == "gazetteer"
    assert report["expected_at"] and report["acknowledgement"]["via"] == "sms"
    assert {m["name"] for m in report["milestones"]} == {"arrive", "resolve"}
    again = client.get(f"/api/v1/reports/{report['reference']}", headers=headers)
    assert again.status_code == 200 and again.get_json() == report


def test_another_organisations_report_is_not_found(client, db, demo):
    county = setup_key(db, demo)
    coach = setup_key(db, demo, "zycoach")
    reference = client.post("/api/v1/reports", json=BODY, headers=county).get_json()["reference"]
    response = client.get(f"/api/v1/reports/{reference}", headers=coach)
    assert response.status_code == 404 and response.get_json()["code"] == 404


def test_idempotency_key_same_body_same_answer_nothing_new(client, db, demo):
    headers = {**setup_key(db, demo), "Idempotency-Key": "retry-1"}
    first = client.post("/api/v1/reports", json=BODY, headers=headers)
    before = counts(db)
    second = client.post("/api/v1/reports", json=BODY, headers=headers)
    assert second.status_code == 201 and second.get_json() == first.get_json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert counts(db) == before
    assert db.scalar(sa.select(sa.func.count(IdempotentPost.id))) == 1


def test_idempotency_key_with_another_body_is_422(client, db, demo):
    headers = {**setup_key(db, demo), "Idempotency-Key": "retry-2"}
    client.post("/api/v1/reports", json=BODY, headers=headers)
    before = counts(db)
    response = client.post("/api/v1/reports", json={**BODY, "description": "other"}, headers=headers)
    assert response.status_code == 422 and "Idempotency-Key" in response.get_json()["message"]
    assert counts(db) == before


def test_bad_input_one_error_shape_nothing_written(client, db, demo):
    headers = setup_key(db, demo)
    cases = [
        ({}, 422, "service_code"),
        ({**BODY, "service_code": "vehicle_body_fault"}, 400, "type_code"),
        ({**BODY, "lat": 95, "lon": 112}, 422, "lat"),
        ({**BODY, "lat": "north", "lon": 112}, 422, "lat"),
        ({**BODY, "description": "x" * 10_000}, 422, "description"),
        ({**BODY, "reporter_phone": "12345"}, 400, "phone"),
        ({**BODY, "address": "就在我家那边"}, 400, "address"),
        ({**BODY, "media_url": "javascript:alert(1)"}, 422, "media_url"),
    ]
    before = counts(db)
    for body, status, field in cases:
        response = client.post("/api/v1/reports", json=body, headers=headers)
        assert response.status_code == status, (body, response.get_json())
        error = response.get_json()
        assert error["code"] == status and error["message"], body
        assert field in error.get("errors", {}), (body, error)
    assert counts(db) == before


def test_missing_wrong_or_revoked_keys_are_401(client, db, demo):
    for headers in ({}, {"X-API-Key": "dk_nope"}):
        response = client.post("/api/v1/reports", json=BODY, headers=headers)
        assert response.status_code == 401 and response.get_json()["status"] == "Unauthorized"
        assert client.get("/api/v1/reports/WO-2026-000001", headers=headers).status_code == 401
    from dispatch import clock
    from dispatch.auth.models import ApiKey

    headers = setup_key(db, demo)
    db.scalar(sa.select(ApiKey)).revoked_at = clock.now()
    db.commit()
    assert client.post("/api/v1/reports", json=BODY, headers=headers).status_code == 401


def test_html_is_stored_as_given_and_returned_as_data(client, db, demo):
    headers = setup_key(db, demo)
    text = "<script>alert(1)</script>"
    response = client.post("/api/v1/reports", json={**BODY, "description": text}, headers=headers)
    db.rollback()
    order = db.scalar(sa.select(WorkOrder).where(WorkOrder.reference == response.get_json()["reference"]))
    assert order.description == text
    assert response.mimetype == "application/json"


def test_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert {"/api/v1/reports", "/api/v1/reports/{reference}"} <= set(spec["paths"])
    assert spec["components"]["securitySchemes"]["ApiKey"]["name"] == "X-API-Key"
