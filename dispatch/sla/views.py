"""The supervisor's review of moved deadlines (JSON): the queue, and acknowledging one change.

The console's pages come from the console package; these two endpoints are what they (or a
script) call. Each is scoped to the supervisor's organisation.
"""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask_login import current_user

from dispatch.auth.models import Role
from dispatch.extensions import db
from dispatch.sla import audit
from dispatch.web import commit, roles_required

bp = Blueprint("sla", __name__, url_prefix="/sla")

REVIEWERS = (Role.SUPERVISOR, Role.ADMIN)


@bp.get("/reviews")
@roles_required(*REVIEWERS)
def reviews():
    """The organisation's moved deadlines waiting for review, oldest first."""
    changes = audit.pending_reviews(db.session, current_user.org_id)
    return jsonify(changes=[audit.as_dict(c) for c in changes])


@bp.post("/reviews/<int:change_id>/ack")
@roles_required(*REVIEWERS)
def acknowledge(change_id: int):
    """Mark one moved deadline as reviewed by the current supervisor."""
    change = audit.acknowledge(db.session, current_user.org_id, change_id, current_user)
    commit()
    return jsonify(audit.as_dict(change))
