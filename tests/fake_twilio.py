"""The ``fake_twilio`` fixture over the fake Twilio server that ships in the package.

The server and the webhook helpers live in ``dispatch.sms.fake_twilio`` (``dispatch bench sms``
uses them too); they are re-exported here so tests import them from one place.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from dispatch.sms.fake_twilio import (  # noqa: F401  (re-exported for the tests)
    API_VERSION,
    DEFAULT_ACCOUNT_SID,
    DEFAULT_AUTH_TOKEN,
    DEFAULT_FROM_NUMBER,
    FakeTwilio,
    SignedRequest,
    send_status_callback,
    signed_post,
)


@pytest.fixture
def fake_twilio() -> Iterator[FakeTwilio]:
    """A started FakeTwilio for DEFAULT_ACCOUNT_SID / DEFAULT_AUTH_TOKEN, stopped afterwards."""
    with FakeTwilio(DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN) as fake:
        yield fake
