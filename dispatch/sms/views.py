"""Twilio's webhooks: ``POST /sms/inbound`` (a text received) and ``POST /sms/status`` (a receipt).

Only Twilio can call them: each request must carry an ``X-Twilio-Signature`` that
``RequestValidator`` accepts for ``PUBLIC_BASE_URL`` + the path (the address Twilio was given,
so the check holds behind a proxy) under ``TWILIO_AUTH_TOKEN``. Anything unsigned or forged gets
403. Without ``TWILIO_AUTH_TOKEN`` nothing can be verified, so both answer 403 whatever
``SMS_BACKEND`` says: the console backend needs no webhooks (its simulator page calls
``inbound.receive`` itself), and an unauthenticated way to inject texts is never opened.

They are exempt from CSRF: the signature is their authentication.
"""

from __future__ import annotations

import logging
import re
from xml.sax.saxutils import escape

from flask import Blueprint, Response, abort, current_app, jsonify, request
from twilio.request_validator import RequestValidator

from dispatch.extensions import csrf, db
from dispatch.sms import delivery, inbound

log = logging.getLogger(__name__)

bp = Blueprint("sms", __name__, url_prefix="/sms")
csrf.exempt(bp)

#: Column sizes of InboundMessage: longer values cannot be Twilio's.
_MAX_SID, _MAX_NUMBER = 64, 40
# Characters XML 1.0 cannot carry (C0 controls other than tab, newline, carriage return).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>'


def signature_valid() -> bool:
    """True when the request carries Twilio's signature for our public URL of this path."""
    token = current_app.config.get("TWILIO_AUTH_TOKEN")
    signature = request.headers.get("X-Twilio-Signature")
    if not token or not signature:
        return False
    url = current_app.config["PUBLIC_BASE_URL"].rstrip("/") + request.path
    if request.query_string:
        url += "?" + request.query_string.decode("latin-1")
    return RequestValidator(token).validate(url, request.form, signature)


def twiml(reply: str | None) -> Response:
    """A TwiML answer: the reply as one message, or an empty ``<Response/>``."""
    if reply:
        body = f"{_XML_HEAD}<Response><Message>{escape(_NOT_XML.sub('', reply))}</Message></Response>"
    else:
        body = f"{_XML_HEAD}<Response/>"
    return Response(body, status=200, mimetype="text/xml")


def _clean(form) -> dict[str, str]:
    """The webhook's fields without NUL: PostgreSQL text cannot hold it, and nothing a handset or
    Twilio sends needs it. (The signature was checked on the fields as they came.)"""
    return {key: value.replace("\x00", "") for key, value in form.items()}


@bp.post("/inbound")
def inbound_sms():
    """Store the text, act on it once, and answer with the reply (the same one to a retry)."""
    if not signature_valid():
        abort(403)
    form = _clean(request.form)
    sid = form.get("MessageSid") or form.get("SmsSid") or ""
    sender = form.get("From") or ""
    recipient = form.get("To") or None
    if not sid or not sender or len(sid) > _MAX_SID or len(sender) > _MAX_NUMBER:
        return jsonify(error="MessageSid and From are required"), 400
    if recipient and len(recipient) > _MAX_NUMBER:
        recipient = None
    body = form.get("Body") or ""
    message = inbound.receive(db.session, provider_id=sid, sender=sender, recipient=recipient, body=body)
    return twiml(message.reply)


@bp.post("/status")
def status_callback():
    """Record a delivery receipt. Unknown messages and statuses are acknowledged and ignored:
    Twilio would only retry them."""
    if not signature_valid():
        abort(403)
    form = _clean(request.form)
    sid = form.get("MessageSid") or form.get("SmsSid") or ""
    status = form.get("MessageStatus") or form.get("SmsStatus") or ""
    outcome = delivery.record_status(db.session, sid[:_MAX_SID], status, form.get("ErrorCode") or None)
    db.session.commit()
    if outcome in (delivery.Outcome.UNKNOWN_MESSAGE, delivery.Outcome.UNKNOWN_STATUS):
        log.info("status callback ignored (%s): sid=%r status=%r", outcome.value, sid, status)
    return "", 204
