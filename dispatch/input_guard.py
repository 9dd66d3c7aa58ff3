"""Input every channel refuses before it is read: NUL characters, bodies that are not UTF-8,
JSON nested too deeply.

PostgreSQL cannot store NUL in text, Python's JSON parser recurses once per level of nesting,
and a form that is not UTF-8 decodes into replacement characters that look like a missing
field. Each is a 400 in the channel's own error format (Open311's error list, the JSON API's
error object, the console's error page): the blueprints' error handlers see these refusals as
they see any other bad request. The SMS webhooks are left alone: they strip NUL themselves, and
a Twilio retry must never be refused for what the handset typed.
"""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

from flask import Flask, current_app, request
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest

#: Paths whose handlers clean their own input.
OWN_CLEANING = ("/sms/inbound", "/sms/status", "/static/")


def json_depth(raw: bytes) -> int:
    """How deeply the arrays and objects of a JSON text nest (strings are skipped)."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def check_request() -> None:
    """Raise BadRequest for input no channel can take. Reads the body once (it stays cached)."""
    if request.path.startswith(OWN_CLEANING):
        return
    if any("\x00" in k or "\x00" in v for k, v in request.args.items(multi=True)):
        raise BadRequest(_("Text must not contain NUL characters."))
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    mimetype = request.mimetype
    if mimetype == "application/x-www-form-urlencoded":
        raw = request.get_data(cache=True)
        try:
            unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8")
        except UnicodeDecodeError:
            raise BadRequest(_("The request body is not valid UTF-8.")) from None
    if mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        if any("\x00" in k or "\x00" in v for k, v in request.form.items(multi=True)):
            raise BadRequest(_("Text must not contain NUL characters."))
    elif request.is_json:
        raw = request.get_data(cache=True)
        if json_depth(raw) > int(current_app.config["WEB_MAX_JSON_DEPTH"]):
            raise BadRequest(_("The JSON body is nested too deeply."))
        if _has_nul(request.get_json(silent=True)):
            raise BadRequest(_("Text must not contain NUL characters."))


def init_app(app: Flask) -> None:
    app.before_request(check_request)
