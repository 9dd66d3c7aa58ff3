"""GET /healthz — the contract of DESIGN.md §4."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify

from dispatch.extensions import db
from dispatch.heartbeat import scheduler_state
from dispatch.sms.routing import org_backends

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


@bp.get("/healthz")
def healthz():
    backend = current_app.config["SMS_BACKEND"]
    # Organisations whose messages go through another gateway than the deployment's.
    extra = {"sms_org_backends": per_org} if (per_org := org_backends(current_app.config)) else {}
    try:
        db.session.execute(sa.text("SELECT 1"))
        scheduler = scheduler_state(db.session, current_app.config["WORKER_HEARTBEAT_INTERVAL_S"])
        db.session.rollback()
    except Exception:
        log.exception("health check: database unreachable")
        try:
            db.session.rollback()
        except Exception:  # the connection is gone; the session is discarded at teardown
            log.debug("rollback after a failed health check failed too", exc_info=True)
        return jsonify(database="unreachable", scheduler="off", sms_backend=backend, **extra), 503
    return jsonify(database="ok", scheduler=scheduler, sms_backend=backend, **extra)
