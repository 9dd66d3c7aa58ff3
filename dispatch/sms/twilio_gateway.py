"""Sending through Twilio's Programmable Messaging API with the official ``twilio`` client.

Configuration (a mapping, normally the app config fed from the environment):

- ``TWILIO_ACCOUNT_SID``, ``TWILIO_AUTH_TOKEN``, ``TWILIO_FROM_NUMBER`` — required;
- ``TWILIO_API_BASE`` — optional, e.g. ``http://127.0.0.1:8765``: every request goes to that
  scheme and host instead of Twilio's (the test fake, or a Prism mock for the contract check);
- ``TWILIO_TIMEOUT_S`` — optional seconds to wait for Twilio's answer, default 10.

How failures are reported, so the outbox can choose between retrying and giving up:

- Twilio refused this message (a 4xx such as 21211 invalid To, 21610 unsubscribed, 21614 not a
  mobile number) → ``GatewayError(retryable=False, code="21211")``;
- Twilio could not take it now (429, 5xx), or the account is misconfigured (401, 403, 404: the
  message itself is fine and can go once the credentials are fixed) → retryable ``GatewayError``;
- the request went out and no readable answer came back (read timeout, connection dropped after
  sending, a 2xx we cannot parse) → ``GatewayTimeout``: Twilio may have the message;
- the connection could not be made at all → retryable ``GatewayError``: Twilio never saw it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from urllib.parse import urlsplit, urlunsplit

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException, TwilioServiceException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client
from urllib3.exceptions import NewConnectionError

from dispatch import clock
from dispatch.sms.gateway import Gateway, GatewayError, GatewayTimeout, OutgoingMessage, SendResult, register
from dispatch.sms.segments import count_segments

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 10.0

#: The client logs a dozen lines (every header) per request at INFO: in a worker under load that
#: is most of its work. Its own logger, quiet unless configured otherwise.
_http_log = logging.getLogger("dispatch.sms.twilio_http")
_http_log.setLevel(logging.WARNING)

#: 4xx answers that are about the account, not the message: retrying after a fix can succeed.
_ACCOUNT_STATUSES = frozenset({401, 403, 404})
#: 4xx answers that mean "not now" rather than "never".
_TRANSIENT_STATUSES = frozenset({408, 409, 429})


class RebasedHttpClient(TwilioHttpClient):
    """A ``TwilioHttpClient`` that sends every request to ``base`` instead of twilio.com.

    Only the scheme and host (and a path prefix, if ``base`` has one) change; the API path and
    query are kept, so next-page links Twilio returns as absolute URLs are rebased too.
    """

    def __init__(self, base: str, **kwargs):
        super().__init__(**kwargs)
        parts = urlsplit(base)
        if not parts.scheme or not parts.netloc:
            raise ValueError(f"TWILIO_API_BASE must be an absolute URL, got {base!r}")
        self._scheme = parts.scheme
        self._netloc = parts.netloc
        self._prefix = parts.path.rstrip("/")

    def rebase(self, url: str) -> str:
        parts = urlsplit(url)
        return urlunsplit((self._scheme, self._netloc, self._prefix + parts.path, parts.query, ""))

    def request(self, method: str, url: str, *args, **kwargs) -> Response:
        return super().request(method, self.rebase(url), *args, **kwargs)


@register("twilio")
class TwilioGateway(Gateway):
    """Hands messages to Twilio. See the module docstring for configuration and error mapping."""

    def __init__(self, config: Mapping[str, object]):
        missing = [
            key
            for key in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM_NUMBER")
            if not config.get(key)
        ]
        if missing:
            raise ValueError(f"the twilio SMS backend needs {', '.join(missing)}")
        self.from_number = str(config["TWILIO_FROM_NUMBER"])
        self.timeout_s = float(config.get("TWILIO_TIMEOUT_S") or DEFAULT_TIMEOUT_S)
        base = config.get("TWILIO_API_BASE")
        if base:
            self.http_client: TwilioHttpClient = RebasedHttpClient(
                str(base), timeout=self.timeout_s, logger=_http_log
            )
        else:
            self.http_client = TwilioHttpClient(timeout=self.timeout_s, logger=_http_log)
        self.client = Client(
            str(config["TWILIO_ACCOUNT_SID"]),
            str(config["TWILIO_AUTH_TOKEN"]),
            http_client=self.http_client,
        )

    def close(self) -> None:
        """Release pooled connections (the client keeps a ``requests`` session)."""
        if self.http_client.session is not None:
            self.http_client.session.close()

    def send(self, message: OutgoingMessage) -> SendResult:
        """Create the message at Twilio.

        Returns the message sid, the segment count (Twilio's ``num_segments``, or our own
        count when Twilio leaves it out) and Twilio's first status. Raises ``GatewayError`` or
        ``GatewayTimeout`` as described in the module docstring.
        """
        kwargs: dict[str, str] = {"to": message.to, "from_": self.from_number, "body": message.body}
        if message.status_callback:
            kwargs["status_callback"] = message.status_callback
        with _mapped_errors("send"):
            created = self.client.messages.create(**kwargs)
        try:
            segments = int(created.num_segments or "")
        except ValueError:
            segments = count_segments(message.body).segments
        status = str(created.status) if created.status else None
        return SendResult(provider_id=created.sid, segments=segments, status=status)

    def find_sent(self, message: OutgoingMessage, since: datetime) -> str | None:
        """The sid of a message to ``message.to`` with the same body created at or after
        ``since``, or None; a naive ``since`` is read in the configured zone. Raises
        ``GatewayError`` when Twilio cannot be asked."""
        # The client formats the filter as "%Y-%m-%dT%H:%M:%SZ" without converting: it must
        # be given UTC. Twilio keeps whole seconds, so compare at that precision.
        since_utc = clock.aware(since).replace(microsecond=0)
        with _mapped_errors("look up"):
            candidates = self.client.messages.list(to=message.to, date_sent_after=since_utc, limit=200)
        # Oldest first (Twilio lists newest first; within one second its order is kept,
        # reversed): of two identical texts queued together, the first one sent is the first
        # one queued. A sid already recorded for another message is never ours.
        oldest_first = list(candidates)[::-1]
        oldest_first.sort(key=_created)
        for candidate in oldest_first:
            created_at = candidate.date_created or candidate.date_sent
            # The same text may have gone to the same number before (a repeated reminder):
            # only a message created after our attempt started can be ours.
            if created_at is not None and created_at < since_utc:
                continue
            if candidate.body == message.body and candidate.sid not in message.known_ids:
                return candidate.sid
        return None


def _created(candidate) -> datetime:
    return candidate.date_created or candidate.date_sent or datetime.max.replace(tzinfo=UTC)


@contextmanager
def _mapped_errors(action: str) -> Iterator[None]:
    """Turn the client's and requests' exceptions into gateway errors."""
    try:
        yield
    except Exception as exc:
        mapped = _map_exception(action, exc)
        if mapped is None:
            raise
        raise mapped from exc


def _map_exception(action: str, exc: BaseException) -> GatewayError | None:
    if isinstance(exc, TwilioRestException | TwilioServiceException):
        # str() of these exceptions adds terminal colours when stderr is a tty: use the fields.
        if isinstance(exc, TwilioRestException):
            detail = exc.msg
        else:
            detail = exc.detail or exc.title
        return _map_rest_error(action, exc.status, exc.code, detail)
    if isinstance(exc, requests.ConnectTimeout):
        # Covers only the connect phase: nothing was sent.
        return GatewayError(f"could not {action}: connecting to Twilio timed out", retryable=True)
    if isinstance(exc, requests.Timeout):
        return GatewayTimeout(f"could not {action}: Twilio did not answer in time")
    if isinstance(exc, requests.ConnectionError):
        if _never_connected(exc):
            return GatewayError(f"could not {action}: cannot reach Twilio ({exc})", retryable=True)
        # The connection dropped after the request may have been sent.
        return GatewayTimeout(f"could not {action}: the connection to Twilio dropped")
    if isinstance(exc, requests.RequestException):
        return GatewayError(f"could not {action}: {exc}", retryable=True)
    if isinstance(exc, ValueError | TwilioException):
        # A 2xx whose body is not the JSON we expect: Twilio probably took the message.
        return GatewayTimeout(f"could not {action}: unreadable answer from Twilio ({exc})")
    return None


def _never_connected(exc: requests.ConnectionError) -> bool:
    if isinstance(exc, requests.exceptions.SSLError):
        return True
    reason = exc.args[0] if exc.args else None
    reason = getattr(reason, "reason", reason)  # urllib3's MaxRetryError wraps the cause
    return isinstance(reason, NewConnectionError)


def _map_rest_error(action: str, status: int, code: int | None, detail: str) -> GatewayError:
    code_text = str(code) if code else f"http_{status}"
    text = f"Twilio refused to {action} (HTTP {status}, code {code_text}): {detail}"
    if status >= 500 or status in _TRANSIENT_STATUSES or status in _ACCOUNT_STATUSES:
        if status in _ACCOUNT_STATUSES:
            log.error("Twilio rejected the account configuration: %s", text)
        return GatewayError(text, retryable=True, code=code_text)
    return GatewayError(text, retryable=False, code=code_text)
