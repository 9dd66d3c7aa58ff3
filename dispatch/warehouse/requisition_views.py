"""Requisitions: a supervisor approves (never their own), the warehouse issues to the van."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from dispatch.extensions import db
from dispatch.parts import documents
from dispatch.parts.models import DocKind, DocState, PartDocument
from dispatch.warehouse.blueprint import APPROVER_ROLES, WAREHOUSE_ROLES, bp, org_id, owned
from dispatch.web import commit, roles_required


@bp.get("/requisitions")
@roles_required(*WAREHOUSE_ROLES)
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

    return render_template(
        "warehouse/requisitions.html", requested=of(DocState.REQUESTED), approved=of(DocState.APPROVED)
    )


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
