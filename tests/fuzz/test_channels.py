"""hypothesis over the other ways in: the public web form, Open311 (posts, queries, raw bodies in
any encoding), the signed SMS webhooks and the console's forms. Whatever arrives, the answer is
never a 500, and a machine client always gets its channel's own error format."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dispatch.auth.models import Role
from tests.factories import make_technician, make_user
from tests.fake_twilio import DEFAULT_AUTH_TOKEN, signed_post
from tests.fuzz.conftest import DATE, FUZZ, NUMBER, TEXT, assert_no_server_error

CODES = st.one_of(st.sampled_from(["water_leak", "manhole_cover", "complaint", "vehicle_body_fault"]), TEXT)
PUBLIC = "https://dispatch.example.cn"
_sids = itertools.count(1)


def test_open311_posts(client, county_key):
    @FUZZ
    @given(
        fields=st.fixed_dictionaries(
            {"service_code": CODES},
            optional={
                "jurisdiction_id": st.one_of(st.just("xinye.gov.cn"), TEXT),
                "lat": NUMBER,
                "long": NUMBER,
                "address_string": TEXT,
                "address_id": TEXT,
                "description": TEXT,
                "first_name": TEXT,
                "last_name": TEXT,
                "phone": st.one_of(st.just("13912345678"), TEXT),
                "email": TEXT,
                "media_url": TEXT,
                "attribute[severity]": TEXT,
                "attribute[vin]": TEXT,
            },
        ),
        fmt=st.sampled_from(["json", "xml"]),
        keyed=st.booleans(),
    )
    def post(fields, fmt, keyed):
        if keyed:
            fields["api_key"] = county_key
        response = client.post(f"/open311/v2/requests.{fmt}", data=fields)
        assert_no_server_error(response, f"POST Open311 {fields!r}")
        if response.status_code >= 400:
            assert response.mimetype == ("application/json" if fmt == "json" else "text/xml")

    post()


def test_open311_raw_bodies_in_any_encoding(client, county_key):
    @FUZZ
    @given(
        body=st.binary(max_size=300),
        content_type=st.sampled_from(
            [
                "application/x-www-form-urlencoded",
                "multipart/form-data; boundary=x",
                "text/plain",
                "application/json",
            ]
        ),
    )
    def post(body, content_type):
        response = client.post("/open311/v2/requests.json", data=body, content_type=content_type)
        assert_no_server_error(response, f"raw Open311 body {body!r}")
        if response.status_code >= 400:
            assert response.mimetype == "application/json"

    post()


def test_open311_queries(client, demo):
    @FUZZ
    @given(
        query=st.fixed_dictionaries(
            {},
            optional={
                "start_date": DATE,
                "end_date": DATE,
                "status": TEXT,
                "service_code": TEXT,
                "service_request_id": TEXT,
                "jurisdiction_id": TEXT,
            },
        ),
        path=st.sampled_from(
            ["requests", "services", "discovery", "requests/WO-2026-000001", "services/water_leak"]
        ),
        fmt=st.sampled_from(["json", "xml"]),
    )
    def get(query, path, fmt):
        response = client.get(f"/open311/v2/{path}.{fmt}", query_string=query)
        assert_no_server_error(response, f"GET {path} {query!r}")

    get()


def test_the_public_form(client, demo):
    @FUZZ
    @given(
        form=st.fixed_dictionaries(
            {},
            optional={
                "type_code": CODES,
                "address": TEXT,
                "lat": NUMBER,
                "lon": NUMBER,
                "description": TEXT,
                "reporter_name": TEXT,
                "reporter_phone": TEXT,
            },
        ),
        # Any header a client can send (a header cannot carry a line break).
        language=st.one_of(
            st.sampled_from(["zh-CN", "en", "*"]), TEXT.filter(lambda t: not set(t) & {"\r", "\n"})
        ),
    )
    def post(form, language):
        response = client.post("/report", data=form, headers={"Accept-Language": language})
        assert_no_server_error(response, f"POST /report {form!r}")

    post()


@pytest.fixture
def webhook_client(make_app, demo):
    app = make_app(TWILIO_AUTH_TOKEN=DEFAULT_AUTH_TOKEN, PUBLIC_BASE_URL=PUBLIC, SMS_BACKEND="console")
    return app.test_client()


def test_the_signed_sms_webhooks(webhook_client, db, demo):
    technician = make_technician(demo.xinye)
    db.commit()
    sender = st.one_of(st.just(technician.phone), st.just("+8613912345678"), TEXT)

    @FUZZ
    @given(
        body=TEXT,
        sender=sender,
        to=st.one_of(st.just(demo.xinye.sms_number or "+8637766221750"), TEXT),
        status=st.one_of(st.sampled_from(["delivered", "undelivered", "failed", "sent"]), TEXT),
        error_code=st.one_of(st.none(), TEXT),
    )
    def post(body, sender, to, status, error_code):
        sid = f"SMfuzz{next(_sids):028d}"
        inbound = {"MessageSid": sid, "From": sender, "To": to, "Body": body, "NumSegments": "1"}
        signed = signed_post("/sms/inbound", inbound, DEFAULT_AUTH_TOKEN, public_url=f"{PUBLIC}/sms/inbound")
        response = webhook_client.post(signed.url, data=signed.data, headers=signed.headers)
        assert_no_server_error(response, f"inbound {inbound!r}")
        receipt = {"MessageSid": sid, "MessageStatus": status}
        if error_code is not None:
            receipt["ErrorCode"] = error_code
        signed = signed_post("/sms/status", receipt, DEFAULT_AUTH_TOKEN, public_url=f"{PUBLIC}/sms/status")
        response = webhook_client.post(signed.url, data=signed.data, headers=signed.headers)
        assert_no_server_error(response, f"status {receipt!r}")

    post()


def test_the_consoles_forms(client, auth, db, demo):
    make_user(demo.xinye, Role.DISPATCHER, username="fuzz.dispatcher")
    technician = make_technician(demo.xinye)
    db.commit()
    auth.login("fuzz.dispatcher")

    @FUZZ
    @given(
        call=st.fixed_dictionaries(
            {"kind": st.one_of(st.sampled_from(["call", "letter"]), TEXT)},
            optional={
                "received_at": DATE,
                "correspondent": TEXT,
                "subject": TEXT,
                "phone": TEXT,
                "address": TEXT,
            },
        ),
        leave=st.fixed_dictionaries({}, optional={"until": DATE, "substitute": TEXT}),
        position=st.fixed_dictionaries({}, optional={"lat": NUMBER, "lon": NUMBER}),
        bbox=TEXT,
        search=TEXT,
    )
    def post(call, leave, position, bbox, search):
        assert_no_server_error(client.post("/intake/calls/new", data=call), f"call {call!r}")
        url = f"/console/technicians/{technician.id}"
        assert_no_server_error(client.post(url + "/leave", data=leave), f"leave {leave!r}")
        assert_no_server_error(client.post(url + "/position", data=position), f"position {position!r}")
        assert_no_server_error(client.get("/console/map/data", query_string={"bbox": bbox}), f"bbox {bbox!r}")
        filters = {
            "q": search,
            "status": search,
            "type": search,
            "zone": search,
            "technician": search,
            "page": search,
        }
        assert_no_server_error(client.get("/console/", query_string=filters), f"queue {filters!r}")

    post()
