"""Login, logout, the password change, the language switch; the administrator's security page."""

from __future__ import annotations

from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired

from dispatch.auth import sessions, throttle
from dispatch.auth.models import Role, User
from dispatch.extensions import db, limiter

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    username = StringField("username", validators=[DataRequired()])
    password = PasswordField("password", validators=[DataRequired()])


class PasswordForm(FlaskForm):
    current = PasswordField("current", validators=[DataRequired()])
    new = PasswordField("new", validators=[DataRequired()])
    confirm = PasswordField("confirm", validators=[DataRequired()])


def _safe_next(target: str | None) -> str:
    """Only same-site paths: an absolute or protocol-relative URL would be an open redirect."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return landing_page()


def landing_page() -> str:
    """Where a user starts: the warehouse's home for warehouse staff, the console for others."""
    from flask import current_app

    from dispatch.auth.models import Role

    if (
        current_user.is_authenticated
        and current_user.role is Role.WAREHOUSE
        and "warehouse.home" in current_app.view_functions
    ):
        return url_for("warehouse.home")
    return url_for("console.index")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["AUTH_LOGIN_LIMIT"], methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    if form.validate_on_submit():
        name = form.username.data.strip()
        policy = throttle.ThrottlePolicy.from_config(current_app.config)
        found = db.session.scalar(sa.select(User.id).where(User.username == name))
        user = throttle.lock_user(db.session, found) if found is not None else None
        until = throttle.locked_until(user)
        if until is not None:
            throttle.record_failure(db.session, policy, name, user, request.remote_addr, "locked")
            db.session.commit()
            flash(
                _(
                    "Too many failed logins for this account; try again after %(time)s.",
                    time=format_datetime(until),
                ),
                "error",
            )
        elif user is not None and user.active and user.check_password(form.password.data):
            throttle.record_success(user)
            db.session.commit()
            login_user(user)
            sessions.start(user)
            return redirect(_safe_next(request.args.get("next")))
        else:
            reason = "inactive" if user is not None and not user.active else "password"
            throttle.record_failure(db.session, policy, name, user, request.remote_addr, reason)
            db.session.commit()
            flash(_("Wrong username or password."), "error")
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        # The cookie is signed, not stored: only a new generation makes a copy of it useless.
        sessions.end_sessions(db.session, db.session.get(User, current_user.id))
        db.session.commit()
    logout_user()
    sessions.forget(session)
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = PasswordForm()
    if form.validate_on_submit():
        user = db.session.get(User, current_user.id)
        if not user.check_password(form.current.data):
            flash(_("The current password is wrong."), "error")
        elif form.new.data != form.confirm.data:
            flash(_("The two new passwords differ."), "error")
        elif len(form.new.data) < 8:
            flash(_("A password needs at least 8 characters."), "error")
        else:
            user.set_password(form.new.data)
            sessions.end_sessions(db.session, user)  # every other device signs in again
            db.session.commit()
            login_user(user)
            sessions.start(user)
            flash(_("Password changed; your other sessions were signed out."), "info")
            return redirect(url_for("console.index"))
    return render_template("auth/password.html", form=form)


@bp.get("/admin/security")
@login_required
def security():
    if not current_user.has_role(Role.ADMIN):
        abort(403)
    users = db.session.scalars(
        sa.select(User).where(User.org_id == current_user.org_id).order_by(User.username)
    ).all()
    failures = throttle.recent_failures(db.session, org_id=current_user.org_id)
    return render_template("auth/security.html", users=users, failures=failures, locked=throttle.locked_until)


@bp.post("/admin/users/<int:user_id>/sign-out")
@login_required
def sign_out_everywhere(user_id: int):
    if not current_user.has_role(Role.ADMIN):
        abort(403)
    user = db.session.get(User, user_id)
    if user is None or user.org_id != current_user.org_id:
        abort(404)
    sessions.end_sessions(db.session, user)
    throttle.record_success(user)  # and lift a lockout: the administrator has checked
    db.session.commit()
    flash(_("%(name)s is signed out everywhere.", name=user.username), "info")
    return redirect(url_for("auth.security"))


@bp.post("/language/<code>")
def set_language(code: str):
    if code in ("zh_Hans_CN", "en"):
        session["lang"] = code
    return redirect(_safe_next(request.form.get("next")))


@bp.get("/")
def root():
    """Staff go to their own start page; anyone else sees the public landing (report a problem,
    or log in)."""
    if current_user.is_authenticated:
        return redirect(landing_page())
    if "report.form" in current_app.view_functions:
        return render_template("landing.html")
    return redirect(url_for("auth.login"))


@bp.app_context_processor
def _view_functions():
    return {"config_view_functions": lambda: current_app.view_functions}
