"""Translated messages that also work where there is no request (worker jobs, the CLI)."""

from __future__ import annotations

from flask import g, has_app_context, has_request_context
from flask_babel import gettext


def _(message: str, **values) -> str:
    """gettext in a request (the browser's or the user's language) or inside ``force_locale``;
    the English text otherwise — the locale selector needs a request."""
    forced = has_app_context() and getattr(getattr(g, "_flask_babel", None), "forced_babel_locale", None)
    if has_request_context() or forced:
        return gettext(message, **values)
    return message % values if values else message
