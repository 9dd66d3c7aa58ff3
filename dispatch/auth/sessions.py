"""Sessions that end on the server.

The session cookie is signed, not stored: on its own it would open the console for its whole
lifetime, even after a logout. So it names the user *and* the user's session generation
(``User.get_id`` → ``"id:generation"``), and the generation is checked on every request when the
user is loaded (one primary-key read, cached for the request by Flask-Login, as before). Logout,
a password change and an administrator's "sign out everywhere" bump the generation: every cookie
issued before no longer opens anything, on any device.

A session also ends after ``[auth] session_idle_min`` minutes without a request and
``[auth] session_max_h`` hours after the login, whatever happens in between. These count wall
time (``time.time()``), not ``clock.now()``: the simulator and the tests move the business clock
by days, and that must not sign anyone out.
"""

from __future__ import annotations

import time
from datetime import timedelta

from flask import Flask, current_app, g, session
from flask_login import logout_user
from sqlalchemy.orm import Session

from dispatch.auth.models import User
from dispatch.extensions import db, login_manager

#: Session keys: when the user logged in and when the last request came (epoch seconds).
LOGIN_AT = "login_at"
SEEN_AT = "seen_at"
#: The idle clock is written back to the cookie at most this often, not on every request.
SEEN_RESOLUTION_S = 60


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    ident, _, generation = user_id.partition(":")
    if not ident.isdigit() or not generation.isdigit():
        return None  # a cookie from before generations existed: log in again
    user = db.session.get(User, int(ident))
    if user is None or user.session_generation != int(generation):
        return None
    return user


def end_sessions(session_: Session, user: User) -> None:
    """End every session of ``user`` (logout, password change, sign out everywhere). Flushes."""
    user.session_generation = (user.session_generation or 0) + 1
    session_.flush()


def start(user: User) -> None:
    """Stamp a new login's session with its start (the absolute lifetime counts from here)."""
    now = time.time()
    session[LOGIN_AT] = now
    session[SEEN_AT] = now
    session.permanent = True


def forget(session_) -> None:
    """Drop the login's timestamps from the cookie (the generation already ended it)."""
    session_.pop(LOGIN_AT, None)
    session_.pop(SEEN_AT, None)


def init_app(app: Flask) -> None:
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=float(app.config["AUTH_SESSION_MAX_H"]))

    @app.before_request
    def _fresh_user():
        # The user is cached on `g` for one request; a request must never inherit another's
        # (they can share an application context, as under the test client).
        g.pop("_login_user", None)

    @app.before_request
    def _expire_session():
        # Decided from the cookie alone: no database read for a request that ends up static.
        if LOGIN_AT not in session:
            return
        now = time.time()
        idle_s = float(current_app.config["AUTH_SESSION_IDLE_MIN"]) * 60
        max_s = float(current_app.config["AUTH_SESSION_MAX_H"]) * 3600
        if now - session.get(SEEN_AT, 0) > idle_s or now - session[LOGIN_AT] > max_s:
            logout_user()
            forget(session)
            return
        if now - session.get(SEEN_AT, 0) >= SEEN_RESOLUTION_S:
            session[SEEN_AT] = now
