"""Sending through Tencent Cloud SMS (API 2021-01-11) with the official SDK.

Inside China every message is an approved template behind a registered 【signature】, so a
message is sent as its template id and parameter list (``dispatch.sms.templates``); one that has
no approved template, or whose parameters break the provider's rules, is refused here and never
sent as free text: the outbox gives it up at once and the dispatchers get a delivery alert.

Configuration (the app config, fed from config/settings.toml and the environment):

- ``TENCENTCLOUD_SECRET_ID``, ``TENCENTCLOUD_SECRET_KEY``, ``TENCENT_SMS_SDK_APP_ID``,
  ``TENCENT_SMS_SIGN_NAME`` — required (an organisation's ``sign_name`` in the template file
  overrides the signature);
- ``TENCENT_SMS_REGION`` — default ``ap-guangzhou``;
- ``TENCENT_SMS_ENDPOINT`` — empty for the provider's host, or a URL such as
  ``http://127.0.0.1:9000``: the SDK's requests then go there, scheme included (tests, contract);
- ``TENCENT_SMS_TIMEOUT_S`` — seconds to wait for an answer (default 10);
- ``TENCENT_SMS_RECEIPT_WAIT_S`` — after a timeout, how long receipts are waited for before a
  message the provider does not list is sent again (default 120).

Errors, so the outbox can choose between retrying and giving up:

- refused by our template rules, or by the provider for this message or template
  (``InvalidParameterValue.*``, ``FailedOperation.*``, ``UnsupportedOperation.*``, a per-number
  code other than ``Ok``) → ``GatewayError(retryable=False)``;
- the account (``AuthFailure.*``), rate limits (``LimitExceeded.*``, ``RequestLimitExceeded``),
  the provider's own trouble (``InternalError.*``, an HTTP status other than 200) → retryable;
- the request may have gone out and no answer came back → ``GatewayTimeout``; the connection
  could not be made at all → retryable ``GatewayError``.

Exactly once after a timeout: every message carries ``SessionContext = "outbox:<id>"``, which
the provider echoes in its delivery receipts. Before sending an uncertain message again,
``find_sent`` lists the receipts for that number (``PullSmsSendStatusByPhoneNumber``, which
does not consume them) and returns the serial number of ours. A message the provider took
but whose receipt has not come yet is not listed: until ``TENCENT_SMS_RECEIPT_WAIT_S`` has passed
since the message was queued the look-up answers "ask again later" instead of "not sent", so a
resend happens only when no receipt came within that window. The residual risk is a handset that
stays unreachable for longer than the window (its receipt comes late): at most one duplicate per
timeout, of a text whose commands act once (a repeated offer carries the same job code).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.sms.v20210111 import models, sms_client

from dispatch import clock
from dispatch.sms import templates
from dispatch.sms.gateway import Gateway, GatewayError, GatewayTimeout, OutgoingMessage, SendResult, register

log = logging.getLogger(__name__)

DEFAULT_REGION = "ap-guangzhou"
DEFAULT_TIMEOUT_S = 10
DEFAULT_RECEIPT_WAIT_S = 120.0
SESSION_PREFIX = "outbox:"

_RETRYABLE_PREFIXES = (
    "AuthFailure",
    "InternalError",
    "LimitExceeded",
    "RequestLimitExceeded",
    "ServerNetworkError",
)
#: Signs in the SDK's network error text that the connection was never made: nothing was sent.
_NEVER_CONNECTED = ("Failed to establish a new connection", "Connection refused", "Name or service not known")


def session_context(outbox_id: int) -> str:
    return f"{SESSION_PREFIX}{outbox_id}"


@register("tencent")
class TencentGateway(Gateway):
    """Hands template messages to Tencent Cloud SMS. See the module docstring."""

    def __init__(self, config: Mapping[str, object]):
        required = ("TENCENTCLOUD_SECRET_ID", "TENCENTCLOUD_SECRET_KEY", "TENCENT_SMS_SDK_APP_ID")
        missing = [key for key in required if not config.get(key)]
        if missing:
            raise ValueError(f"the tencent SMS backend needs {', '.join(missing)}")
        self.app_id = str(config["TENCENT_SMS_SDK_APP_ID"])
        self.sign_name = str(config.get("TENCENT_SMS_SIGN_NAME") or "")
        wait = config.get("TENCENT_SMS_RECEIPT_WAIT_S")
        self.receipt_wait = timedelta(seconds=DEFAULT_RECEIPT_WAIT_S if wait in (None, "") else float(wait))
        self.templates = templates.current(config)
        #: org_id → organisation code (template ids are per organisation); set by the worker.
        self.org_code: Callable[[int | None], str | None] = lambda _org_id: None
        self.client = make_client(config)

    def _sign_for(self, org_code: str | None) -> str:
        org = self.templates.organisations.get(org_code or "")
        return (org.sign_name if org else "") or self.sign_name

    def prepare(self, message: OutgoingMessage) -> tuple[str | None, templates.Resolved]:
        """The organisation code and the template the message goes as; raises a give-up
        GatewayError when it has none (never sent as free text)."""
        org_code = self.org_code(message.org_id)
        try:
            return org_code, templates.resolve(
                self.templates, message.template or message.kind, org_code, message.params
            )
        except templates.TemplateRefused as exc:
            raise GatewayError(f"not sent: {exc}", retryable=False, code=exc.code) from exc

    def send(self, message: OutgoingMessage) -> SendResult:
        org_code, resolved = self.prepare(message)
        sign = self._sign_for(org_code)
        if not sign:
            raise GatewayError("not sent: no SMS signature configured", retryable=False, code="no_signature")
        request = models.SendSmsRequest()
        request.from_json_string(
            json.dumps(
                {
                    "PhoneNumberSet": [message.to],
                    "SmsSdkAppId": self.app_id,
                    "SignName": sign,
                    "TemplateId": resolved.template_id,
                    "TemplateParamSet": resolved.params,
                    "SessionContext": session_context(message.outbox_id),
                }
            )
        )
        with _mapped_errors("send"):
            response = self.client.SendSms(request)
        statuses = response.SendStatusSet or []
        if not statuses:
            raise GatewayTimeout("could not send: the provider's answer lists no message")
        status = statuses[0]
        if status.Code != "Ok":
            raise _map_code("send", status.Code or "", status.Message or "")
        segments = int(status.Fee) if status.Fee else templates.provider_segments(sign, resolved.text)
        return SendResult(provider_id=status.SerialNo, segments=segments, status="sent")

    def find_sent(self, message: OutgoingMessage, since: datetime) -> str | None:
        """The serial number of ``message`` if the provider's receipts for its number list it."""
        since = clock.aware(since)
        now = clock.now()
        request = models.PullSmsSendStatusByPhoneNumberRequest()
        wanted = session_context(message.outbox_id)
        offset = 0
        while True:
            request.from_json_string(
                json.dumps(
                    {
                        "BeginTime": int(since.timestamp()) - 60,
                        "EndTime": int(now.timestamp()) + 60,
                        "Offset": offset,
                        "Limit": 100,
                        "PhoneNumber": message.to,
                        "SmsSdkAppId": self.app_id,
                    }
                )
            )
            with _mapped_errors("look up"):
                found = self.client.PullSmsSendStatusByPhoneNumber(request).PullSmsSendStatusSet or []
            for receipt in found:
                if receipt.SessionContext == wanted and receipt.SerialNo not in message.known_ids:
                    return receipt.SerialNo
            if len(found) < 100:
                break
            offset += 100
        if now - since < self.receipt_wait:
            raise GatewayError(
                "waiting for the provider's receipts before sending again",
                retryable=True,
                code="awaiting_receipt",
            )
        return None

    # -- pulling replies and receipts (deployments without callbacks) --------------------------

    def pull_replies(self, limit: int = 100) -> list[dict[str, object]]:
        """Replies the provider holds (each pulled once), in the push callback's shape."""
        request = models.PullSmsReplyStatusRequest()
        request.from_json_string(json.dumps({"Limit": limit, "SmsSdkAppId": self.app_id}))
        with _mapped_errors("pull replies"):
            found = self.client.PullSmsReplyStatus(request).PullSmsReplyStatusSet or []
        return [
            {
                "mobile": r.SubscriberNumber or "",
                "nationcode": r.CountryCode or "",
                "phone": r.PhoneNumber or "",
                "text": r.ReplyContent or "",
                "time": int(r.ReplyTime or 0),
                "sign": r.SignName or "",
                "extend": r.ExtendCode or "",
            }
            for r in found
        ]

    def pull_receipts(self, limit: int = 100) -> list[dict[str, object]]:
        """Delivery receipts the provider holds (each pulled once), in the push callback's shape."""
        request = models.PullSmsSendStatusRequest()
        request.from_json_string(json.dumps({"Limit": limit, "SmsSdkAppId": self.app_id}))
        with _mapped_errors("pull receipts"):
            found = self.client.PullSmsSendStatus(request).PullSmsSendStatusSet or []
        return [
            {
                "sid": r.SerialNo or "",
                "report_status": r.ReportStatus or "",
                "errmsg": r.Description or "",
                "mobile": r.SubscriberNumber or "",
                "user_receive_time": r.UserReceiveTime or "",
            }
            for r in found
        ]


def make_client(config: Mapping[str, object]) -> sms_client.SmsClient:
    cred = credential.Credential(
        str(config["TENCENTCLOUD_SECRET_ID"]), str(config["TENCENTCLOUD_SECRET_KEY"])
    )
    http = HttpProfile(reqTimeout=int(float(config.get("TENCENT_SMS_TIMEOUT_S") or DEFAULT_TIMEOUT_S)))
    endpoint = str(config.get("TENCENT_SMS_ENDPOINT") or "")
    if endpoint:
        parts = urlsplit(endpoint)
        if not parts.scheme or not parts.netloc:
            raise ValueError(f"TENCENT_SMS_ENDPOINT must be an absolute URL, got {endpoint!r}")
        http.protocol = http.scheme = parts.scheme
        http.endpoint = parts.netloc
    profile = ClientProfile(httpProfile=http)
    # One region, one host: the SDK's fail-over to a backup host would leave the configured one.
    profile.disable_region_breaker = True
    return sms_client.SmsClient(cred, str(config.get("TENCENT_SMS_REGION") or DEFAULT_REGION), profile)


@contextmanager
def _mapped_errors(action: str) -> Iterator[None]:
    try:
        yield
    except TencentCloudSDKException as exc:
        code, text = exc.get_code() or "", exc.get_message() or ""
        if code == "ClientNetworkError":
            if any(sign in text for sign in _NEVER_CONNECTED):
                raise GatewayError(f"could not {action}: cannot reach the provider ({text})") from exc
            raise GatewayTimeout(f"could not {action}: no answer from the provider ({text})") from exc
        raise _map_code(action, code, text) from exc
    except ValueError as exc:  # a 200 whose body is not the JSON we expect
        raise GatewayTimeout(f"could not {action}: unreadable answer from the provider ({exc})") from exc


def _map_code(action: str, code: str, text: str) -> GatewayError:
    message = f"the provider refused to {action} ({code}): {text}"[:500]
    short = code[:20]
    if code.startswith(_RETRYABLE_PREFIXES):
        if code.startswith("AuthFailure"):
            log.error("Tencent Cloud SMS rejected the account configuration: %s", message)
        return GatewayError(message, retryable=True, code=short)
    return GatewayError(message, retryable=False, code=short)
