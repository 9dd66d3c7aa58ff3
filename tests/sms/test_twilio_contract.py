"""Our requests to Twilio are valid for Twilio's own OpenAPI description.

The Prism mock server (@stoplight/prism-cli 5.14.2) serves ../shared/twilio/twilio_api_v2010.json
and checks every request against it: a request that breaks the schema gets 422 with the
violations instead of the spec's example answer. TwilioGateway talks to it through the official
client, exactly as it talks to Twilio.

Needs node and prism (``$PRISM_BIN``, or ``npm install --prefix .cache/prism
@stoplight/prism-cli@5.14.2``). Without them the module skips — except under ``CI=true``, where
that is a failure. Without the spec file (``$TWILIO_OPENAPI`` overrides its path) it always skips.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from dispatch.sms.gateway import GatewayError, OutgoingMessage
from dispatch.sms.twilio_gateway import TwilioGateway
from tests import fake_twilio as fakes

pytestmark = pytest.mark.contract

REPO = Path(__file__).resolve().parents[2]
SPEC = Path(os.environ.get("TWILIO_OPENAPI") or REPO.parent / "shared" / "twilio" / "twilio_api_v2010.json")
PRISM_PACKAGE = "@stoplight/prism-cli@5.14.2"
#: Prism reads the 1.8 MB description before it listens.
STARTUP_LIMIT_S = 90

TECH = "+8613837712345"
OFFER = "新工单WO-1024：新野县汉城路供水管道漏水，约3公里。回复1接单，回复2拒绝。"
CALLBACK = "https://dispatch.example.cn/sms/status"


def _missing_tool(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: the Twilio contract test must run)", pytrace=False)
    pytest.skip(reason)


def _prism_path() -> Path:
    if os.environ.get("PRISM_BIN"):
        return Path(os.environ["PRISM_BIN"])
    return REPO / ".cache" / "prism" / "node_modules" / ".bin" / "prism"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def prism() -> Iterator[str]:
    """The base URL of one Prism mock server for the whole module."""
    if not SPEC.is_file():
        pytest.skip(f"Twilio's OpenAPI description is absent: {SPEC} (set TWILIO_OPENAPI to its path)")
    if shutil.which("node") is None:
        _missing_tool(f"node is not installed; Prism ({PRISM_PACKAGE}) needs it")
    prism_bin = _prism_path()
    if not prism_bin.is_file():
        _missing_tool(
            f"Prism is not installed at {prism_bin}: run `npm install --prefix {REPO / '.cache' / 'prism'} "
            f"{PRISM_PACKAGE}` or set PRISM_BIN"
        )
    port = _free_port()
    with tempfile.TemporaryFile() as log:
        # Prism logs every route and request: a file, not a pipe nobody drains.
        process = subprocess.Popen(
            [str(prism_bin), "mock", "-h", "127.0.0.1", "-p", str(port), str(SPEC)],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + STARTUP_LIMIT_S
            while not _listening(port):
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    tail = log.read().decode(errors="replace")[-2000:]
                    pytest.fail(f"Prism did not start listening on port {port}:\n{tail}", pytrace=False)
                time.sleep(0.5)
            yield f"http://127.0.0.1:{port}"
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture
def gateway(prism: str) -> Iterator[TwilioGateway]:
    gw = TwilioGateway(
        {
            # Prism checks the account sid against the spec's pattern and that basic auth is
            # present; it cannot know the token.
            "TWILIO_ACCOUNT_SID": fakes.DEFAULT_ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": fakes.DEFAULT_AUTH_TOKEN,
            "TWILIO_FROM_NUMBER": fakes.DEFAULT_FROM_NUMBER,
            "TWILIO_API_BASE": prism,
            "TWILIO_TIMEOUT_S": 30,
        }
    )
    yield gw
    gw.close()


def last_status(gw: TwilioGateway) -> int:
    # The client keeps the last response for exactly this kind of check.
    response = gw.http_client._test_only_last_response
    assert response is not None
    return response.status_code


def test_sending_an_offer_is_a_valid_message_create(gateway):
    message = OutgoingMessage(outbox_id=1, to=TECH, body=OFFER, status_callback=CALLBACK)

    result = gateway.send(message)

    assert 200 <= last_status(gateway) < 300
    # Prism answers with the spec's example resource.
    assert result.provider_id is not None and result.provider_id.startswith("SM")
    assert result.status == "queued"


def test_sending_without_a_status_callback_is_valid(gateway):
    gateway.send(OutgoingMessage(outbox_id=2, to=TECH, body="OK"))

    assert 200 <= last_status(gateway) < 300


def test_looking_a_message_up_after_a_timeout_is_a_valid_list_request(gateway):
    message = OutgoingMessage(outbox_id=3, to=TECH, body=OFFER)

    # Prism's example messages carry another body, so nothing matches; what counts is that
    # the To and DateSent> filters passed the spec's checks.
    assert gateway.find_sent(message, datetime(2025, 3, 4, 9, 0)) is None
    assert last_status(gateway) == 200


def test_a_request_twilio_would_reject_is_caught(gateway):
    # StatusCallback must be a URI: the contract check fails such a request, which shows it
    # is really checking.
    message = OutgoingMessage(outbox_id=4, to=TECH, body=OFFER, status_callback="not a url")

    with pytest.raises(GatewayError) as caught:
        gateway.send(message)

    assert last_status(gateway) == 422
    assert caught.value.retryable is False
