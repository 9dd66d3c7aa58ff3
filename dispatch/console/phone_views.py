"""What makes the phone-in page (``intake.phone_in``) fast: type-ahead of gazetteer places and of
the customer/asset registry (meter account, VIN), and the chosen type's deadlines before the
report is saved. Small JSON endpoints, scoped to the user's organisation; the report itself is
taken by intake's ``take_report``."""

from __future__ import annotations

from functools import lru_cache

import sqlalchemy as sa
from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from dispatch import clock
from dispatch.console import labels
from dispatch.console.blueprint import CONSOLE_ROLES, bp, locale
from dispatch.errors import DomainError, NotFound
from dispatch.extensions import db
from dispatch.geo.gazetteer import GazetteerEntry, load_entries
from dispatch.geo.models import Customer
from dispatch.geo.placing import service_area
from dispatch.intake.placing import preview
from dispatch.settings import CONFIG_DIR
from dispatch.sla.rules import ZONES, NoMatchingRule
from dispatch.sla.service import promised, rulebook
from dispatch.web import roles_required

#: Suggestions returned per kind.
SUGGESTIONS = 10
MIN_QUERY = 1


@lru_cache(maxsize=8)
def _places(org_code: str) -> tuple[GazetteerEntry, ...]:
    return tuple(load_entries(CONFIG_DIR / "gazetteer.csv", org_code))


def places_matching(org_code: str, query: str, limit: int = SUGGESTIONS) -> list[dict]:
    """Gazetteer places whose name or an alias contains ``query`` (names starting with it first)."""
    q = query.casefold()
    hits = [e for e in _places(org_code) if any(q in s.casefold() for s in e.spellings)]
    hits.sort(key=lambda e: (not any(s.casefold().startswith(q) for s in e.spellings), len(e.name)))
    return [{"name": e.name, "kind": e.kind, "lat": e.lat, "lon": e.lon} for e in hits[:limit]]


def customers_matching(org_id: int, query: str, limit: int = SUGGESTIONS) -> list[dict]:
    """The organisation's customers/assets whose account (meter number, VIN), holder or address
    contains ``query``."""
    like = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    rows = db.session.scalars(
        sa.select(Customer)
        .where(
            Customer.org_id == org_id,
            sa.or_(
                Customer.account.ilike(like, escape="\\"),
                Customer.holder.ilike(like, escape="\\"),
                Customer.address.ilike(like, escape="\\"),
            ),
        )
        .order_by(Customer.account)
        .limit(limit)
    )
    return [
        {
            "account": c.account,
            "kind": c.kind.value,
            "holder": c.holder,
            "address": c.address,
            "lat": c.lat,
            "lon": c.lon,
        }
        for c in rows
    ]


@bp.get("/phone/lookup")
@roles_required(*CONSOLE_ROLES)
def phone_lookup():
    """``?q=`` → ``{"places": [...], "customers": [...]}``."""
    query = (request.args.get("q") or "").strip()[:100]
    if len(query) < MIN_QUERY:
        return jsonify(places=[], customers=[])
    return jsonify(
        places=places_matching(current_user.org.code, query),
        customers=customers_matching(current_user.org_id, query),
    )


@bp.get("/phone/deadlines")
@roles_required(*CONSOLE_ROLES)
def phone_deadlines():
    """``?type=&severity=&needs_supplier=&address=&account=&lat=&lon=`` → the deadlines the report
    would be saved with now: the same place lookup, zone, distance and rule as saving it
    (:func:`dispatch.intake.placing.preview`), each milestone with its label and local time, and
    the place found (``place``: name, source, zone, distance) or null."""
    type_code = request.args.get("type", "")
    if type_code not in {t.code for t in rulebook().types_for_org(current_user.org.code)}:
        raise NotFound(_("No such report type."), type=type_code)
    severity = request.args.get("severity") or None
    if severity not in (None, "minor", "major"):
        raise DomainError("Severity must be minor or major.", severity=severity)
    try:
        lat, lon = (_coordinate(request.args.get(k)) for k in ("lat", "lon"))
    except ValueError:
        raise DomainError("Latitude and longitude must be numbers.") from None
    try:
        result = preview(
            db.session,
            current_user.org,
            type_code,
            lat=lat,
            lon=lon,
            account=(request.args.get("account") or "").strip()[:40] or None,
            address=(request.args.get("address") or "").strip()[:300] or None,
            severity=severity,
            needs_supplier=request.args.get("needs_supplier") in ("1", "true", "yes", "y"),
        )
    except NoMatchingRule:
        raise DomainError("No deadline rule fits these details.", type=type_code) from None
    for item in result["milestones"]:
        item["label"] = str(labels.label(labels.MILESTONE, item["name"]))
        item["local"] = (
            clock.local(clock.parse(item["due_at"])).strftime("%m-%d %H:%M") if item["due_at"] else None
        )
        if item.get("waits_for"):
            item["waits"] = labels.clock_start(item["waits_for"])
    result["type_name"] = labels.type_name(type_code, locale())
    return jsonify(result)


def _coordinate(value: str | None) -> float | None:
    if value is None or not value.strip():
        return None
    number = float(value)
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError(value)
    return number


def org_zones() -> tuple[str, ...]:
    """The zones the user's organisation has: none for one without built-up areas (a coach
    network), so no page offers it a "built-up area" filter."""
    if not current_user.is_authenticated or current_user.org is None:
        return ()
    return ZONES if service_area().areas(current_user.org.code) else ()


@bp.app_context_processor
def _phone_globals():
    return {"promised_of": promised, "org_zones": org_zones}
