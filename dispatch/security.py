"""What every answer carries and every request must respect: headers, cookie flags, body size.

- ``Content-Security-Policy`` (``[web] content_security_policy``): scripts only from our own
  static files — no inline script, no inline handler — and ``frame-ancestors 'none'``;
  ``X-Frame-Options: DENY`` for older browsers, ``Referrer-Policy``, ``X-Content-Type-Options``.
- The session cookie is ``HttpOnly`` and ``SameSite=Lax``, and ``Secure`` when
  ``PUBLIC_BASE_URL`` is https.
- Request bodies are limited to ``[web] max_content_length`` bytes (a 413 before anything is
  parsed); views that take scanned documents are marked with ``large_upload`` and get
  ``[web] max_upload_length``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Flask, current_app, request

F = TypeVar("F", bound=Callable)


def large_upload(view: F) -> F:
    """Let ``view`` take bodies up to ``[web] max_upload_length`` (scans of signed reports)."""
    view.large_upload = True  # type: ignore[attr-defined]
    return view


def init_app(app: Flask) -> None:
    https = str(app.config.get("PUBLIC_BASE_URL", "")).lower().startswith("https://")
    # Flask's own defaults exist for these keys (None / False), so they are set, not defaulted.
    app.config.update(
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SECURE=https,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=https,
        MAX_CONTENT_LENGTH=int(app.config["WEB_MAX_CONTENT_LENGTH"]),
    )

    @app.before_request
    def _upload_limit():
        view = app.view_functions.get(request.endpoint or "")
        if view is not None and getattr(view, "large_upload", False):
            request.max_content_length = int(current_app.config["WEB_MAX_UPLOAD_LENGTH"])

    @app.after_request
    def _headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", current_app.config["WEB_CONTENT_SECURITY_POLICY"])
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Content-Type-Options", "nosniff")
        return response
