"""The technician asks for parts for his job on the service report's one-time mobile page
(``/t/<token>``): a small form posting here. The same operation as the SMS word
(``documents.ask_for_job``); the signed link is the key, as for the page itself.

The reports package knows nothing of parts: its page includes ``parts/_ask_on_fill.html`` when
that template exists, and this blueprint gives it the catalog's suggestions.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, url_for
from flask import request as http_request
from flask_babel import gettext as _

from dispatch.errors import DomainError
from dispatch.extensions import db, limiter
from dispatch.orders.models import Status
from dispatch.parts import documents
from dispatch.parts.errors import PartsError
from dispatch.parts.models import Part
from dispatch.parts.sms import WORKING
from dispatch.reports import links
from dispatch.web import commit

bp = Blueprint("parts_mobile", __name__)

#: At most this many catalog entries are offered as suggestions on the phone.
SUGGESTIONS = 300


@bp.app_context_processor
def _suggestions():
    def part_suggestions(org_id: int) -> list[tuple[str, str]]:
        """(part number, its names and nicknames) of the organisation's catalog."""
        rows = db.session.execute(
            sa.select(Part.number, Part.name_zh, Part.name_en, Part.nicknames)
            .where(Part.org_id == org_id)
            .order_by(Part.number)
            .limit(SUGGESTIONS)
        )
        return [(number, " · ".join(filter(None, (zh, en, nick)))) for number, zh, en, nick in rows]

    return {"part_suggestions": part_suggestions}


@bp.route("/t/<token>/parts", methods=["POST"])
@limiter.limit("30 per minute")
def ask(token: str):
    link = links.resolve(db.session, token, "fill")
    report = link.report
    tech = report.technician
    try:
        links.ensure_unused(link)
        if tech is None or report.order.status not in (*WORKING, Status.WORK_DONE):
            raise PartsError(_("Parts can only be asked for a job you are working on."))
        with db.session.begin_nested():
            doc, part = documents.ask_for_job(
                db.session,
                tech,
                report.order,
                http_request.form.get("ask_part", ""),
                http_request.form.get("ask_quantity", "1"),
                "mobile",
            )
        commit()
        flash(
            _("Asked for %(part)s x%(qty)s (%(number)s), waiting for approval.")
            % {"part": part.number, "qty": doc.lines[0].quantity, "number": doc.number},
            "ok",
        )
    except DomainError as exc:  # a refusal of the ledger, or a link already used
        db.session.rollback()
        flash(exc.message, "error")
    return redirect(url_for("reports.fill", token=token))
