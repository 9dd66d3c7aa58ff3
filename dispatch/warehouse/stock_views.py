"""Stock per place, goods receipts, catalog import, stock counts, shipments to service stations
and the printable documents."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from dispatch.auth.models import User
from dispatch.extensions import db
from dispatch.parts import catalog, documents, ledger, locations
from dispatch.parts.errors import PartsError
from dispatch.parts.models import DocKind, LocationKind, Part, PartDocument, StockLocation, StockMove
from dispatch.warehouse.blueprint import APPROVER_ROLES, WAREHOUSE_ROLES, bp, org_id, owned
from dispatch.web import commit, roles_required


@bp.get("/stock")
@roles_required(*WAREHOUSE_ROLES)
def stock():
    locations.ensure_all(db.session, org_id())
    places = locations.of_org(
        db.session,
        org_id(),
        LocationKind.WAREHOUSE,
        LocationKind.VAN,
        LocationKind.STATION,
        LocationKind.RETURNS,
    )
    place = (
        owned(StockLocation, request.args.get("location", type=int))
        if request.args.get("location")
        else locations.warehouse(db.session, org_id())
    )
    held = ledger.on_hand(db.session, place.id)
    parts = list(db.session.scalars(sa.select(Part).where(Part.org_id == org_id()).order_by(Part.number)))
    suppliers = locations.of_org(db.session, org_id(), LocationKind.SUPPLIER)
    moves = list(
        db.session.scalars(
            sa.select(StockMove)
            .where(sa.or_(StockMove.from_location_id == place.id, StockMove.to_location_id == place.id))
            .order_by(StockMove.id.desc())
            .limit(100)
        )
    )
    commit()  # the places created on first sight
    return render_template(
        "warehouse/stock.html",
        places=places,
        place=place,
        held=held,
        parts=parts,
        moves=moves,
        suppliers=suppliers,
        stations=[p for p in places if p.kind is LocationKind.STATION],
    )


def _part_and_quantity() -> tuple[Part, int]:
    part = catalog.find(db.session, org_id(), request.form.get("part", ""))
    return part, ledger.quantity(request.form.get("quantity", ""))


@bp.post("/receipts")
@roles_required(*WAREHOUSE_ROLES)
def receive_goods():
    supplier = owned(StockLocation, request.form.get("supplier", type=int) or 0)
    doc = documents.receive_goods(
        db.session, org_id(), supplier, [_part_and_quantity()], current_user, request.form.get("note", "")
    )
    commit()
    return redirect(url_for("warehouse.document", number=doc.number))


@bp.post("/field-purchases")
@roles_required(*WAREHOUSE_ROLES)
def field_purchase():
    place = owned(StockLocation, request.form.get("location", type=int) or 0)
    supplier = owned(StockLocation, request.form.get("supplier", type=int) or 0)
    if place.technician is None:
        raise PartsError(_("Parts bought in the field go onto a van or a station."))
    try:
        cost = round(float(request.form.get("cost", "0") or 0) * 100)
    except ValueError:
        raise PartsError(_("Not an amount: %(value)s") % {"value": request.form.get("cost")}) from None
    doc = documents.field_purchase(
        db.session,
        place.technician,
        supplier,
        [_part_and_quantity()],
        request.form.get("receipt", ""),
        cost,
        current_user,
    )
    commit()
    return redirect(url_for("warehouse.document", number=doc.number))


@bp.post("/counts")
@roles_required(*WAREHOUSE_ROLES)
def count():
    place = owned(StockLocation, request.form.get("location", type=int) or 0)
    part = catalog.find(db.session, org_id(), request.form.get("part", ""))
    raw = request.form.get("counted", "").strip()
    # An empty shelf counts as 0; any other count is a quantity like every other one.
    counted = 0 if raw and not raw.strip("0") else ledger.quantity(raw)
    doc = documents.stock_count(
        db.session, place, {part: counted}, request.form.get("reason", ""), current_user
    )
    commit()
    return redirect(url_for("warehouse.document", number=doc.number))


@bp.post("/shipments")
@roles_required(*WAREHOUSE_ROLES)
def ship():
    station = owned(StockLocation, request.form.get("station", type=int) or 0)
    try:
        postage = round(float(request.form.get("postage", "0") or 0) * 100)
    except ValueError:
        raise PartsError(_("Not an amount: %(value)s") % {"value": request.form.get("postage")}) from None
    doc = documents.ship_to_station(db.session, station, [_part_and_quantity()], postage, current_user)
    commit()
    return redirect(url_for("warehouse.document", number=doc.number))


@bp.post("/documents/<number>/sign-postage")
@roles_required(*APPROVER_ROLES)
def sign_postage(number: str):
    doc = _document(number)
    documents.sign_postage(db.session, doc, current_user)
    commit()
    return redirect(url_for("warehouse.document", number=number))


@bp.post("/catalog")
@roles_required(*WAREHOUSE_ROLES)
def import_catalog():
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise PartsError(_("Choose a CSV or XLSX file."))
    created, updated = catalog.import_rows(
        db.session, org_id(), catalog.read_rows(upload.filename, upload.read())
    )
    commit()
    flash(
        _("Catalog: %(created)s parts added, %(updated)s updated.")
        % {"created": created, "updated": updated},
        "ok",
    )
    return redirect(url_for("warehouse.stock"))


def _document(number: str) -> PartDocument:
    doc = db.session.scalar(sa.select(PartDocument).where(PartDocument.number == number))
    if doc is None or doc.org_id != org_id():
        abort(404)
    return doc


@bp.get("/documents/<number>")
@roles_required(*WAREHOUSE_ROLES)
def document(number: str):
    doc = _document(number)
    # A goods receipt is printed in two copies (一式二份): the warehouse's and the supplier's.
    copies = (_("Warehouse copy"), _("Supplier copy")) if doc.kind.value == "receipt" else (None,)
    signatures = _postage_signatures(doc) if doc.kind is DocKind.SHIPMENT else None
    return render_template("warehouse/document.html", doc=doc, copies=copies, signatures=signatures)


def _postage_signatures(doc: PartDocument) -> dict[str, tuple[str, datetime] | None]:
    """Who signed a shipment's postage and freight, and when: ``(name, time)`` for the handler
    and for the supervisor, None while that signature is still missing. The handler signs by
    booking the shipment, so a document without its own signing time was signed when made."""

    def signed(user_id: int | None, at: str | None, made: datetime | None) -> tuple[str, datetime] | None:
        user = db.session.get(User, user_id) if user_id else None
        if user is None:
            return None
        return user.full_name, datetime.fromisoformat(at) if at else made

    data = doc.data or {}
    return {
        "handler": signed(doc.handler_signed_by_id, data.get("handler_signed_at"), doc.created_at),
        "supervisor": signed(doc.supervisor_signed_by_id, data.get("supervisor_signed_at"), None),
    }
