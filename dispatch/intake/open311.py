"""Open311 GeoReport v2 under /open311/v2/, in XML and JSON (http://wiki.open311.org/GeoReport_v2).

- ``discovery.{fmt}``, ``services.{fmt}``, ``services/{code}.{fmt}`` (attributes where a type has
  them), ``requests.{fmt}`` (GET with the filters, POST), ``requests/{id}.{fmt}``.
- ``service_request_id`` is the work order's reference; ``expected_datetime`` the due time of the
  milestone that completes the request; ``service_notice`` the acknowledgement (R4).
- A request goes to the organisation offering its service code; ``jurisdiction_id`` decides when
  two do. The ``api_key`` (``dispatch apikey create``) must belong to that organisation.
- Errors are the specification's error lists: 400 bad input, 403 bad key, 404 not found.
- Contact details (name, phone, e-mail) are stored but never shown by GET.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import sqlalchemy as sa
from flask import Blueprint, current_app, request, url_for
from flask_babel import get_locale
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import HTTPException

from dispatch import clock
from dispatch.auth.models import Organisation
from dispatch.auth.service import check_api_key
from dispatch.errors import DomainError
from dispatch.extensions import csrf, db, limiter
from dispatch.intake import open311_format as fmt_
from dispatch.intake.models import ReportIntake
from dispatch.intake.service import take_report
from dispatch.orders.lifecycle import Actor
from dispatch.orders.models import FINAL, Channel, WorkOrder
from dispatch.sla.rules import UnknownType
from dispatch.sla.service import promised, rulebook
from dispatch.web import commit

log = logging.getLogger(__name__)
bp = Blueprint("open311", __name__, url_prefix="/open311/v2")
csrf.exempt(bp)

FORMAT = "<any(xml,json):fmt>"
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
MAX_RESULTS = 1000
DEFAULT_SPAN = timedelta(days=90)


def attributes(code: str) -> list[dict]:
    """The service definition's attributes of type ``code``: the questions it asks, as declared
    under ``[questions]`` in config/sla.toml (a new type or question needs no code)."""
    book = rulebook()
    try:
        asks = book.type(code).asks
    except UnknownType:
        return []
    found = []
    for name in asks:
        question = book.questions[name]
        attribute = {
            "variable": True,
            "code": name,
            "datatype": question.get("datatype", "string"),
            "required": False,
            "datatype_description": question.get("datatype_description"),
            "order": int(question.get("order", len(found) + 1)),
            "description": question.get("description", name),
        }
        if "values" in question:
            attribute["values"] = [{"key": key, "name": label} for key, label in question["values"]]
        found.append(attribute)
    return sorted(found, key=lambda a: a["order"])


class Open311Error(Exception):
    def __init__(self, status: int, *descriptions: str):
        super().__init__(descriptions[0] if descriptions else "")
        self.http_status = status
        self.descriptions = descriptions


@bp.errorhandler(Open311Error)
def _open311_error(exc: Open311Error):
    db.session.rollback()
    return fmt_.errors(exc.http_status, exc.descriptions, _fmt())


@bp.errorhandler(DomainError)
def _domain_error(exc: DomainError):
    db.session.rollback()
    status = exc.status if exc.status in (400, 403, 404) else 400
    return fmt_.errors(status, [exc.message], _fmt())


def _http_error(exc: HTTPException):
    # Bad input refused before the view ran (NUL, not UTF-8, too large), a wrong method, a
    # rate limit: the specification's error list too, never the console's HTML page.
    db.session.rollback()
    return fmt_.errors(exc.code or 400, [exc.description or exc.name], _fmt())


def _unexpected(exc):
    log.error("Open311: unexpected error", exc_info=getattr(exc, "original_exception", None) or exc)
    db.session.rollback()
    return fmt_.errors(500, ["internal error; nothing was saved"], _fmt())


# By code: the application's own handlers for these codes would otherwise answer in HTML.
for _code in (400, 401, 403, 404, 405, 413, 415, 429):
    bp.register_error_handler(_code, _http_error)
bp.register_error_handler(500, _unexpected)


def _fmt() -> str:
    fmt = (request.view_args or {}).get("fmt")
    if fmt in ("xml", "json"):
        return fmt
    return "json" if request.path.endswith(".json") else "xml"


def _zh() -> bool:
    return str(get_locale()).startswith("zh")


def _jurisdiction() -> Organisation | None:
    jurisdiction = (request.values.get("jurisdiction_id") or "").strip()
    if not jurisdiction:
        return None
    org = db.session.scalar(sa.select(Organisation).where(Organisation.jurisdiction_id == jurisdiction))
    if org is None:
        raise Open311Error(404, f"jurisdiction_id {jurisdiction} not found")
    return org


def _orgs(jurisdiction: Organisation | None) -> list[Organisation]:
    if jurisdiction is not None:
        return [jurisdiction]
    return list(db.session.scalars(sa.select(Organisation).order_by(Organisation.id)))


def _service(type_def, org_names: list[str]) -> dict:
    zh = _zh()
    keywords = type_def.keywords_zh if zh else type_def.keywords_en
    return {
        "service_code": type_def.code,
        "service_name": type_def.name_zh if zh else type_def.name_en,
        "description": type_def.name_en if zh else type_def.name_zh,
        "metadata": bool(type_def.asks),
        "type": "realtime",
        "keywords": ", ".join(keywords),
        "group": ", ".join(org_names),
    }


@bp.get(f"/discovery.{FORMAT}")
def discovery(fmt: str):
    changeset = fmt_.iso(clock.now().replace(hour=0, minute=0, second=0, microsecond=0))
    base = (
        current_app.config["PUBLIC_BASE_URL"].rstrip("/") + url_for(".services", fmt="xml").rsplit("/", 1)[0]
    )
    data = {
        "changeset": changeset,
        "contact": "Ask the service for an api_key (made with `dispatch apikey create NAME --org CODE`).",
        "key_service": "dispatch apikey create",
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": base,
                "changeset": changeset,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return fmt_.respond("discovery", data, fmt)


@bp.get(f"/services.{FORMAT}")
def services(fmt: str):
    seen: dict[str, tuple] = {}
    for org in _orgs(_jurisdiction()):
        for type_def in rulebook().types_for_org(org.code):
            entry = seen.setdefault(type_def.code, (type_def, []))
            entry[1].append(org.name("zh" if _zh() else "en"))
    return fmt_.respond("services", [_service(t, names) for t, names in seen.values()], fmt)


@bp.get(f"/services/<code>.{FORMAT}")
def service_definition(code: str, fmt: str):
    offered = {t.code for org in _orgs(_jurisdiction()) for t in rulebook().types_for_org(org.code)}
    if code not in offered:
        raise Open311Error(404, f"service_code {code} not found")
    return fmt_.respond("service_definition", {"service_code": code, "attributes": attributes(code)}, fmt)


def _number(name: str) -> float | None:
    raw = (request.values.get(name) or "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise Open311Error(400, f"{name} must be a number") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise Open311Error(400, f"{name} must be a number")
    return value


def _target_org(code: str, jurisdiction: Organisation | None) -> Organisation:
    offering = [o for o in _orgs(jurisdiction) if code in {t.code for t in rulebook().types_for_org(o.code)}]
    if not offering:
        raise Open311Error(400, f"service_code {code} not found")
    if len(offering) > 1:
        raise Open311Error(400, f"jurisdiction_id is required: service_code {code} is offered by several")
    return offering[0]


def _limit():
    return current_app.config.get("INTAKE_API_LIMIT", "120 per minute")


@bp.post(f"/requests.{FORMAT}")
@limiter.limit(_limit)
def post_request(fmt: str):
    values = request.values
    code = (values.get("service_code") or "").strip()
    if not code:
        raise Open311Error(400, "service_code is required")
    org = _target_org(code, _jurisdiction())
    key = check_api_key(db.session, values.get("api_key"))
    if key is None or key.org_id != org.id:
        raise Open311Error(403, "api_key is missing or not valid for this jurisdiction")
    lat, lon = _number("lat"), _number("long")
    address = (values.get("address_string") or "").strip() or None
    account = (
        values.get("address_id") or values.get("attribute[vin]") or values.get("attribute[account]") or ""
    ).strip() or None
    if lat is None and lon is None and not address and not account:
        raise Open311Error(400, "a location is required: lat and long, address_string or address_id")
    name = " ".join(p for p in (values.get("first_name"), values.get("last_name")) if p and p.strip()) or None
    severity = values.get("attribute[severity]") or None
    result = take_report(
        db.session,
        org=org,
        type_code=code,
        channel=Channel.OPEN311,
        actor=Actor(Channel.OPEN311),
        description=values.get("description") or "",
        reporter_name=name,
        reporter_phone=values.get("phone") or None,
        language="zh" if _zh() else "en",
        address=address,
        lat=lat,
        lon=lon,
        account=account,
        severity=severity,
        needs_supplier=values.get("attribute[needs_supplier]") == "yes",
        contact_email=(values.get("email") or "").strip() or None,
        media_url=(values.get("media_url") or "").strip() or None,
        api_key_id=key.id,
        require_place=True,
    )
    # Read before the commit, which expires what it wrote: no reload of the row just written.
    data = [
        {"service_request_id": result.order.reference, "service_notice": result.ack_text, "account_id": None}
    ]
    commit()
    return fmt_.respond("requests", data, fmt)


def _documents(orders: list[WorkOrder]) -> list[dict]:
    intakes = {
        i.work_order_id: i
        for i in db.session.scalars(
            sa.select(ReportIntake).where(ReportIntake.work_order_id.in_([o.id for o in orders]))
        )
    }
    orgs = {o.id: o for o in db.session.scalars(sa.select(Organisation))}
    zh = _zh()
    documents = []
    for order in orders:
        type_def = rulebook().types.get(order.type_code)
        intake = intakes.get(order.id)
        milestone = promised(order)
        documents.append(
            fmt_.request_document(
                order,
                service_name=(type_def.name_zh if zh else type_def.name_en) if type_def else order.type_code,
                agency=orgs[order.org_id].name("zh" if zh else "en"),
                notice=intake.ack_text if intake else None,
                media_url=intake.media_url if intake else None,
                expected=milestone.due_at if milestone else None,
            )
        )
    return documents


def _date(name: str):
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return None
    try:
        return clock.parse(raw.replace("Z", "+00:00"))
    except clock.DateOutOfRange as exc:
        raise Open311Error(400, f"{name}: {exc}") from None
    except ValueError:
        raise Open311Error(400, f"{name} must be a date-time (ISO 8601)") from None


@bp.get(f"/requests.{FORMAT}")
def get_requests(fmt: str):
    jurisdiction = _jurisdiction()
    query = (
        sa.select(WorkOrder)
        .options(selectinload(WorkOrder.milestones), selectinload(WorkOrder.duplicate_of))
        .order_by(WorkOrder.reported_at.desc(), WorkOrder.id.desc())
        .limit(MAX_RESULTS)
    )
    if jurisdiction is not None:
        query = query.where(WorkOrder.org_id == jurisdiction.id)
    ids = [i.strip() for i in (request.args.get("service_request_id") or "").split(",") if i.strip()]
    if ids:
        query = query.where(WorkOrder.reference.in_(ids))
    else:
        codes = [c.strip() for c in (request.args.get("service_code") or "").split(",") if c.strip()]
        if codes:
            query = query.where(WorkOrder.type_code.in_(codes))
        start, end = _date("start_date"), _date("end_date")
        if start is None and end is None:
            start = clock.now() - DEFAULT_SPAN
        if start is not None:
            query = query.where(WorkOrder.reported_at >= start)
        if end is not None:
            query = query.where(WorkOrder.reported_at <= end)
        statuses = {s.strip() for s in (request.args.get("status") or "").split(",") if s.strip()}
        if statuses - {"open", "closed"}:
            raise Open311Error(400, "status must be open or closed")
        if statuses == {"open"}:
            query = query.where(WorkOrder.status.not_in(FINAL))
        elif statuses == {"closed"}:
            query = query.where(WorkOrder.status.in_(FINAL))
    orders = list(db.session.scalars(query))
    return fmt_.respond("requests", _documents(orders), fmt)


@bp.get(f"/requests/<service_request_id>.{FORMAT}")
def get_request(service_request_id: str, fmt: str):
    jurisdiction = _jurisdiction()
    query = sa.select(WorkOrder).where(WorkOrder.reference == service_request_id)
    if jurisdiction is not None:
        query = query.where(WorkOrder.org_id == jurisdiction.id)
    order = db.session.scalar(query)
    if order is None:
        raise Open311Error(404, f"service_request_id {service_request_id} not found")
    return fmt_.respond("requests", _documents([order]), fmt)
