"""Service reports (MISSION R11–R12): filled by the technician (SMS, mobile page) or from the
console, signed by the customer after the work (on screen, by SMS confirmation, on paper), rated,
approved by a supervisor and archived as a PDF."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """The signing and filling pages, the report's SMS handlers and its timeline reactions."""
    from flask_babel import get_locale

    from dispatch.assign.texts import type_name
    from dispatch.extensions import db
    from dispatch.reports import service, sms, views
    from dispatch.reports.pdf import warranty_sentence
    from dispatch.reports.texts import FIELD, METHOD, SURVEY, label, state_label

    app.register_blueprint(views.bp)
    sms.init_app(app)
    app.add_template_global(
        lambda code: type_name(code, "en" if str(get_locale()) == "en" else "zh"), "type_label"
    )
    app.add_template_global(warranty_sentence, "warranty_sentence")
    app.add_template_filter(lambda name: str(FIELD.get(name, name)), "field_label")
    # Give it the report (not only its state): what a complete report waits for depends on it.
    app.add_template_global(state_label, "report_state_label")
    app.add_template_global(lambda report: service.asset_facts(db.session, report), "report_asset")
    app.add_template_global(lambda code: label(METHOD, code), "signature_method_label")
    app.add_template_global(lambda code: label(SURVEY, code), "survey_label")
    app.add_template_global(
        lambda order: (
            service.current_report(db.session, order) or (service.revisions(db.session, order) or [None])[-1]
        ),
        "service_report_of",
    )
