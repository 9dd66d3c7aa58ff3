"""A local stand-in for Tencent Cloud SMS's API (2021-01-11), for tests and contract checks.

``FakeTencentSms`` is a real HTTP server on 127.0.0.1 that the official SDK talks to (through
``TENCENT_SMS_ENDPOINT``). Like the provider, it takes ``POST /`` with a JSON body, the action in
``X-TC-Action``, and checks every request's TC3-HMAC-SHA256 signature — the canonical request
(method, path, query, ``content-type`` and ``host`` headers, SHA-256 of the body), the string to
sign with the timestamp and the ``date/sms/tc3_request`` scope, the key derived from the secret
key, date and service — answering ``AuthFailure.*`` errors as the provider does when it does not
match, names an unknown SecretId or is more than five minutes old.

It also checks each request against the published request format of its action (parameter
names, types and which are required — ``REQUEST_FORMAT``, taken from the API reference): a
request that breaks it is answered ``InvalidParameter`` / ``MissingParameter`` and recorded in
``.contract_violations``, which the contract test asserts stays empty.

Actions: ``SendSms`` (stored in ``.messages``, each with a receipt), ``PullSmsSendStatus`` (the
receipts not pulled yet), ``PullSmsSendStatusByPhoneNumber`` (receipts of a number in a time
window, not consumed), ``PullSmsReplyStatus`` (replies queued with ``add_reply``, each once).
Faults: ``fail_next(code)`` (an error answer, nothing stored), ``hang_next()`` (the message IS
stored, the answer held back past the client's timeout), ``refuse_number(phone, code)``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

DEFAULT_SECRET_ID = "AKIDfake0123456789abcdefghijklmnop"
DEFAULT_SECRET_KEY = "fakeSecretKey0123456789abcdefghij"
DEFAULT_APP_ID = "1400000001"
API_VERSION = "2021-01-11"
SERVICE = "sms"
MAX_SKEW_S = 300

STR, INT, STR_LIST = "String", "Integer", "Array of String"
#: Request parameters per action: name → (type, required), as the API reference lists them.
REQUEST_FORMAT: dict[str, dict[str, tuple[str, bool]]] = {
    "SendSms": {
        "PhoneNumberSet": (STR_LIST, True),
        "SmsSdkAppId": (STR, True),
        "TemplateId": (STR, True),
        "SignName": (STR, False),
        "TemplateParamSet": (STR_LIST, False),
        "ExtendCode": (STR, False),
        "SessionContext": (STR, False),
        "SenderId": (STR, False),
    },
    "PullSmsSendStatus": {"Limit": (INT, True), "SmsSdkAppId": (STR, True)},
    "PullSmsReplyStatus": {"Limit": (INT, True), "SmsSdkAppId": (STR, True)},
    "PullSmsSendStatusByPhoneNumber": {
        "BeginTime": (INT, True),
        "Offset": (INT, True),
        "Limit": (INT, True),
        "PhoneNumber": (STR, True),
        "SmsSdkAppId": (STR, True),
        "EndTime": (INT, False),
    },
}


def _type_ok(value: Any, kind: str) -> bool:
    if kind == STR:
        return isinstance(value, str)
    if kind == INT:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def contract_problems(action: str, body: Mapping[str, Any]) -> list[str]:
    """How ``body`` breaks the published format of ``action`` (empty when it does not)."""
    spec = REQUEST_FORMAT.get(action)
    if spec is None:
        return [f"unknown action {action!r}"]
    problems = [
        f"{name} is required" for name, (_t, required) in spec.items() if required and name not in body
    ]
    for name, value in body.items():
        if name not in spec:
            problems.append(f"{name} is not a parameter of {action}")
        elif not _type_ok(value, spec[name][0]):
            problems.append(f"{name} must be {spec[name][0]}")
    if action == "SendSms" and not 1 <= len(body.get("PhoneNumberSet") or []) <= 200:
        problems.append("PhoneNumberSet takes 1 to 200 numbers")
    if "Limit" in body and isinstance(body["Limit"], int) and not 1 <= body["Limit"] <= 100:
        problems.append("Limit is 1 to 100")
    return problems


def tc3_signature(secret_key: str, date: str, string_to_sign: str) -> str:
    def mac(key: bytes, msg: str) -> bytes:
        return hmac.new(key, msg.encode(), hashlib.sha256).digest()

    signing_key = mac(mac(mac(("TC3" + secret_key).encode(), date), SERVICE), "tc3_request")
    return hmac.new(signing_key, string_to_sign.encode(), hashlib.sha256).hexdigest()


def expected_signature(
    secret_key: str, method: str, path: str, query: str, headers: Mapping[str, str], body: bytes
) -> str:
    """The signature the provider computes for a request (TC3-HMAC-SHA256, signed headers
    content-type and host)."""
    canonical = "\n".join(
        [
            method,
            path,
            query,
            f"content-type:{headers.get('Content-Type', '')}\nhost:{headers.get('Host', '')}\n",
            "content-type;host",
            hashlib.sha256(body).hexdigest(),
        ]
    )
    timestamp = headers.get("X-TC-Timestamp", "")
    date = datetime.fromtimestamp(int(timestamp), UTC).strftime("%Y-%m-%d")
    to_sign = "\n".join(
        [
            "TC3-HMAC-SHA256",
            timestamp,
            f"{date}/{SERVICE}/tc3_request",
            hashlib.sha256(canonical.encode()).hexdigest(),
        ]
    )
    return tc3_signature(secret_key, date, to_sign)


@dataclass
class SentSms:
    serial_no: str
    phone: str
    template_id: str
    params: list[str]
    sign_name: str
    session_context: str
    sent_at: int


@dataclass
class FakeTencentSms:
    secret_id: str = DEFAULT_SECRET_ID
    secret_key: str = DEFAULT_SECRET_KEY
    app_id: str = DEFAULT_APP_ID
    #: Template id → number of parameters, to refuse unknown templates; empty: any is taken.
    approved: dict[str, int] = field(default_factory=dict)
    hang_s: float = 3.0
    messages: list[SentSms] = field(default_factory=list)
    requests: list[tuple[str, dict]] = field(default_factory=list)
    contract_violations: list[str] = field(default_factory=list)

    def __post_init__(self):
        self._lock = threading.Lock()
        self._faults: list[tuple[str, str]] = []
        self._refused: dict[str, str] = {}
        self._replies: list[dict] = []
        self._receipts: list[dict] = []
        self._server: ThreadingHTTPServer | None = None

    # -- control --------------------------------------------------------------------------------

    def __enter__(self) -> FakeTencentSms:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> None:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                status, payload, hang = fake._handle(self.command, self.path, dict(self.headers), body)
                if hang:
                    time.sleep(fake.hang_s)
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def endpoint(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def config(self) -> dict[str, Any]:
        """The settings that point the tencent backend at this fake."""
        return {
            "TENCENTCLOUD_SECRET_ID": self.secret_id,
            "TENCENTCLOUD_SECRET_KEY": self.secret_key,
            "TENCENT_SMS_SDK_APP_ID": self.app_id,
            "TENCENT_SMS_SIGN_NAME": "测试",
            "TENCENT_SMS_ENDPOINT": self.endpoint,
            "TENCENT_SMS_TIMEOUT_S": 2.0,
        }

    def fail_next(self, code: str = "InternalError.Timeout") -> None:
        with self._lock:
            self._faults.append(("fail", code))

    def hang_next(self) -> None:
        with self._lock:
            self._faults.append(("hang", ""))

    def refuse_number(self, phone: str, code: str = "InvalidParameterValue.IncorrectPhoneNumber") -> None:
        self._refused[phone] = code

    def add_reply(self, phone: str, text: str, at: int, sign: str = "测试") -> dict:
        """Queue a reply for PullSmsReplyStatus; returns it in the push callback's shape."""
        country, number = "86", phone.removeprefix("+86")
        with self._lock:
            self._replies.append(
                {
                    "ExtendCode": "",
                    "CountryCode": country,
                    "PhoneNumber": phone,
                    "SignName": sign,
                    "ReplyContent": text,
                    "ReplyTime": at,
                    "SubscriberNumber": number,
                }
            )
        return {"extend": "", "mobile": number, "nationcode": country, "sign": sign, "text": text, "time": at}

    def drop_receipts(self) -> None:
        """Forget every receipt (a handset that has not reported yet)."""
        with self._lock:
            self._receipts.clear()

    # -- the API --------------------------------------------------------------------------------

    def _error(self, code: str, message: str) -> tuple[int, dict, bool]:
        return (
            200,
            {"Response": {"Error": {"Code": code, "Message": message}, "RequestId": str(uuid.uuid4())}},
            False,
        )

    def _authenticate(self, method: str, path: str, headers: Mapping[str, str], body: bytes) -> str | None:
        auth = headers.get("Authorization", "")
        if not auth.startswith("TC3-HMAC-SHA256 "):
            return "AuthFailure.InvalidAuthorization"
        fields = dict(
            part.strip().split("=", 1) for part in auth[len("TC3-HMAC-SHA256 ") :].split(",") if "=" in part
        )
        credential = fields.get("Credential", "").split("/")
        if len(credential) != 4 or credential[2:] != [SERVICE, "tc3_request"]:
            return "AuthFailure.InvalidAuthorization"
        if credential[0] != self.secret_id:
            return "AuthFailure.SecretIdNotFound"
        try:
            timestamp = int(headers.get("X-TC-Timestamp", ""))
        except ValueError:
            return "AuthFailure.InvalidAuthorization"
        if abs(time.time() - timestamp) > MAX_SKEW_S:
            return "AuthFailure.SignatureExpire"
        if credential[1] != datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d"):
            return "AuthFailure.SignatureFailure"
        if fields.get("SignedHeaders") != "content-type;host":
            return "AuthFailure.SignatureFailure"
        parts = urlsplit(path)
        wanted = expected_signature(self.secret_key, method, parts.path, parts.query, headers, body)
        if not hmac.compare_digest(wanted, fields.get("Signature", "")):
            return "AuthFailure.SignatureFailure"
        return None

    def _handle(
        self, method: str, path: str, headers: Mapping[str, str], raw: bytes
    ) -> tuple[int, dict, bool]:
        auth_error = self._authenticate(method, path, headers, raw)
        if auth_error:
            return self._error(auth_error, "The provided credentials could not be validated.")
        action = headers.get("X-TC-Action", "")
        problems = []
        if headers.get("X-TC-Version") != API_VERSION:
            problems.append(f"X-TC-Version must be {API_VERSION}")
        if not headers.get("X-TC-Region"):
            problems.append("X-TC-Region is required")
        if not headers.get("Content-Type", "").startswith("application/json"):
            problems.append("Content-Type must be application/json")
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = None
        if not isinstance(body, dict):
            problems.append("the body must be a JSON object")
            body = {}
        problems += contract_problems(action, body)
        self.requests.append((action, body))
        if problems:
            self.contract_violations += [f"{action}: {p}" for p in problems]
            code = "MissingParameter" if any("required" in p for p in problems) else "InvalidParameter"
            return self._error(code, "; ".join(problems))
        if body.get("SmsSdkAppId") != self.app_id:
            return self._error("FailedOperation.SmsSdkAppIdVerifyFail", "SdkAppId is not this account's")
        with self._lock:
            fault = self._faults.pop(0) if self._faults and action == "SendSms" else None
        if fault and fault[0] == "fail":
            return self._error(fault[1], "injected failure")
        handler = getattr(self, f"_{action}")
        status, payload = handler(body)
        return status, payload, bool(fault and fault[0] == "hang")

    def _ok(self, **fields) -> tuple[int, dict]:
        return 200, {"Response": {**fields, "RequestId": str(uuid.uuid4())}}

    def _SendSms(self, body: dict) -> tuple[int, dict]:
        template_id, params = body["TemplateId"], body.get("TemplateParamSet") or []
        if self.approved and self.approved.get(template_id) != len(params):
            status = self._error(
                "FailedOperation.TemplateIncorrectOrUnapproved", "template unapproved or params"
            )
            return status[0], status[1]
        statuses = []
        now = int(time.time())
        for phone in body["PhoneNumberSet"]:
            if phone in self._refused:
                statuses.append(
                    {
                        "SerialNo": "",
                        "PhoneNumber": phone,
                        "Fee": 0,
                        "SessionContext": body.get("SessionContext", ""),
                        "Code": self._refused[phone],
                        "Message": "refused",
                        "IsoCode": "CN",
                    }
                )
                continue
            serial = f"2433:{uuid.uuid4().int % 10**20:020d}"
            text_len = len(body.get("SignName", "")) + 2 + sum(len(p) for p in params) + 20
            fee = 1 if text_len <= 70 else -(-text_len // 67)
            sent = SentSms(
                serial,
                phone,
                template_id,
                list(params),
                body.get("SignName", ""),
                body.get("SessionContext", ""),
                now,
            )
            with self._lock:
                self.messages.append(sent)
                self._receipts.append(
                    {
                        "UserReceiveTime": datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%d %H:%M:%S"),
                        "CountryCode": "86",
                        "SubscriberNumber": phone.removeprefix("+86"),
                        "PhoneNumber": phone,
                        "SerialNo": serial,
                        "ReportStatus": "SUCCESS",
                        "Description": "DELIVRD",
                        "SessionContext": sent.session_context,
                        "_pulled": False,
                        "_at": now,
                    }
                )
            statuses.append(
                {
                    "SerialNo": serial,
                    "PhoneNumber": phone,
                    "Fee": fee,
                    "SessionContext": sent.session_context,
                    "Code": "Ok",
                    "Message": "send success",
                    "IsoCode": "CN",
                }
            )
        return self._ok(SendStatusSet=statuses)

    @staticmethod
    def _public(receipt: dict) -> dict:
        return {k: v for k, v in receipt.items() if not k.startswith("_")}

    def _PullSmsSendStatus(self, body: dict) -> tuple[int, dict]:
        with self._lock:
            fresh = [r for r in self._receipts if not r["_pulled"]][: body["Limit"]]
            for r in fresh:
                r["_pulled"] = True
        return self._ok(PullSmsSendStatusSet=[self._public(r) for r in fresh])

    def _PullSmsSendStatusByPhoneNumber(self, body: dict) -> tuple[int, dict]:
        end = body.get("EndTime") or int(time.time())
        with self._lock:
            found = [
                self._public(r)
                for r in self._receipts
                if r["PhoneNumber"] == body["PhoneNumber"] and body["BeginTime"] <= r["_at"] <= end
            ]
        return self._ok(PullSmsSendStatusSet=found[body["Offset"] : body["Offset"] + body["Limit"]])

    def _PullSmsReplyStatus(self, body: dict) -> tuple[int, dict]:
        with self._lock:
            taken, self._replies = self._replies[: body["Limit"]], self._replies[body["Limit"] :]
        return self._ok(PullSmsReplyStatusSet=taken)
