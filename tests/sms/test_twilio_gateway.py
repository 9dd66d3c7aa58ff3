"""TwilioGateway through the official client against the local Twilio fake."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
from twilio.request_validator import RequestValidator

from dispatch.sms.gateway import GatewayError, GatewayTimeout, OutgoingMessage, create_gateway
from dispatch.sms.twilio_gateway import RebasedHttpClient, TwilioGateway
from tests import fake_twilio as fakes

# A technician's mobile in Xinye; an offer in Chinese; our public status-callback URL.
TECH = "+8613837712345"
CALLBACK = "https://dispatch.example.cn/sms/status"
OFFER = "新工单WO-1024：新野县汉城路供水管道漏水，约3公里。回复1接单，回复2拒绝。"


def message(body: str = OFFER, to: str = TECH, callback: str | None = CALLBACK) -> OutgoingMessage:
    return OutgoingMessage(outbox_id=1, to=to, body=body, status_callback=callback)


@pytest.fixture
def gateway(fake_twilio: fakes.FakeTwilio) -> Iterator[TwilioGateway]:
    # Patient: on a loaded machine the fake may take longer than half a second to answer; the one
    # test about timeouts builds its own impatient gateway.
    gw = create_gateway("twilio", fake_twilio.config(TWILIO_TIMEOUT_S=10))
    assert isinstance(gw, TwilioGateway)
    yield gw
    gw.close()


def test_send_hands_twilio_exactly_our_message(gateway, fake_twilio):
    result = gateway.send(message())

    [seen] = fake_twilio.messages
    assert seen["to"] == TECH
    assert seen["from_"] == fakes.DEFAULT_FROM_NUMBER
    assert seen["body"] == OFFER
    assert seen["status_callback"] == CALLBACK
    assert result.provider_id == seen["sid"]
    assert result.provider_id.startswith("SM") and len(result.provider_id) == 34
    assert result.status == "queued"
    assert result.segments == 1


def test_no_status_callback_is_sent_when_none_is_configured(gateway, fake_twilio):
    gateway.send(message(callback=None))

    assert fake_twilio.messages[0]["status_callback"] is None


def test_an_80_character_chinese_body_costs_two_segments(gateway):
    body = "供水抢修" * 20
    assert len(body) == 80

    assert gateway.send(message(body)).segments == 2


def test_an_invalid_number_is_refused_for_good(gateway, fake_twilio):
    fake_twilio.refuse_next(code=21211)

    with pytest.raises(GatewayError) as caught:
        gateway.send(message(to="+861234"))

    assert caught.value.retryable is False
    assert caught.value.code == "21211"
    assert not isinstance(caught.value, GatewayTimeout)
    assert fake_twilio.messages == []


@pytest.mark.parametrize("code", [21610, 21614])
def test_unsubscribed_and_landline_numbers_are_refused_for_good(gateway, fake_twilio, code):
    fake_twilio.refuse_next(code=code)

    with pytest.raises(GatewayError) as caught:
        gateway.send(message())

    assert (caught.value.retryable, caught.value.code) == (False, str(code))


@pytest.mark.parametrize("status", [500, 503, 429])
def test_server_errors_and_rate_limits_can_be_retried(gateway, fake_twilio, status):
    fake_twilio.fail_next(status=status)

    with pytest.raises(GatewayError) as caught:
        gateway.send(message())

    assert caught.value.retryable is True
    assert not isinstance(caught.value, GatewayTimeout)
    # The next attempt goes through.
    assert gateway.send(message()).provider_id == fake_twilio.messages[0]["sid"]


def test_a_timeout_is_uncertain_and_find_sent_finds_the_stored_message(fake_twilio):
    since = datetime.now(UTC) - timedelta(seconds=1)
    fake_twilio.hang_next(seconds=5)

    impatient = create_gateway("twilio", fake_twilio.config(TWILIO_TIMEOUT_S=0.5))
    try:
        with pytest.raises(GatewayTimeout) as caught:
            impatient.send(message())
    finally:
        impatient.close()

    assert caught.value.retryable is True
    [stored] = fake_twilio.messages
    # The look-up goes through a gateway with a patient timeout: on a loaded machine half a second
    # is not always enough for the fake to answer, and this test is about what it finds.
    patient = create_gateway("twilio", fake_twilio.config(TWILIO_TIMEOUT_S=10))
    try:
        assert patient.find_sent(message(), since) == stored["sid"]
    finally:
        patient.close()


def test_find_sent_ignores_other_texts_other_numbers_and_older_messages(fake_twilio):
    clock_at = [datetime(2025, 3, 3, 1, 0, tzinfo=UTC)]
    fake_twilio.clock = lambda: clock_at[0]
    gw = TwilioGateway(fake_twilio.config())
    try:
        gw.send(message())  # the same text, sent the day before: not ours
        clock_at[0] = datetime(2025, 3, 4, 1, 0, tzinfo=UTC)
        gw.send(message(body="另一条消息"))
        gw.send(message(to="+8613900000000"))

        # 09:00 Shanghai on 4 March = 01:00 UTC; a naive time is read in Asia/Shanghai.
        assert gw.find_sent(message(), datetime(2025, 3, 4, 9, 0)) is None

        gw.send(message())
        ours = fake_twilio.messages[-1]["sid"]
        assert gw.find_sent(message(), datetime(2025, 3, 4, 9, 0)) == ours
    finally:
        gw.close()


def test_find_sent_is_none_when_nothing_arrived(gateway, fake_twilio):
    fake_twilio.fail_next()
    with pytest.raises(GatewayError):
        gateway.send(message())

    assert gateway.find_sent(message(), datetime(2025, 3, 4, 9, 0, tzinfo=UTC)) is None


def test_a_stopped_server_refuses_and_can_be_retried(fake_twilio):
    gw = TwilioGateway(fake_twilio.config())
    fake_twilio.stop()
    try:
        with pytest.raises(GatewayError) as caught:
            gw.send(message())
    finally:
        gw.close()

    assert caught.value.retryable is True
    assert not isinstance(caught.value, GatewayTimeout)


def test_a_wrong_auth_token_is_a_gateway_error(fake_twilio):
    gw = TwilioGateway(fake_twilio.config(TWILIO_AUTH_TOKEN="0" * 32))
    try:
        with pytest.raises(GatewayError) as caught:
            gw.send(message())
    finally:
        gw.close()

    assert caught.value.code == "20003"
    # The message is fine: once the credentials are fixed it can go.
    assert caught.value.retryable is True
    assert fake_twilio.messages == []


def test_fail_every_fails_each_kth_post_without_storing(gateway, fake_twilio):
    fake_twilio.fail_every(2)
    outcomes = []
    for _ in range(4):
        try:
            gateway.send(message())
            outcomes.append("sent")
        except GatewayError:
            outcomes.append("failed")

    assert outcomes == ["sent", "failed", "sent", "failed"]
    assert len(fake_twilio.messages) == 2


def test_missing_configuration_is_named():
    with pytest.raises(ValueError, match="TWILIO_AUTH_TOKEN, TWILIO_FROM_NUMBER"):
        TwilioGateway({"TWILIO_ACCOUNT_SID": fakes.DEFAULT_ACCOUNT_SID})


def test_the_api_base_replaces_only_scheme_and_host():
    client = RebasedHttpClient("http://127.0.0.1:8765")
    url = "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json?To=%2B86&Page=1"
    try:
        assert (
            client.rebase(url)
            == "http://127.0.0.1:8765/2010-04-01/Accounts/AC1/Messages.json?To=%2B86&Page=1"
        )
    finally:
        client.session.close()


def test_signed_webhooks_validate_against_the_public_url(fake_twilio):
    request = fakes.signed_post(
        "/sms/status",
        {"MessageSid": "SM" + "0" * 32, "MessageStatus": "delivered"},
        fake_twilio.auth_token,
        public_url="https://dispatch.example.cn/sms/status",
    )

    validator = RequestValidator(fake_twilio.auth_token)
    signature = request.headers["X-Twilio-Signature"]
    assert validator.validate("https://dispatch.example.cn/sms/status", request.data, signature)
    assert not validator.validate("https://dispatch.example.cn/sms/inbound", request.data, signature)


def test_a_status_callback_reaches_a_live_endpoint_signed(fake_twilio):
    received: list[tuple[str, dict[str, str], str]] = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self):
            raw = self.rfile.read(int(self.headers["Content-Length"])).decode()
            form = {k: v[-1] for k, v in parse_qs(raw).items()}
            received.append((self.path, form, self.headers["X-Twilio-Signature"]))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    gw = TwilioGateway(fake_twilio.config())
    sid = gw.send(message()).provider_id
    gw.close()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/sms/status"
    try:
        response = fake_twilio.post_status(url, sid, "undelivered", error_code=30005)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()

    assert response.status_code == 204
    [(path, form, signature)] = received
    assert path == "/sms/status"
    assert form["MessageSid"] == sid
    assert form["MessageStatus"] == "undelivered"
    assert form["ErrorCode"] == "30005"
    assert form["To"] == TECH
    assert form["AccountSid"] == fake_twilio.account_sid
    assert RequestValidator(fake_twilio.auth_token).validate(url, form, signature)
