"""What every web face shares: error answers, role checks, committing a request's work."""

from __future__ import annotations

from functools import wraps

from flask import Flask, abort, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy.orm.exc import StaleDataError

from dispatch.auth.models import Role
from dispatch.errors import ConflictError, DomainError
from dispatch.extensions import db


def wants_json() -> bool:
    if request.path.startswith(("/api/", "/sms/", "/healthz")):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def roles_required(*roles: Role):
    """Login required, and one of ``roles``; anyone else gets 403."""

    def decorate(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorate


def commit() -> None:
    """Commit the request's work; a concurrent change caught at flush is a ConflictError."""
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise ConflictError(_("Someone else changed this in the meantime; reload and try again.")) from None


def register(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain_error(exc: DomainError):
        db.session.rollback()
        if wants_json():
            return jsonify(error=exc.message, **exc.details), exc.status
        return render_template("error.html", code=exc.status, message=exc.message), exc.status

    @app.errorhandler(StaleDataError)
    def _stale(_exc):
        return _domain_error(
            ConflictError(_("Someone else changed this in the meantime; reload and try again."))
        )

    for code, text in (
        (400, _l("Bad request.")),
        (403, _l("You do not have access to this page.")),
        (404, _l("Not found.")),
        (405, _l("Method not allowed.")),
        (413, _l("What was sent is too large.")),
        (429, _l("Too many requests; please wait a moment.")),
        (500, _l("Something went wrong on our side. Nothing was saved.")),
    ):
        app.register_error_handler(code, _http_error(code, text))


def _http_error(code: int, text: str):
    def handler(exc):
        if code == 500:
            db.session.rollback()
        message = getattr(exc, "description", None) if code == 400 else None
        message = message or str(text)
        if wants_json():
            return jsonify(error=message), code
        return render_template("error.html", code=code, message=message), code

    return handler
