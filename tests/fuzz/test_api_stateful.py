"""schemathesis over /api/v1/openapi.json: every operation with generated input, and the stateful
run that follows the document's links (create a report, then read it back by its reference)."""

from __future__ import annotations

import schemathesis
from hypothesis import given, settings
from schemathesis.checks import not_a_server_error

from tests.fuzz.conftest import EXAMPLES, FUZZ


def _schema(app):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


def test_every_operation_with_generated_input(app, county_key):
    for result in _schema(app).get_all_operations():
        operation = result.ok()

        @FUZZ
        @given(case=operation.as_strategy())
        def call(case):
            response = case.call(headers={"X-API-Key": county_key})
            case.validate_response(response, checks=[not_a_server_error])

        call()


def test_stateful_links_create_then_read(app, county_key):
    machine = _schema(app).as_state_machine()
    assert machine.bundles, "the OpenAPI document has no links to follow"

    class Fuzz(machine):
        def before_call(self, case):
            case.headers = {**(case.headers or {}), "X-API-Key": county_key}

        def validate_response(self, response, case, **kwargs):
            case.validate_response(response, checks=[not_a_server_error])

    Fuzz.run(settings=settings(FUZZ, max_examples=max(EXAMPLES // 2, 5), stateful_step_count=6))
