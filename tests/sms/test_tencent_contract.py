"""Our requests match Tencent Cloud SMS's published request format, and the fake checks requests
the way the provider does.

``fake_tencent.REQUEST_FORMAT`` is the API reference's table of request parameters (2021-01-11:
SendSms, PullSmsSendStatus, PullSmsReplyStatus, PullSmsSendStatusByPhoneNumber). Every request the
gateway makes through the official SDK is checked against it, and the table itself is checked
against the SDK's own request models, so neither can drift alone.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import pytest
import requests
from tencentcloud.sms.v20210111 import models

from dispatch import clock
from dispatch.sms import tencent_gateway  # noqa: F401  (registers the backend)
from dispatch.sms.fake_tencent import API_VERSION, REQUEST_FORMAT, contract_problems, expected_signature
from dispatch.sms.gateway import OutgoingMessage, create_gateway

TECH = "+8613800138000"


def test_every_action_we_use_sends_the_published_request_format(fake_tencent):
    gateway = create_gateway("tencent", fake_tencent.config())
    gateway.org_code = lambda _org_id: "zycoach"
    message = OutgoingMessage(
        outbox_id=5, to=TECH, body="", kind="offer_taken", org_id=1, params={"code": "4521"}
    )
    gateway.send(message)
    gateway.find_sent(message, clock.now() - timedelta(minutes=1))
    gateway.pull_replies()
    gateway.pull_receipts()
    assert sorted(action for action, _body in fake_tencent.requests) == sorted(REQUEST_FORMAT)
    assert fake_tencent.contract_violations == []
    send = next(body for action, body in fake_tencent.requests if action == "SendSms")
    assert send == {
        "PhoneNumberSet": [TECH],
        "SmsSdkAppId": fake_tencent.app_id,
        "SignName": "中原客车售后",
        "TemplateId": "2200102",
        "TemplateParamSet": ["4521"],
        "SessionContext": "outbox:5",
    }


@pytest.mark.parametrize("action", sorted(REQUEST_FORMAT))
def test_the_published_table_names_the_sdks_request_parameters(action):
    model = getattr(models, f"{action}Request")()
    sdk_names = {name.lstrip("_") for name in vars(model)}
    assert set(REQUEST_FORMAT[action]) <= sdk_names


def test_the_format_check_catches_what_the_provider_refuses():
    assert contract_problems("SendSms", {"PhoneNumberSet": [TECH], "SmsSdkAppId": "1"}) == [
        "TemplateId is required"
    ]
    assert contract_problems(
        "SendSms", {"PhoneNumberSet": [TECH], "SmsSdkAppId": "1", "TemplateId": 2100101, "Body": "x"}
    ) == ["TemplateId must be String", "Body is not a parameter of SendSms"]
    assert contract_problems("PullSmsReplyStatus", {"Limit": 500, "SmsSdkAppId": "1"}) == [
        "Limit is 1 to 100"
    ]


def _signed(fake, body: dict, *, secret_key: str | None = None, timestamp: int | None = None):
    raw = json.dumps(body).encode()
    host = fake.endpoint.removeprefix("http://")
    timestamp = timestamp or int(time.time())
    headers = {
        "Content-Type": "application/json",
        "Host": host,
        "X-TC-Action": "PullSmsReplyStatus",
        "X-TC-Version": API_VERSION,
        "X-TC-Region": "ap-guangzhou",
        "X-TC-Timestamp": str(timestamp),
    }
    signature = expected_signature(secret_key or fake.secret_key, "POST", "/", "", headers, raw)
    date = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    headers["Authorization"] = (
        f"TC3-HMAC-SHA256 Credential={fake.secret_id}/{date}/sms/tc3_request, "
        f"SignedHeaders=content-type;host, Signature={signature}"
    )
    return requests.post(fake.endpoint + "/", data=raw, headers=headers, timeout=5).json()["Response"]


def test_the_fake_checks_signatures_as_the_provider_does(fake_tencent):
    body = {"Limit": 10, "SmsSdkAppId": fake_tencent.app_id}
    assert "Error" not in _signed(fake_tencent, body)
    assert _signed(fake_tencent, body, secret_key="other")["Error"]["Code"] == "AuthFailure.SignatureFailure"
    stale = int(time.time()) - 600
    assert _signed(fake_tencent, body, timestamp=stale)["Error"]["Code"] == "AuthFailure.SignatureExpire"
