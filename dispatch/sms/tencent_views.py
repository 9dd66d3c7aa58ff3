"""Tencent Cloud SMS callbacks: ``POST /sms/tencent/reply/<secret>`` and ``/status/<secret>``.

The provider's pushes carry no signature of their own, so the long secret in the address — the
``TENCENT_SMS_CALLBACK_SECRET`` setting, given to the provider as part of the callback URL — is
what authenticates them. Without that setting, or with any other secret, both answer 404 and do
nothing: an unauthenticated way to inject texts is never opened. Exempt from CSRF.

Both answer the provider's expected ``{"result": 0, "errmsg": "OK"}`` once the push is stored;
a push the provider retries, or a reply already pulled, changes nothing (see tencent_inbound).
"""

from __future__ import annotations

import hmac
import logging

from flask import Blueprint, abort, current_app, jsonify, request

from dispatch.db import sqlite_writer
from dispatch.extensions import csrf, db
from dispatch.sms import tencent_inbound

log = logging.getLogger(__name__)

bp = Blueprint("sms_tencent", __name__, url_prefix="/sms/tencent")
csrf.exempt(bp)

#: A secret shorter than this is refused as configuration: it would be guessable.
MIN_SECRET_LENGTH = 24


def _authentic(secret: str) -> bool:
    expected = str(current_app.config.get("TENCENT_SMS_CALLBACK_SECRET") or "")
    if len(expected) < MIN_SECRET_LENGTH:
        return False
    return hmac.compare_digest(secret.encode(), expected.encode())


def _items() -> list[dict]:
    data = request.get_json(silent=True)
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        abort(400)
    return data


def _ok():
    return jsonify(result=0, errmsg="OK")


@bp.post("/reply/<secret>")
def reply(secret: str):
    """A reply to one of our messages (one object, or a list of them)."""
    if not _authentic(secret):
        abort(404)
    tencent_inbound.receive_replies(db.session, current_app.config, _items())
    return _ok()


@bp.post("/status/<secret>")
def status(secret: str):
    """Delivery receipts (a list: one push may carry several)."""
    if not _authentic(secret):
        abort(404)
    items = _items()
    token = sqlite_writer.set(True)
    try:
        db.session.rollback()
        tencent_inbound.record_receipts(db.session, items)
        db.session.commit()
    finally:
        sqlite_writer.reset(token)
    return _ok()
