"""A local stand-in for Twilio's REST API, and helpers that play Twilio's webhooks.

Used by the tests (through the ``fake_twilio`` fixture) and by ``dispatch bench sms``, which is
why it ships inside the package; nothing in the application imports it.

``FakeTwilio`` is a real HTTP server on 127.0.0.1 that the official client talks to (through
``TWILIO_API_BASE``). It implements the two Messages endpoints the project uses:

- ``POST /2010-04-01/Accounts/{AccountSid}/Messages.json`` — form fields To, From, Body,
  StatusCallback; HTTP basic auth must be the account sid and token (401 otherwise); answers 201
  with a Twilio-shaped message resource (status "queued");
- ``GET /2010-04-01/Accounts/{AccountSid}/Messages.json`` — the stored messages, newest first,
  filtered by To, From, DateSent / DateSent< / DateSent> (the last two inclusive), in Twilio's
  paging envelope (Page, PageSize).

Every message taken is appended to ``.messages``. Faults are queued and consumed by the next
POSTs in the order they were asked for: ``fail_next`` (an HTTP error, nothing stored),
``refuse_next`` (400 with a Twilio error code, nothing stored), ``hang_next`` (the message IS
stored, then the answer is held back past the client's timeout). ``fail_every(k)`` makes every
k-th POST answer 500 without storing.
"""

from __future__ import annotations

import base64
import functools
import json
import secrets
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import requests
from twilio.request_validator import RequestValidator

DEFAULT_ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
DEFAULT_AUTH_TOKEN = "f" * 8 + "0" * 24
#: Twilio's documented magic "From" number for test credentials.
DEFAULT_FROM_NUMBER = "+15005550006"
API_VERSION = "2010-04-01"

_ERROR_TEXTS = {
    20003: "Authenticate",
    20404: "The requested resource was not found",
    20429: "Too Many Requests",
    20500: "Internal Server Error",
    21211: "The 'To' number is not a valid phone number.",
    21602: "Message body is required.",
    21604: "A 'To' phone number is required.",
    21610: "Attempt to send to unsubscribed recipient",
    21614: "'To' number is not a valid mobile number",
}
_STATUS_CODES = {401: 20003, 404: 20404, 429: 20429}

# Twilio counts segments itself; the fake does too, independently of the code under test.
_GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXT = set("^{}\\[~]|€\f")


def _segments(body: str) -> int:
    if set(body) <= _GSM7 | _GSM7_EXT:
        units, single, split = sum(1 + (c in _GSM7_EXT) for c in body), 160, 153
    else:
        units, single, split = sum(1 + (ord(c) > 0xFFFF) for c in body), 70, 67
    return 1 if units <= single else -(-units // split)


def _rfc2822(moment: datetime | None) -> str | None:
    return format_datetime(moment.astimezone(UTC), usegmt=True) if moment else None


def _error(status: int, code: int | None = None) -> tuple[int, dict[str, Any]]:
    code = code or _STATUS_CODES.get(status, 20500 if status >= 500 else status)
    body = {
        "code": code,
        "message": _ERROR_TEXTS.get(code, f"Error {code}"),
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    return status, body


def _date_bounds(value: str) -> tuple[datetime, datetime]:
    """The inclusive range a DateSent filter value names: one second, or one whole UTC day."""
    if "T" in value:
        moment = datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        return moment, moment
    day = datetime.fromisoformat(value).replace(tzinfo=UTC)
    return day, day + timedelta(days=1, seconds=-1)


class FakeTwilio:
    """Twilio's Messages API on a free local port; see the module docstring."""

    def __init__(
        self,
        account_sid: str = DEFAULT_ACCOUNT_SID,
        auth_token: str = DEFAULT_AUTH_TOKEN,
        *,
        clock: Callable[[], datetime] | None = None,
    ):
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.clock = clock or (lambda: datetime.now(UTC))
        #: Every message taken: to, from_, body, status_callback, sid, received_at, num_segments.
        self.messages: list[dict[str, Any]] = []
        #: How many message-create requests arrived, including the ones answered with a fault.
        self.posts = 0
        self._faults: list[tuple[str, float]] = []
        self._fail_every = 0
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- life cycle -------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeTwilio is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self, port: int = 0) -> FakeTwilio:
        """Serve on 127.0.0.1:``port`` (0: a free port)."""
        self._stopping.clear()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _Handler)
        self._server.daemon_threads = True
        self._server.fake = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(
            # A short poll keeps stop() quick; serve_forever checks for shutdown at this pace.
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fake-twilio",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; held-back answers are released at once."""
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        self._server = self._thread = None

    def __enter__(self) -> FakeTwilio:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def config(self, **overrides: object) -> dict[str, object]:
        """A gateway configuration pointing at this fake."""
        return {
            "TWILIO_ACCOUNT_SID": self.account_sid,
            "TWILIO_AUTH_TOKEN": self.auth_token,
            "TWILIO_FROM_NUMBER": DEFAULT_FROM_NUMBER,
            "TWILIO_API_BASE": self.base_url,
            **overrides,
        }

    # -- misbehaviour -----------------------------------------------------------------------

    def fail_next(self, n: int = 1, status: int = 500) -> None:
        """The next ``n`` POSTs answer ``status`` (with Twilio's error JSON) and store nothing."""
        with self._lock:
            self._faults += [("fail", status)] * n

    def refuse_next(self, n: int = 1, code: int = 21211) -> None:
        """The next ``n`` POSTs answer 400 with Twilio error ``code`` and store nothing."""
        with self._lock:
            self._faults += [("refuse", code)] * n

    def hang_next(self, n: int = 1, seconds: float = 5.0) -> None:
        """The next ``n`` POSTs store the message, then hold the answer back ``seconds``."""
        with self._lock:
            self._faults += [("hang", seconds)] * n

    def fail_every(self, k: int) -> None:
        """Every ``k``-th POST (counting from now, all POSTs) answers 500; 0 turns this off."""
        with self._lock:
            self._fail_every = k
            self.posts = 0

    def reset(self) -> None:
        """Forget messages, counters and pending faults."""
        with self._lock:
            self.messages.clear()
            self._faults.clear()
            self._fail_every = 0
            self.posts = 0

    # -- webhooks Twilio would send ---------------------------------------------------------

    def post_status(
        self, url: str, sid: str, status: str, error_code: int | str | None = None, **kwargs: Any
    ) -> Any:
        """Post a signed status callback for a stored message, To and From filled in.

        ``kwargs`` are ``public_url`` and ``post``, as for ``send_status_callback``.
        """
        stored = next((m for m in self.messages if m["sid"] == sid), {})
        return send_status_callback(
            url,
            sid,
            status,
            error_code,
            auth_token=self.auth_token,
            account_sid=self.account_sid,
            to=stored.get("to"),
            from_=stored.get("from_"),
            **kwargs,
        )

    # -- what the handler calls -------------------------------------------------------------

    def _authorized(self, header: str | None) -> bool:
        if not header or not header.startswith("Basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return False
        return secrets.compare_digest(user, self.account_sid) and secrets.compare_digest(
            password, self.auth_token
        )

    def _create(self, form: Mapping[str, str]) -> tuple[int, dict[str, Any], float]:
        """(status, JSON body, seconds to hold the answer back)."""
        with self._lock:
            self.posts += 1
            fault = self._faults.pop(0) if self._faults else None
            if fault is None and self._fail_every and self.posts % self._fail_every == 0:
                fault = ("fail", 500)
        if fault and fault[0] == "fail":
            return (*_error(int(fault[1])), 0.0)
        if fault and fault[0] == "refuse":
            return (*_error(400, int(fault[1])), 0.0)
        if not form.get("To"):
            return (*_error(400, 21604), 0.0)
        if not form.get("Body"):
            return (*_error(400, 21602), 0.0)
        record = {
            "to": form["To"],
            "from_": form.get("From"),
            "body": form["Body"],
            "status_callback": form.get("StatusCallback"),
            "sid": "SM" + secrets.token_hex(16),
            "received_at": self.clock(),
            "num_segments": _segments(form["Body"]),
        }
        with self._lock:
            self.messages.append(record)
        delay = float(fault[1]) if fault else 0.0
        return 201, self._resource(record, status="queued", sent=False), delay

    def _list(self, path: str, query: Mapping[str, str]) -> dict[str, Any]:
        found = list(reversed(self.messages))
        if query.get("To"):
            found = [m for m in found if m["to"] == query["To"]]
        if query.get("From"):
            found = [m for m in found if m["from_"] == query["From"]]
        low = high = None
        if query.get("DateSent"):
            low, high = _date_bounds(query["DateSent"])
        if query.get("DateSent>"):
            low = _date_bounds(query["DateSent>"])[0]
        if query.get("DateSent<"):
            high = _date_bounds(query["DateSent<"])[1]
        # Twilio keeps whole seconds.
        found = [
            m
            for m in found
            if (low is None or m["received_at"].replace(microsecond=0) >= low)
            and (high is None or m["received_at"].replace(microsecond=0) <= high)
        ]
        page = int(query.get("Page", 0))
        size = int(query.get("PageSize", 50))
        chunk = found[page * size : (page + 1) * size]
        filters = {k: v for k, v in query.items() if k not in ("Page", "PageSize", "PageToken")}

        def uri(n: int) -> str:
            return f"{path}?{urlencode({**filters, 'PageSize': size, 'Page': n})}"

        return {
            # By the time anyone lists them, the fake has "sent" its messages.
            "messages": [self._resource(m, status="sent", sent=True) for m in chunk],
            "page": page,
            "page_size": size,
            "start": page * size,
            "end": page * size + max(len(chunk) - 1, 0),
            "uri": uri(page),
            "first_page_uri": uri(0),
            "previous_page_uri": uri(page - 1) if page else None,
            "next_page_uri": uri(page + 1) if (page + 1) * size < len(found) else None,
        }

    def _resource(self, m: Mapping[str, Any], *, status: str, sent: bool) -> dict[str, Any]:
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{m['sid']}"
        return {
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "body": m["body"],
            "date_created": _rfc2822(m["received_at"]),
            "date_sent": _rfc2822(m["received_at"]) if sent else None,
            "date_updated": _rfc2822(m["received_at"]),
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": m["from_"],
            "messaging_service_sid": None,
            "num_media": "0",
            "num_segments": str(m["num_segments"]),
            "price": None,
            "price_unit": "USD",
            "sid": m["sid"],
            "status": status,
            "subresource_uris": {"media": f"{uri}/Media.json"},
            "to": m["to"],
            "uri": f"{uri}.json",
        }


class _Handler(BaseHTTPRequestHandler):
    server_version = "FakeTwilio/1"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass  # keep test output clean

    @property
    def fake(self) -> FakeTwilio:
        return self.server.fake  # type: ignore[attr-defined]

    def _route(self) -> str | None:
        """The request path if it is this account's Messages list, else None after a 401/404."""
        if not self.fake._authorized(self.headers.get("Authorization")):
            self._answer(*_error(401))
            return None
        path = urlsplit(self.path).path
        if path != f"/{API_VERSION}/Accounts/{self.fake.account_sid}/Messages.json":
            self._answer(*_error(404))
            return None
        return path

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode()
        if self._route() is None:
            return
        form = {k: v[-1] for k, v in parse_qs(raw, keep_blank_values=True).items()}
        status, body, delay = self.fake._create(form)
        if delay:
            self.fake._stopping.wait(delay)
        self._answer(status, body)

    def do_GET(self) -> None:
        path = self._route()
        if path is None:
            return
        query = {k: v[-1] for k, v in parse_qs(urlsplit(self.path).query).items()}
        self._answer(200, self.fake._list(path, query))

    def _answer(self, status: int, body: Mapping[str, Any]) -> None:
        data = json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            pass  # the client gave up waiting (a held-back answer): that is the point


@dataclass(frozen=True)
class SignedRequest:
    """A webhook request as Twilio would send it: post ``data`` with ``headers`` to ``url``."""

    url: str
    data: dict[str, str]
    headers: dict[str, str]


def signed_post(
    url: str, params: Mapping[str, object], auth_token: str, public_url: str | None = None
) -> SignedRequest:
    """Sign ``params`` the way Twilio signs a webhook.

    ``public_url`` is the full URL Twilio was told to call (what the app rebuilds from
    PUBLIC_BASE_URL) when it differs from ``url``, where the request is actually posted —
    e.g. ``url="/sms/inbound"`` for Flask's test client.
    """
    data = {k: str(v) for k, v in params.items()}
    signature = RequestValidator(auth_token).compute_signature(public_url or url, data)
    return SignedRequest(url=url, data=data, headers={"X-Twilio-Signature": signature})


def send_status_callback(
    url: str,
    sid: str,
    status: str,
    error_code: int | str | None = None,
    *,
    auth_token: str,
    account_sid: str = DEFAULT_ACCOUNT_SID,
    to: str | None = None,
    from_: str | None = None,
    public_url: str | None = None,
    post: Callable[..., Any] | None = None,
) -> Any:
    """Post a signed delivery-status callback for message ``sid`` and return the response.

    ``post`` is called as ``post(url, data=..., headers=...)``: ``requests.post`` by default
    (a live server), or a Flask test client's ``client.post``.
    """
    params: dict[str, object] = {
        "AccountSid": account_sid,
        "ApiVersion": API_VERSION,
        "MessageSid": sid,
        "SmsSid": sid,
        "MessageStatus": status,
        "SmsStatus": status,
    }
    if to:
        params["To"] = to
    if from_:
        params["From"] = from_
    if error_code is not None:
        params["ErrorCode"] = error_code
    request = signed_post(url, params, auth_token, public_url)
    post = post or functools.partial(requests.post, timeout=10)
    return post(request.url, data=request.data, headers=request.headers)
