"""Fuzzing every public and API endpoint: no input, however hostile, is a 500.

The suite runs each fuzzer at a size CI affords (``FUZZ_EXAMPLES``, default 20 examples per
test). A longer hunt is the same tests with more examples::

    FUZZ_EXAMPLES=2000 .venv/bin/python -m pytest tests/fuzz -p no:cacheprovider   # or: make fuzz
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "20"))

#: The tests build database rows per example; function-scoped fixtures are shared on purpose.
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=not os.environ.get("FUZZ_RANDOM"),
    database=None,
)

#: Any text a client can send: everything but lone surrogates (no encoding can carry those),
#: with NUL, control characters, Chinese and right-to-left text likely.
TEXT = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=60),
    st.sampled_from(["\x00", "a\x00b", "漏水\u0000", "\u202e", "%00", "' OR 1=1 --", "<script>", "\ufeff"]),
)
NUMBER = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["nan", "NaN", "inf", "-inf", "1e309", "32.5340", "112.3560", "", " ", "0x10"]),
    TEXT,
)
DATE = st.one_of(
    st.datetimes().map(lambda d: d.isoformat()),
    st.sampled_from(
        ["0001-01-01T00:00:00", "9999-12-31T23:59:59-12:00", "2026-02-30T00:00", "2026-11-04T09:00Z", ""]
    ),
    TEXT,
)


def assert_no_server_error(response, what: str) -> None:
    assert response.status_code < 500, (
        f"{what}: {response.status_code} {response.get_data(as_text=True)[:300]}"
    )


@pytest.fixture
def county_key(db, demo):
    from dispatch.auth.service import create_api_key

    key = create_api_key(db, demo.xinye, "fuzz")
    db.commit()
    return key
