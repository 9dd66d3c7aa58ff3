"""The warehouse blueprint and what its pages share: roles, labels, the organisation's places."""

from __future__ import annotations

from flask import Blueprint, abort, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from dispatch import clock
from dispatch.auth.models import Role
from dispatch.extensions import db
from dispatch.parts import catalog, ledger, locations, reconciliation

bp = Blueprint("warehouse", __name__, url_prefix="/warehouse")

#: Who uses the warehouse pages; approvals and exceptions need a supervisor.
WAREHOUSE_ROLES = (Role.WAREHOUSE, Role.SUPERVISOR, Role.ADMIN)
APPROVER_ROLES = (Role.SUPERVISOR, Role.ADMIN)

DOC_KIND = {
    "receipt": _l("goods receipt"),
    "requisition": _l("requisition"),
    "field_purchase": _l("field purchase"),
    "consumption": _l("consumption"),
    "return_receipt": _l("return receipt"),
    "shipment": _l("shipment to a station"),
    "stock_count": _l("stock count"),
    "transfer": _l("transfer"),
    "write_off": _l("write-off"),
    "disposition": _l("disposition"),
}
DOC_STATE = {
    "draft": _l("draft"),
    "requested": _l("waiting for approval"),
    "approved": _l("approved"),
    "rejected": _l("rejected"),
    "booked": _l("booked"),
    "void": _l("void"),
}
LOCATION_KIND = locations.KIND_LABEL
DISCREPANCY = reconciliation.DISCREPANCY_LABEL
DISPOSITION = {
    "pending": _l("to decide"),
    "scrap": _l("scrap"),
    "claim": _l("supplier claim"),
    "refurbish": _l("refurbish and restock"),
}
CLAIM_STATE = {
    "draft": _l("draft"),
    "sent": _l("sent"),
    "accepted": _l("accepted"),
    "rejected": _l("rejected"),
    "credited": _l("credited"),
}
#: The button that moves a claim on to a state: what the clerk does, not where it ends.
CLAIM_ACTION = {
    "sent": _l("Mark as sent to the supplier"),
    "accepted": _l("Supplier accepted"),
    "rejected": _l("Supplier rejected"),
    "credited": _l("Credit received"),
}
#: The export's column headers in the user's language, in the order of reconciliation.COLUMNS.
COLUMN_HEADERS = (
    _l("Month"),
    _l("Work order"),
    _l("Technician"),
    _l("Service station"),
    _l("Part number"),
    _l("Part"),
    _l("Issued"),
    _l("Consumed"),
    _l("Returned"),
    _l("Written off"),
    _l("Still out"),
    _l("Discrepancies"),
)


def org_id() -> int:
    return current_user.org_id


def owned(model, ident: int):
    """A row of the user's organisation, else 404 (another organisation's rows do not exist)."""
    row = db.session.get(model, ident)
    if row is None or getattr(row, "org_id", None) != current_user.org_id:
        abort(404)
    return row


def month_arg() -> str:
    month = request.args.get("month") or ledger.month_of(ledger.today())
    from dispatch.parts.closing import month_bounds

    month_bounds(month)  # refuses a malformed month
    return month


def place_name(place) -> str:
    return locations.display_name(place)


def yuan(cents: int | None) -> str:
    return f"{(cents or 0) / 100:,.2f}"


@bp.app_template_filter("yuan")
def _yuan(cents):
    return yuan(cents)


@bp.context_processor
def _warehouse_globals():
    def label(table, code):
        code = getattr(code, "value", code)
        return str(table.get(code, code))

    return {
        "doc_kind": lambda c: label(DOC_KIND, c),
        "doc_state": lambda c: label(DOC_STATE, c),
        "location_kind": lambda c: label(LOCATION_KIND, c),
        "place_name": place_name,
        "discrepancy_label": lambda c: label(DISCREPANCY, c),
        "disposition_label": lambda c: label(DISPOSITION, c),
        "claim_state": lambda c: label(CLAIM_STATE, c),
        "claim_action": lambda c: label(CLAIM_ACTION, c),
        "is_approver": lambda: current_user.is_authenticated and current_user.has_role(*APPROVER_ROLES),
        "now": clock.now(),
        "part_name": lambda part, loc: part.name(loc) if part is not None else "",
        "unit_label": catalog.unit_label,
    }
