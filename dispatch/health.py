"""GET /healthz — the contract of DESIGN.md §4.

It answers within ``[db] health_timeout_s`` whatever the database does: the check runs in a
thread of its own and is given that long. A database that accepts connections but never
answers (a stuck server, a half-open network) is a 503 in time for the load balancer, instead
of a probe that hangs and request threads that pile up behind it. At most ``MAX_STUCK`` checks
may hang at once; past that the answer is 503 at once, without another thread.
"""

from __future__ import annotations

import logging
import threading

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify
from sqlalchemy.orm import Session

from dispatch.extensions import db
from dispatch.heartbeat import scheduler_state
from dispatch.sms.routing import org_backends

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)

#: Checks still waiting on the database (each holds a thread until its connection gives up).
MAX_STUCK = 4
_stuck = threading.BoundedSemaphore(MAX_STUCK)


def _check(engine: sa.Engine, interval_s: float, timeout_s: float, result: dict) -> None:
    try:
        with engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(sa.text(f"SET LOCAL statement_timeout = {int(timeout_s * 1000)}"))
            conn.execute(sa.text("SELECT 1"))
            with Session(bind=conn) as session:
                result["scheduler"] = scheduler_state(session, interval_s)
            conn.rollback()
    except Exception:
        log.warning("health check: database unreachable", exc_info=True)
    finally:
        _stuck.release()


@bp.get("/healthz")
def healthz():
    backend = current_app.config["SMS_BACKEND"]
    # Organisations whose messages go through another gateway than the deployment's.
    extra = {"sms_org_backends": per_org} if (per_org := org_backends(current_app.config)) else {}
    timeout_s = float(current_app.config["DB_HEALTH_TIMEOUT_S"])
    result: dict = {}
    if _stuck.acquire(blocking=False):
        worker = threading.Thread(
            target=_check,
            args=(db.engine, current_app.config["WORKER_HEARTBEAT_INTERVAL_S"], timeout_s, result),
            name="healthz",
            daemon=True,
        )
        worker.start()
        worker.join(timeout_s)
    else:
        log.warning("health check: %d earlier checks still wait on the database", MAX_STUCK)
    if "scheduler" not in result:
        return jsonify(database="unreachable", scheduler="off", sms_backend=backend, **extra), 503
    return jsonify(database="ok", scheduler=result["scheduler"], sms_backend=backend, **extra)
