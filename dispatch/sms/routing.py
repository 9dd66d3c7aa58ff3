"""Which gateway carries an organisation's messages.

``SMS_BACKEND`` names the deployment's gateway; ``SMS_ORG_BACKENDS`` (``"zycoach=tencent"``,
comma-separated) gives some organisations another one — the coach maker's stations text Chinese
phones through a Chinese template gateway while the county keeps its own. ``backend_for`` is the
one place that choice is made; the worker sends through ``OrgGateways``, which hands each
message to its organisation's gateway.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from dispatch.sms.gateway import Gateway, OutgoingMessage, SendResult, create_gateway

#: Backends that send only approved templates: free text is never sent through them.
TEMPLATE_BACKENDS = frozenset({"tencent"})


def org_backends(config: Mapping[str, object]) -> dict[str, str]:
    """``SMS_ORG_BACKENDS`` as {organisation code: backend}."""
    found = {}
    for item in str(config.get("SMS_ORG_BACKENDS") or "").split(","):
        code, sep, backend = item.partition("=")
        if sep and code.strip() and backend.strip():
            found[code.strip()] = backend.strip()
    return found


def backend_for(config: Mapping[str, object], org_code: str | None) -> str:
    """The backend that carries ``org_code``'s messages: its own setting, else the global one."""
    return org_backends(config).get(org_code or "", str(config["SMS_BACKEND"]))


def sends_free_text(config: Mapping[str, object], org_code: str | None) -> bool:
    """False when the organisation's gateway sends only approved templates."""
    return backend_for(config, org_code) not in TEMPLATE_BACKENDS


def any_template_backend(config: Mapping[str, object]) -> bool:
    """Whether any organisation's messages go through a template-only gateway."""
    used = {str(config["SMS_BACKEND"]), *org_backends(config).values()}
    return bool(used & TEMPLATE_BACKENDS)


class OrgGateways(Gateway):
    """One gateway per backend in use; each message goes through its organisation's."""

    name = "routed"

    def __init__(self, config: Mapping[str, object]):
        self.config = config
        self.default = create_gateway(str(config["SMS_BACKEND"]), config)
        self.gateways: dict[str, Gateway] = {self.default.name: self.default}
        for backend in set(org_backends(config).values()) - set(self.gateways):
            self.gateways[backend] = create_gateway(backend, config)
        self.codes: dict[int, str] = {}
        for gateway in self.gateways.values():
            if hasattr(gateway, "org_code"):
                gateway.org_code = lambda org_id: self.codes.get(org_id) if org_id is not None else None

    def refresh(self, session: Session) -> None:
        """Read the organisations' codes (organisations are few; called once per delivery run)."""
        from dispatch.auth.models import Organisation

        rows = session.execute(sa.select(Organisation.id, Organisation.code)).all()
        self.codes = {row.id: row.code for row in rows}

    def for_message(self, message: OutgoingMessage) -> Gateway:
        return self.gateways[backend_for(self.config, self.codes.get(message.org_id or -1))]

    def send(self, message: OutgoingMessage) -> SendResult:
        return self.for_message(message).send(message)

    def find_sent(self, message: OutgoingMessage, since: datetime) -> str | None:
        return self.for_message(message).find_sent(message, since)

    def close(self) -> None:
        for gateway in self.gateways.values():
            close = getattr(gateway, "close", None)
            if close is not None:
                close()
