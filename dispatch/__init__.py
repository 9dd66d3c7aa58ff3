"""dispatch — field-service dispatch for public utilities and after-sales networks."""

from __future__ import annotations

import gc
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, Response, g, request, session

from dispatch import clock, settings


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the application. Never starts a scheduler: only `dispatch serve` and
    `dispatch worker` do, so gunicorn processes never run jobs."""
    app = Flask(
        __name__,
        instance_path=str(settings.INSTANCE_DIR),
        template_folder=str(settings.ROOT / "templates"),
        static_folder=str(settings.ROOT / "static"),
    )
    values = settings.load()
    if config:
        values.update(config)
        if "DATABASE_URL" in config:
            values["SQLALCHEMY_DATABASE_URI"] = settings.normalise_database_url(config["DATABASE_URL"])
    app.config.update(values)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = settings.instance_secret_key()
    if "SQLALCHEMY_ENGINE_OPTIONS" not in app.config:
        from dispatch.db import engine_options

        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(
            app.config, app.config["SQLALCHEMY_DATABASE_URI"]
        )
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(settings.ROOT / "dispatch" / "translations")
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", app.config["TIMEZONE"])
    app.config.setdefault("BABEL_DEFAULT_LOCALE", app.config.get("DEFAULT_LOCALE", "zh_Hans_CN"))
    clock.set_zone(app.config["TIMEZONE"])
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies > 0:
        # Behind that many proxies, the client's address (the rate limits' key), the scheme and
        # the host are the ones the proxies pass on in X-Forwarded-For/-Proto/-Host.
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)

    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_hooks(app)
    register_commands(app)
    register_assignment(app)
    register_reports(app)
    if not app.testing:
        # What start-up built (modules, templates, the rule book, the app) lives as long as the
        # process: frozen, the cyclic collector's full passes no longer walk it, which otherwise
        # stopped a request now and then (console pages at 10 000 open orders on PostgreSQL:
        # p99 150–180 ms with the pauses, 35–55 ms without).
        gc.freeze()
    return app


LOCALES = ("zh_Hans_CN", "en")


def locale_source() -> str:
    """Where the page's language comes from: ``switch`` (the bar's switch, this session),
    ``account`` (the user's stored language where it differs from the browser's: it wins), else
    ``browser``."""
    from flask_login import current_user

    if session.get("lang") in LOCALES:
        return "switch"
    if getattr(current_user, "is_authenticated", False) and current_user.language in LOCALES:
        return "account" if current_user.language != browser_locale() else "browser"
    return "browser"


def browser_locale() -> str:
    """The browser's preferred language among ours (the configured default when none fits)."""
    from flask import current_app

    best = request.accept_languages.best_match(["zh", "zh_CN", "zh-CN", "en"]) if request else None
    if best is None:
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    return "en" if best == "en" else "zh_Hans_CN"


def select_locale() -> str:
    from flask import current_app, has_request_context
    from flask_login import current_user

    if not has_request_context():
        # A scheduled job or a command: texts for a person are built under force_locale.
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    source = locale_source()
    if source == "switch":
        return session["lang"]
    # A page for one person (a customer's signing link) speaks that person's language first.
    if g.get("page_locale") in LOCALES:
        return g.page_locale
    if source == "account":
        return current_user.language
    return browser_locale()


def register_extensions(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    from dispatch import models  # noqa: F401  (every table known before the mappers configure)
    from dispatch.db import tune_engine
    from dispatch.extensions import babel, csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    with app.app_context():
        tune_engine(db.engine)
    migrate.init_app(app, db, directory=str(settings.ROOT / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    # Flashed when a signed-out visitor opens a page; read in the visitor's language at that time.
    login_manager.login_message = _l("Please log in to access this page.")
    login_manager.localize_callback = str
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=lambda: app.config["TIMEZONE"])
    limiter.init_app(app)

    from dispatch import input_guard, security
    from dispatch.auth import sessions

    security.init_app(app)
    input_guard.init_app(app)
    sessions.init_app(app)

    from dispatch.sla import reactions
    from dispatch.sms import console_gateway, tencent_gateway, twilio_gateway  # noqa: F401  (register the backends)

    reactions.connect()

    from dispatch.parts import hooks as parts_hooks

    parts_hooks.connect()


def register_blueprints(app: Flask) -> None:
    from dispatch.auth.views import bp as auth_bp
    from dispatch.console.views import bp as console_bp
    from dispatch.health import bp as health_bp
    from dispatch.sla.views import bp as sla_bp
    from dispatch.sms.simulator import bp as sms_simulator_bp
    from dispatch.sms.tencent_views import bp as sms_tencent_bp
    from dispatch.sms.views import bp as sms_bp

    app.register_blueprint(health_bp)
    from dispatch.intake.hotline import bp as hotline_bp

    app.register_blueprint(hotline_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(console_bp)
    app.register_blueprint(sms_bp)
    app.register_blueprint(sms_tencent_bp)
    app.register_blueprint(sms_simulator_bp)
    app.register_blueprint(sla_bp)

    from dispatch.warehouse.views import bp as warehouse_bp

    app.register_blueprint(warehouse_bp)

    from dispatch.complaints.views import bp as complaints_bp
    from dispatch.kpi import monthly as _monthly  # noqa: F401  (adds /kpi/monthly)
    from dispatch.kpi.views import bp as kpi_bp

    app.register_blueprint(kpi_bp)
    app.register_blueprint(complaints_bp)

    from dispatch.intake.status_page import bp as status_bp

    app.register_blueprint(status_bp)
    from dispatch.parts.mobile_views import bp as parts_mobile_bp

    app.register_blueprint(parts_mobile_bp)

    from dispatch.intake import init_app as init_intake

    init_intake(app)

    from dispatch.assign.api import bp as assign_api_bp

    app.register_blueprint(assign_api_bp)


def register_errorhandlers(app: Flask) -> None:
    from dispatch.web import register as register_web_errors

    register_web_errors(app)


def register_hooks(app: Flask) -> None:
    from dispatch.db import sqlite_writer

    @app.before_request
    def _fresh_locale():
        # The locale is cached on `g`; a request must never inherit another request's choice
        # (they can share an application context, as under the test client).
        from flask_babel import refresh

        refresh()

    @app.before_request
    def _writer_transaction():
        # A request that changes data takes SQLite's write lock when its transaction begins.
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            g._writer_token = sqlite_writer.set(True)

    @app.teardown_request
    def _end_writer(_exc):
        token = g.pop("_writer_token", None)
        if token is not None:
            sqlite_writer.reset(token)

    @app.context_processor
    def _template_globals():
        from flask_babel import get_locale

        return {
            "current_locale": str(get_locale()),
            "local_time": clock.local,
            "language_source": locale_source,
        }

    @app.get("/favicon.ico")
    def favicon():
        # Browsers ask for it on every page; answer with the small icon rather than a 404.
        icon = Path(app.static_folder, "favicon.ico").read_bytes()
        return Response(icon, mimetype="image/x-icon", headers={"Cache-Control": "public, max-age=86400"})


def register_commands(app: Flask) -> None:
    from dispatch.cli import register

    register(app)


def register_reports(app: Flask) -> None:
    """Service reports: after assignment and intake, whose SMS handlers its own wrap."""
    from dispatch.reports import init_app

    init_app(app)


def register_assignment(app: Flask) -> None:
    """Technician SMS commands on the inbound pipe; automatic dispatch and offer follow-ups."""
    from dispatch.assign.reactions import init_app

    init_app(app)
