"""The offline gateway: a message counts as delivered the moment it is handed over.

The SMS simulator page shows the outbox, so a person can read what a technician or citizen would
have received and answer in their place through the same inbound pipeline.
"""

from __future__ import annotations

from dispatch.sms.gateway import Gateway, OutgoingMessage, SendResult, register
from dispatch.sms.segments import count_segments


@register("console")
class ConsoleGateway(Gateway):
    def __init__(self, config=None):
        self.config = config or {}

    def send(self, message: OutgoingMessage) -> SendResult:
        return SendResult(
            provider_id=f"CONSOLE{message.outbox_id:010d}",
            segments=count_segments(message.body).segments,
            status="delivered",
        )
