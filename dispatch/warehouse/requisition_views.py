"""Requisitions: a supervisor approves (never their own), the warehouse issues to the van."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from dispatch.assign.models import Technician
from dispatch.auth.models import Role
from dispatch.extensions import db
from dispatch.orders.models import WorkOrder
from dispatch.parts import catalog, documents, ledger
from dispatch.parts.errors import PartsError
from dispatch.parts.models import DocKind, DocState, PartDocument
from dispatch.warehouse.blueprint import APPROVER_ROLES, WAREHOUSE_ROLES, bp, org_id, owned
from dispatch.web import commit, roles_required

#: A dispatcher asks for parts for a technician from this page too.
ASKERS = (*WAREHOUSE_ROLES, Role.DISPATCHER)


@bp.get("/requisitions")
@roles_required(*ASKERS)
def requisitions():
    def of(state):
        return list(
            db.session.scalars(
                sa.select(PartDocument)
                .where(
                    PartDocument.org_id == org_id(),
                    PartDocument.kind == DocKind.REQUISITION,
                    PartDocument.state == state,
                )
                .order_by(PartDocument.id)
            )
        )

    technicians = list(
        db.session.scalars(
            sa.select(Technician).where(Technician.org_id == org_id()).order_by(Technician.code)
        )
    )
    return render_template(
        "warehouse/requisitions.html",
        requested=of(DocState.REQUESTED),
        approved=of(DocState.APPROVED),
        technicians=technicians,
        is_own=lambda doc: documents.is_own(doc, current_user),
        may_issue=current_user.has_role(*WAREHOUSE_ROLES),
    )


@bp.post("/requisitions")
@roles_required(*ASKERS)
def ask():
    """A requisition entered for a technician (a dispatcher taking it by phone), for a job."""
    tech = owned(Technician, request.form.get("technician", type=int) or 0)
    order = None
    reference = request.form.get("work_order", "").strip()
    if reference:
        order = db.session.scalar(
            sa.select(WorkOrder).where(WorkOrder.reference == reference, WorkOrder.org_id == org_id())
        )
        if order is None:
            raise PartsError(_("There is no work order %(ref)s.") % {"ref": reference})
    part = catalog.find(db.session, org_id(), request.form.get("part", ""))
    quantity = ledger.quantity(request.form.get("quantity", ""))
    doc = documents.request_parts(db.session, tech, order, [(part, quantity)], requested_by=current_user)
    commit()
    flash(_("%(number)s sent for approval.") % {"number": doc.number}, "ok")
    return redirect(url_for("warehouse.requisitions"))


def _requisition(doc_id: int) -> PartDocument:
    return owned(PartDocument, doc_id)


@bp.post("/requisitions/<int:doc_id>/approve")
@roles_required(*APPROVER_ROLES)
def approve(doc_id: int):
    doc = documents.approve(db.session, _requisition(doc_id), current_user)
    commit()
    flash(_("%(number)s approved.") % {"number": doc.number}, "ok")
    return redirect(url_for("warehouse.requisitions"))


@bp.post("/requisitions/<int:doc_id>/reject")
@roles_required(*APPROVER_ROLES)
def reject(doc_id: int):
    doc = documents.reject(db.session, _requisition(doc_id), current_user, request.form.get("reason", ""))
    commit()
    flash(_("%(number)s rejected.") % {"number": doc.number}, "ok")
    return redirect(url_for("warehouse.requisitions"))


@bp.post("/requisitions/<int:doc_id>/issue")
@roles_required(*WAREHOUSE_ROLES)
def issue(doc_id: int):
    doc = documents.issue(db.session, _requisition(doc_id), current_user)
    commit()
    flash(_("%(number)s issued to the van.") % {"number": doc.number}, "ok")
    return redirect(url_for("warehouse.requisitions"))


@bp.post("/requisitions/<int:doc_id>/cancel")
@roles_required(*WAREHOUSE_ROLES)
def cancel(doc_id: int):
    doc = documents.cancel(db.session, _requisition(doc_id), current_user, request.form.get("reason", ""))
    commit()
    flash(_("%(number)s cancelled.") % {"number": doc.number}, "ok")
    return redirect(url_for("warehouse.requisitions"))
