"""schemathesis against the JSON API's own OpenAPI document (a bounded number of examples)."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from dispatch.auth.service import create_api_key


@pytest.fixture
def api_key(db, demo):
    key = create_api_key(db, demo.xinye, "schemathesis")
    db.commit()
    return key


@pytest.fixture
def api_schema(app, api_key):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


schema = schemathesis.pytest.from_fixture("api_schema")
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_the_api_keeps_its_own_contract(case, api_key):
    case.call_and_validate(headers={"X-API-Key": api_key}, checks=CHECKS)
