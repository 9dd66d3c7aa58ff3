"""The public report form: for citizens, on a phone or a desk, in both languages.

CSRF-protected and rate-limited per address (``[intake] web_form_limit``). The organisation is
chosen first — or fixed by the site (``[intake] public_org``), or the only one there is — and
then only the types it lets citizens report (``public = true`` in ``config/sla.toml``) are
offered. The place is an address or landmark, or a pin put on the map ("use my location" puts
it where the phone is); coach owners can give their vehicle's VIN instead.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify, render_template, request
from flask_babel import get_locale
from shapely.geometry import mapping
from wtforms import SelectChoice

from dispatch.auth.models import Organisation
from dispatch.errors import DomainError, NotFound
from dispatch.extensions import db, limiter
from dispatch.geo.models import AssetKind, Customer
from dispatch.geo.placing import service_area
from dispatch.intake.forms import PublicReportForm
from dispatch.intake.service import take_report
from dispatch.orders.lifecycle import Actor
from dispatch.orders.models import Channel
from dispatch.sla.service import rulebook
from dispatch.web import commit

bp = Blueprint("report", __name__, url_prefix="/report")


def public_types(org_code: str) -> list:
    """The types of ``org_code`` that citizens may report themselves."""
    return [t for t in rulebook().types_for_org(org_code) if t.public]


def service_choices(org: Organisation, locale: str) -> list[SelectChoice]:
    zh = locale.startswith("zh")
    return [
        SelectChoice(f"{org.code}:{t.code}", t.name_zh if zh else t.name_en) for t in public_types(org.code)
    ]


def _organisations() -> list[Organisation]:
    return list(db.session.scalars(sa.select(Organisation).order_by(Organisation.id)))


def _chosen(orgs: list[Organisation], code: str | None) -> Organisation | None:
    """The organisation the citizen reports to: the site's own, the one asked for, or the only one."""
    code = current_app.config.get("INTAKE_PUBLIC_ORG") or code
    if code:
        return next((o for o in orgs if o.code == code), None)
    return orgs[0] if len(orgs) == 1 else None


def _has_vehicles(org: Organisation) -> bool:
    return bool(
        db.session.scalar(
            sa.select(Customer.id)
            .where(Customer.org_id == org.id, Customer.kind == AssetKind.VEHICLE)
            .limit(1)
        )
    )


def _form_limit() -> str:
    return current_app.config.get("INTAKE_WEB_FORM_LIMIT", "5 per minute")


def _render(form: PublicReportForm, org: Organisation, status: int = 200):
    return (
        render_template("intake/public_form.html", form=form, org=org, ask_vin=_has_vehicles(org)),
        status,
    )


@bp.route("", methods=["GET", "POST"])
@limiter.limit(_form_limit, methods=["POST"])
def form():
    locale = str(get_locale())
    orgs = _organisations()
    form = PublicReportForm()
    posted = (form.service.data or "").partition(":")[0] if request.method == "POST" else None
    org = _chosen(orgs, posted or request.args.get("org"))
    if org is None:
        if request.method == "POST":
            # An unknown organisation in the posted value: the form of the first, with the error.
            org = orgs[0] if orgs else None
            if org is None:
                raise NotFound("No organisation takes reports here.")
        else:
            return render_template("intake/public_choose.html", orgs=orgs)
    form.service.choices = [SelectChoice("", "—"), *service_choices(org, locale)]
    if not form.validate_on_submit():
        return _render(form, org, 400 if form.is_submitted() else 200)
    org_code, _sep, type_code = form.service.data.partition(":")
    try:
        if org_code != org.code:
            raise DomainError("Unknown organisation.", field="service")
        result = take_report(
            db.session,
            org=org,
            type_code=type_code,
            channel=Channel.WEB,
            actor=Actor(Channel.WEB),
            description=form.description.data or "",
            reporter_name=form.reporter_name.data or None,
            reporter_phone=form.reporter_phone.data or None,
            language="zh" if locale.startswith("zh") else "en",
            address=form.address.data or None,
            lat=float(form.lat.data) if form.lat.data is not None else None,
            lon=float(form.lon.data) if form.lon.data is not None else None,
            coordinates_source="device" if form.place_source.data == "device" else "pin",
            account=(form.vin.data or "").strip().upper() or None,
        )
    except DomainError as exc:
        db.session.rollback()
        name = {"type_code": "service", "phone": "reporter_phone", "account": "vin"}.get(
            exc.details.get("field"), ""
        )
        field = getattr(form, name or exc.details.get("field", ""), None) or form.description
        field.errors = [*field.errors, exc.message]
        return _render(form, org, 400)
    commit()
    return render_template("intake/public_thanks.html", result=result)


@bp.get("/area.json")
def area():
    """The organisation's built-up outlines, depots and service stations, for the form's map."""
    org = _chosen(_organisations(), request.args.get("org"))
    if org is None:
        raise NotFound("No such organisation.")
    zh = str(get_locale()).startswith("zh")
    shapes = service_area()
    return jsonify(
        areas={
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"name": a.name_zh if zh else a.name_en},
                    "geometry": mapping(a.geometry),
                }
                for a in shapes.areas(org.code)
            ],
        },
        sites=[
            {"kind": s.kind, "name": s.name_zh if zh else s.name_en, "lat": s.lat, "lon": s.lon}
            for s in shapes.sites(org.code)
        ],
    )
