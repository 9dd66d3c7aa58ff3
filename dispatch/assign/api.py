"""JSON API of assignment under /api/v1: ranked candidates, offers, assign / reassign, acceptance
by phone, broadcast, unassign, and the dispatcher's alerts.

Authentication: the dispatcher's logged-in session (dispatcher, supervisor or admin; CSRF token
required on writes) or an ``X-API-Key`` header. Everything is scoped to that organisation: another
organisation's order is simply not found. Writes take the ``version`` of the order the caller saw
and answer 409 when it moved on.
"""

from __future__ import annotations

from functools import wraps

from flask import abort, current_app, g, jsonify, make_response, request
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from dispatch.assign import alerts, dispatcher, offers
from dispatch.assign.models import Offer, Technician
from dispatch.assign.ranking import target_milestone
from dispatch.auth.models import Role
from dispatch.auth.service import check_api_key
from dispatch.extensions import csrf, db
from dispatch.orders.lifecycle import Actor
from dispatch.orders.models import Channel, WorkOrder
from dispatch.orders.service import get_order
from dispatch.web import commit

bp = Blueprint(
    "assign_api",
    __name__,
    url_prefix="/api/v1",
    description="Assignment: candidates, offers, assigning and taking back jobs.",
)
# Writes are checked for CSRF below when they come with a session; an API key needs none.
csrf.exempt(bp)

DISPATCH_ROLES = (Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN)
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def _deny(status: int, message: str):
    abort(make_response(jsonify(error=message), status))


def authenticated(view):
    """Sets ``g.org_id`` and ``g.actor`` from an API key or a dispatcher's session; 401/403 else."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        key = request.headers.get("X-API-Key")
        if key:
            found = check_api_key(db.session, key)
            if found is None:
                _deny(401, "Unknown or revoked API key.")
            g.org_id, g.actor = found.org_id, Actor(Channel.API)
        elif getattr(current_user, "is_authenticated", False):
            if not current_user.has_role(*DISPATCH_ROLES):
                _deny(403, "Dispatchers only.")
            if request.method not in SAFE_METHODS and current_app.config.get("WTF_CSRF_ENABLED", True):
                csrf.protect()
            g.org_id, g.actor = current_user.org_id, Actor(Channel.CONSOLE, user_id=current_user.id)
        else:
            _deny(401, "Log in, or send an X-API-Key header.")
        return view(*args, **kwargs)

    return wrapped


@bp.errorhandler(422)
def _invalid(exc):
    messages = getattr(exc, "data", {}).get("messages", {})
    return jsonify(error="Invalid input.", fields=messages), 422


class AssignArgs(Schema):
    technician_id = fields.Integer(required=True)
    version = fields.Integer(load_default=None)
    note = fields.String(load_default=None, validate=validate.Length(max=500))


class VersionArgs(Schema):
    version = fields.Integer(load_default=None)
    reason = fields.String(load_default=None, validate=validate.Length(max=500))


class CandidateQuery(Schema):
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=200))


def order_json(order: WorkOrder) -> dict:
    return {
        "reference": order.reference,
        "status": order.status.value,
        "version": order.version,
        "job_code": order.job_code,
        "assignee_id": order.assignee_id,
    }


def offer_json(offer: Offer) -> dict:
    return {
        "id": offer.id,
        "technician_id": offer.technician_id,
        "technician": offer.technician.name,
        "state": offer.state.value,
        "broadcast": offer.broadcast,
        "stands_in_for_id": offer.stands_in_for_id,
        "distance_km": offer.distance_km,
        "eta_min": offer.eta_min,
        "can_meet": offer.can_meet,
        "created_at": offer.created_at.isoformat(),
        "expires_at": offer.expires_at.isoformat(),
        "answered_at": offer.answered_at.isoformat() if offer.answered_at else None,
        "reason": offer.reason,
    }


def _finite(value: float) -> float | None:
    return None if value == float("inf") else round(value, 1)


@bp.get("/orders/<reference>/candidates")
@authenticated
@bp.arguments(CandidateQuery, location="query", as_kwargs=True)
def candidates(reference: str, limit: int):
    """Ranked candidates with ETA and whether each can make the on-site deadline."""
    order = get_order(db.session, g.org_id, reference)
    found = offers.ranked(db.session, order, limit=limit)
    techs = {
        t.id: t
        for t in db.session.query(Technician).filter(Technician.id.in_([c.technician_id for c in found]))
    }
    target = target_milestone(order)
    return jsonify(
        reference=order.reference,
        version=order.version,
        target={"milestone": target.name, "due_at": target.due_at.isoformat()} if target else None,
        candidates=[
            {
                "technician_id": c.technician_id,
                "code": techs[c.technician_id].code,
                "name": techs[c.technician_id].name,
                "kind": techs[c.technician_id].kind.value,
                "eta_min": _finite(c.eta_min),
                "distance_km": _finite(c.distance_km) if c.eta_min != float("inf") else None,
                # No on-site deadline (a coach reply, office work): nothing to make or miss.
                "can_meet": c.can_meet if target is not None else None,
                "load": c.load,
                "stands_in_for_id": c.stands_in_for_id,
                "position_source": c.position_source,
            }
            for c in found
        ],
    )


@bp.get("/orders/<reference>/offers")
@authenticated
def order_offers(reference: str):
    order = get_order(db.session, g.org_id, reference)
    rows = db.session.query(Offer).filter(Offer.work_order_id == order.id).order_by(Offer.id).all()
    return jsonify(reference=order.reference, offers=[offer_json(o) for o in rows])


@bp.post("/orders/<reference>/assign")
@authenticated
@bp.arguments(AssignArgs, as_kwargs=True)
def assign(reference: str, technician_id: int, version: int | None, note: str | None):
    """Give the job to a technician (reassigning it when somebody already has it)."""
    order = get_order(db.session, g.org_id, reference)
    dispatcher.assign(db.session, order, technician_id, g.actor, expected_version=version, note=note)
    commit()
    return jsonify(order_json(order))


@bp.post("/orders/<reference>/phone-acceptance")
@authenticated
@bp.arguments(AssignArgs, as_kwargs=True)
def phone_acceptance(reference: str, technician_id: int, version: int | None, note: str | None):
    """Record that a technician accepted the job on the phone."""
    order = get_order(db.session, g.org_id, reference)
    dispatcher.record_phone_acceptance(
        db.session, order, technician_id, g.actor, expected_version=version, note=note
    )
    commit()
    return jsonify(order_json(order))


@bp.post("/orders/<reference>/broadcast")
@authenticated
@bp.arguments(VersionArgs, as_kwargs=True)
def broadcast(reference: str, version: int | None, reason: str | None):
    """Offer the job to the top candidates at once; the first to accept wins."""
    order = get_order(db.session, g.org_id, reference)
    made = dispatcher.broadcast(db.session, order, g.actor, expected_version=version)
    commit()
    return jsonify(order_json(order) | {"offers": [offer_json(o) for o in made]})


@bp.post("/orders/<reference>/unassign")
@authenticated
@bp.arguments(VersionArgs, as_kwargs=True)
def unassign(reference: str, version: int | None, reason: str | None):
    """Take the job back from its technician; it waits, queued."""
    order = get_order(db.session, g.org_id, reference)
    dispatcher.unassign(db.session, order, g.actor, reason=reason, expected_version=version)
    commit()
    return jsonify(order_json(order))


@bp.get("/dispatch-alerts")
@authenticated
def alert_list():
    """Jobs nobody has accepted in time, or nobody could be offered."""
    rows = alerts.open_alerts(db.session, g.org_id)
    return jsonify(
        alerts=[
            {
                "id": a.id,
                "kind": a.kind,
                "message": alerts.describe(a),
                "reference": a.order.reference,
                "created_at": a.created_at.isoformat(),
                "data": a.data,
            }
            for a in rows
        ]
    )


@bp.post("/dispatch-alerts/<int:alert_id>/acknowledge")
@authenticated
def alert_acknowledge(alert_id: int):
    alerts.acknowledge(db.session, g.org_id, alert_id, g.actor.user_id)
    commit()
    return jsonify(id=alert_id, acknowledged=True)
