"""Intake: every channel a report comes in by — phone-in, web form, citizen SMS, Open311, the
JSON API, the calls-and-letters log, scheduled preventive work — into one operation
(service.take_report)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register intake's pages and APIs, its SMS handler and its reactions to order changes."""
    from dispatch.intake import api, citizen_sms, desk, open311, public, reactions

    app.register_blueprint(public.bp)
    app.register_blueprint(desk.bp)
    app.register_blueprint(open311.bp)
    api.init_app(app)
    citizen_sms.register()
    reactions.connect()
