"""The gateway interface every SMS provider implements, and the registry that picks one.

A gateway only hands one message to a provider and says what happened; the outbox decides
when to send, how often to retry, and what a failure means. Providers differ in what they need
(Twilio takes a free-text body; the template-based providers used inside China take a registered
【signature】, a template id and parameters), so a message carries both its rendered body and,
when it was built from a template, the template key and parameters.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class OutgoingMessage:
    """One message as the outbox hands it to a gateway."""

    outbox_id: int
    to: str  #: E.164
    body: str
    #: Where the provider should post delivery receipts; None when no public URL is configured.
    status_callback: str | None = None
    #: For template-based providers: the template key and its parameters.
    template: str | None = None
    params: Mapping[str, str] = field(default_factory=dict)
    #: Provider ids already recorded for *other* outbox messages (set for a look-up before a
    #: resend): two identical texts to one number must never be taken for each other's send.
    known_ids: frozenset[str] = frozenset()
    #: What the message is for (the outbox's kind) and whose it is: a template gateway picks the
    #: organisation's template for the kind.
    kind: str | None = None
    org_id: int | None = None


@dataclass(frozen=True)
class SendResult:
    provider_id: str | None
    segments: int
    #: The provider's own first status ("queued", "accepted", "sent" …), if it gave one.
    status: str | None = None


class GatewayError(Exception):
    """The provider did not take the message.

    ``retryable`` says whether sending the same message again may succeed (a 5xx, a rate limit)
    or never will (an invalid number): the outbox gives up at once on the latter.
    """

    def __init__(self, message: str, *, retryable: bool = True, code: str | None = None):
        super().__init__(message)
        self.retryable = retryable
        self.code = code


class GatewayTimeout(GatewayError):
    """The request went out but no answer came back: the provider may have the message.

    The outbox marks the message *uncertain* and asks the gateway (``find_sent``) before it
    sends again, so a timeout never becomes a duplicate.
    """

    def __init__(self, message: str):
        super().__init__(message, retryable=True, code="timeout")


class Gateway(abc.ABC):
    name: str = ""

    @abc.abstractmethod
    def send(self, message: OutgoingMessage) -> SendResult:
        """Hand one message to the provider. Raises GatewayError / GatewayTimeout."""

    def find_sent(self, message: OutgoingMessage, since: datetime) -> str | None:
        """The provider id of ``message`` if the provider already has it (sent at or after
        ``since``, and not one of ``message.known_ids``), else None. Used after a timeout; a
        gateway that cannot look up says None."""
        return None


_REGISTRY: dict[str, Callable[[Mapping[str, object]], Gateway]] = {}


def register(name: str):
    """Class decorator: make a gateway available under ``SMS_BACKEND=name``."""

    def wrap(factory):
        _REGISTRY[name] = factory
        factory.name = name
        return factory

    return wrap


def create_gateway(name: str, config: Mapping[str, object]) -> Gateway:
    try:
        factory = _REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY)) or "none"
        raise ValueError(f"unknown SMS backend {name!r} (known: {known})") from None
    return factory(config)
