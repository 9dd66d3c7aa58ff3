"""Open311 GeoReport v2, as a client written from the specification sees it — JSON and XML.

Every JSON answer is validated against the Open311 JSON Schemas in ../shared/open311/ (or
$OPEN311_SCHEMAS); those tests skip, saying why, where the schemas are absent.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
import sqlalchemy as sa
from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from dispatch import clock
from dispatch.auth.models import ApiKey
from dispatch.auth.service import create_api_key
from dispatch.intake.models import ReportIntake
from dispatch.orders.models import Event, Milestone, WorkOrder
from dispatch.sms.models import OutboxMessage

ROOT = Path(__file__).resolve().parents[2]


def schema_dir() -> Path | None:
    for candidate in (os.environ.get("OPEN311_SCHEMAS"), ROOT.parent / "shared" / "open311"):
        if candidate and (Path(candidate) / "request.json").exists():
            return Path(candidate)
    return None


SCHEMAS = schema_dir()
needs_schemas = pytest.mark.skipif(
    SCHEMAS is None, reason="Open311 JSON Schemas not found (../shared/open311 or $OPEN311_SCHEMAS)"
)


def validate(name: str, document) -> None:
    """Validate ``document`` against ``name`` (services.json, requests.json, …)."""
    if SCHEMAS is None:
        return
    resources = [
        (p.name, Resource.from_contents(json.loads(p.read_text()), default_specification=DRAFT7))
        for p in SCHEMAS.glob("*.json")
        if p.name != "swagger.json"
    ]
    registry = Registry().with_resources(resources)
    schema = json.loads((SCHEMAS / name).read_text())
    errors = list(Draft7Validator(schema, registry=registry).iter_errors(document))
    assert not errors, [e.message for e in errors]


@pytest.fixture
def key(db, demo):
    value = create_api_key(db, demo.xinye, "fixmystreet")
    db.commit()
    return value


def post(client, fmt="json", language="en", **values):
    return client.post(f"/open311/v2/requests.{fmt}", data=values, headers={"Accept-Language": language})


def counts(db):
    db.rollback()
    return tuple(
        db.scalar(sa.select(sa.func.count()).select_from(m))
        for m in (WorkOrder, Event, Milestone, OutboxMessage, ReportIntake)
    )


@needs_schemas
def test_services_list_and_definitions_validate(client, demo):
    response = client.get("/open311/v2/services.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    services = response.get_json()
    validate("services.json", services)
    codes = {s["service_code"] for s in services}
    assert {"water_leak", "manhole_cover", "vehicle_body_fault", "complaint"} <= codes
    county = client.get("/open311/v2/services.json?jurisdiction_id=xinye.gov.cn").get_json()
    assert "vehicle_body_fault" not in {s["service_code"] for s in county}
    leak = client.get("/open311/v2/services/water_leak.json").get_json()
    validate("service-definition.json", leak)
    assert leak["attributes"][0]["code"] == "severity"
    plain = client.get("/open311/v2/services/manhole_cover.json").get_json()
    validate("service-definition.json", plain)
    assert plain["attributes"] == []


@needs_schemas
def test_post_in_json_then_read_it_back_with_expected_datetime(client, db, demo, key):
    response = post(
        client,
        api_key=key,
        jurisdiction_id="xinye.gov.cn",
        service_code="water_leak",
        lat="32.5282",
        long="112.3615",
        description="Water coming up through the road",
        first_name="Li",
        last_name="Hua",
        phone="13812345678",
        email="li@example.org",
        **{"attribute[severity]": "major"},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    created = response.get_json()
    assert len(created) == 1 and set(created[0]) == {"service_request_id", "service_notice", "account_id"}
    reference = created[0]["service_request_id"]
    assert reference.startswith("WO-") and reference in created[0]["service_notice"]

    one = client.get(f"/open311/v2/requests/{reference}.json")
    assert one.status_code == 200
    documents = one.get_json()
    validate("requests.json", documents)
    request = documents[0]
    assert request["status"] == "open" and request["service_code"] == "water_leak"
    assert request["expected_datetime"] and request["service_notice"] == created[0]["service_notice"]
    db.rollback()
    order = db.scalar(sa.select(WorkOrder).where(WorkOrder.reference == reference))
    resolve = {m.name: m for m in order.milestones}["resolve"]
    assert request["expected_datetime"] == clock.local(resolve.due_at).isoformat(timespec="seconds")
    assert request["expected_datetime"].endswith("+08:00")
    assert order.severity == "major" and order.reporter_phone == "+8613812345678"
    # Contact details are never shown.
    raw = one.get_data(as_text=True)
    for secret in ("13812345678", "li@example.org", "Hua"):
        assert secret not in raw
    # One acknowledgement, by SMS.
    assert [m.kind for m in db.scalars(sa.select(OutboxMessage))] == ["ack"]


def test_post_in_xml_and_read_back_as_an_xml_client_would(client, demo, key):
    response = post(
        client,
        "xml",
        api_key=key,
        service_code="manhole_cover",
        address_string="新野一高东门",
        description="<b>井盖</b>没了 & 很危险",
    )
    assert response.status_code == 200 and response.mimetype == "text/xml"
    root = ET.fromstring(response.data)
    assert root.tag == "service_requests"
    reference = root.find("request/service_request_id").text
    assert root.find("request/service_notice").text
    assert root.find("request/account_id").text is None

    back = ET.fromstring(client.get(f"/open311/v2/requests/{reference}.xml").data)
    request = back.find("request")
    assert request.find("service_request_id").text == reference
    assert request.find("description").text == "<b>井盖</b>没了 & 很危险"  # escaped on the wire
    assert request.find("expected_datetime").text
    assert request.find("address").text == "新野一高东门"
    assert float(request.find("lat").text) and float(request.find("long").text)

    services = ET.fromstring(client.get("/open311/v2/services.xml").data)
    assert services.tag == "services" and services.find("service/service_code").text
    definition = ET.fromstring(client.get("/open311/v2/services/water_leak.xml").data)
    assert definition.tag == "service_definition"
    assert definition.find("attributes/attribute/values/value/key").text == "minor"
    discovery = ET.fromstring(client.get("/open311/v2/discovery.xml").data)
    assert discovery.find("endpoints/endpoint/specification").text == "http://wiki.open311.org/GeoReport_v2"
    formats = [f.text for f in discovery.findall("endpoints/endpoint/formats/format")]
    assert formats == ["text/xml", "application/json"]


@needs_schemas
def test_get_requests_filters(client, db, demo, key):
    references = []
    for code, place in (("water_leak", "书院路"), ("manhole_cover", "县人民医院"), ("water_leak", "王庄镇")):
        references.append(
            post(client, api_key=key, service_code=code, address_string=place).get_json()[0][
                "service_request_id"
            ]
        )
    everything = client.get("/open311/v2/requests.json").get_json()
    validate("requests.json", everything)
    assert {r["service_request_id"] for r in everything} == set(references)
    leaks = client.get("/open311/v2/requests.json?service_code=water_leak").get_json()
    assert {r["service_request_id"] for r in leaks} == {references[0], references[2]}
    two = client.get(
        f"/open311/v2/requests.json?service_request_id={references[0]},{references[1]}"
    ).get_json()
    assert [r["service_request_id"] for r in two] == [references[1], references[0]]
    assert client.get("/open311/v2/requests.json?status=closed").get_json() == []
    assert len(client.get("/open311/v2/requests.json?status=open,closed").get_json()) == 3
    assert client.get("/open311/v2/requests.json?start_date=2099-01-01T00:00:00Z").get_json() == []
    assert client.get("/open311/v2/requests.json?jurisdiction_id=service.zycoach.example").get_json() == []
    for document in everything:
        for field in ("phone", "email", "first_name", "last_name"):
            assert field not in document


def test_jurisdiction_decides_when_two_organisations_offer_a_code(client, db, demo, key):
    response = post(client, api_key=key, service_code="complaint", address_string="书院路")
    assert response.status_code == 400
    assert "jurisdiction_id" in response.get_json()[0]["description"]
    ok = post(
        client, api_key=key, service_code="complaint", jurisdiction_id="xinye.gov.cn", address_string="书院路"
    )
    assert ok.status_code == 200
    # The county's key cannot file with the coach maker.
    other = post(
        client,
        api_key=key,
        service_code="complaint",
        jurisdiction_id="service.zycoach.example",
        address_string="x",
    )
    assert other.status_code == 403


@pytest.mark.parametrize(
    ("values", "status", "words"),
    [
        ({"service_code": ""}, 400, "service_code"),
        ({"service_code": "no_such"}, 400, "service_code"),
        ({"lat": "91", "long": "112"}, 400, "Latitude"),
        ({"lat": "north", "long": "112"}, 400, "lat must be a number"),
        ({"lat": "32.5", "long": "NaN"}, 400, "long must be a number"),
        ({"lat": "32.5"}, 400, "longitude"),
        ({"address_string": ""}, 400, "location is required"),
        ({"address_string": "就在我家那边"}, 400, "could not be found"),
        ({"description": "x" * 10_000}, 400, "too long"),
        ({"phone": "12345"}, 400, "not a valid phone number"),
        ({"api_key": "dk_wrong"}, 403, "api_key"),
        ({"api_key": ""}, 403, "api_key"),
        ({"jurisdiction_id": "nowhere.example"}, 404, "jurisdiction_id"),
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_bad_input_gets_the_specification_s_error_list_and_writes_nothing(
    client, db, key, values, status, words, fmt
):
    before = counts(db)
    form = {"api_key": key, "service_code": "water_leak", "address_string": "书院路", **values}
    response = post(client, fmt, **form)
    assert response.status_code == status
    if fmt == "json":
        errors = response.get_json()
        assert errors[0]["code"] == status and words.lower() in errors[0]["description"].lower()
    else:
        root = ET.fromstring(response.data)
        assert root.tag == "errors" and root.find("error/code").text == str(status)
        assert words.lower() in root.find("error/description").text.lower()
    assert counts(db) == before


def test_a_revoked_key_is_refused(client, db, demo, key):
    db.scalar(sa.select(ApiKey)).revoked_at = clock.now()
    db.commit()
    assert post(client, api_key=key, service_code="water_leak", address_string="书院路").status_code == 403


def test_unknown_ids_and_codes_are_404(client, demo):
    response = client.get("/open311/v2/requests/WO-2026-999999.json")
    assert response.status_code == 404 and response.get_json()[0]["code"] == 404
    assert client.get("/open311/v2/services/no_such.xml").status_code == 404
    assert client.get("/open311/v2/requests.json?start_date=yesterday").status_code == 400


@needs_schemas
def test_discovery_json(client, demo):
    discovery = client.get("/open311/v2/discovery.json").get_json()
    assert discovery["endpoints"][0]["formats"] == ["text/xml", "application/json"]
    assert discovery["endpoints"][0]["url"].endswith("/open311/v2")


def test_the_notice_follows_the_client_s_language(client, demo, key):
    zh = post(client, language="zh-CN", api_key=key, service_code="water_leak", address_string="书院路")
    en = post(client, api_key=key, service_code="manhole_cover", address_string="县人民医院")
    assert "已受理" in zh.get_json()[0]["service_notice"]
    assert "is received" in en.get_json()[0]["service_notice"]
