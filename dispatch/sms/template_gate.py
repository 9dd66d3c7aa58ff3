"""The outbox's gate for organisations whose gateway sends only approved templates.

When a message is queued for such an organisation (``routing.sends_free_text`` is false), its
kind (or the template it names) must resolve to an approved template with valid parameters.
Then the stored body becomes the text the handset will show — 【signature】 and the approved
Chinese text with the parameters filled in — and its segments are counted as the provider bills
them. Otherwise the message is refused at once: ``outbox.enqueue`` gives it up with the reason,
which raises a delivery alert; it is never sent as free text. Other gateways are left alone.
"""

from __future__ import annotations

from flask import current_app, has_app_context
from sqlalchemy.orm import Session

from dispatch.sms import routing, templates
from dispatch.sms.models import OutboxMessage


def _org_code(session: Session, org_id: int | None) -> str | None:
    from dispatch.auth.models import Organisation

    if org_id is None:
        return None
    org = session.get(Organisation, org_id)
    return org.code if org is not None else None


def sign_name(config, org_code: str | None) -> str:
    org = templates.current(config).organisations.get(org_code or "")
    return (org.sign_name if org else "") or str(config.get("TENCENT_SMS_SIGN_NAME") or "")


def apply(session: Session, message: OutboxMessage) -> tuple[str, str] | None:
    """Render ``message`` as its template, or return (reason, code) to refuse it with."""
    if not has_app_context():
        return None
    config = current_app.config
    if not routing.any_template_backend(config):
        return None  # the common case costs no query
    org_code = _org_code(session, message.org_id)
    if routing.sends_free_text(config, org_code):
        return None
    try:
        resolved = templates.resolve(
            templates.current(config), message.template or message.kind, org_code, message.params or {}
        )
    except templates.TemplateRefused as exc:
        return f"not sent (approved templates only): {exc}", exc.code
    sign = sign_name(config, org_code)
    message.template = message.template or message.kind
    message.body = f"【{sign}】{resolved.text}"
    message.segments = templates.provider_segments(sign, resolved.text)
    return None
