"""Evidence files of supplier-claim lines: upload (photographs, PDF) and download, for the
warehouse, supervisors and administrators of the claim's organisation."""

from __future__ import annotations

import io

from flask import abort, flash, redirect, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from dispatch.extensions import db
from dispatch.parts import evidence
from dispatch.parts.errors import PartsError
from dispatch.parts.returns_models import SupplierClaimLine
from dispatch.warehouse.blueprint import WAREHOUSE_ROLES, bp, org_id, owned
from dispatch.web import commit, roles_required


@bp.post("/claims/lines/<int:line_id>/evidence")
@roles_required(*WAREHOUSE_ROLES)
def upload_evidence(line_id: int):
    line = db.session.get(SupplierClaimLine, line_id)
    if line is None or line.claim.org_id != org_id():
        abort(404)
    upload = request.files.get("file")
    data = upload.read(evidence.max_bytes() + 1) if upload else b""
    try:
        evidence.attach(db.session, line, current_user, upload.filename if upload else "", data)
    except PartsError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("warehouse.claims_page") + f"#claim-{line.claim_id}"), 303
    commit()
    flash(_("Evidence attached."), "ok")
    return redirect(url_for("warehouse.claims_page") + f"#claim-{line.claim_id}")


@bp.get("/claims/evidence/<int:evidence_id>")
@roles_required(*WAREHOUSE_ROLES)
def download_evidence(evidence_id: int):
    row = owned(evidence.ClaimEvidence, evidence_id)
    path = evidence.path_of(row)
    if not path.is_file():
        abort(404)
    # Small files (capped at upload): read whole, so no file handle outlives the response.
    return send_file(
        io.BytesIO(path.read_bytes()),
        mimetype=row.content_type,
        as_attachment=True,
        download_name=row.filename,
    )
