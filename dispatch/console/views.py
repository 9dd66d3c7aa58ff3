"""Dispatcher pages: the queue, the needs-location queue, the map and the live feed.

Thin views over the packages below; every query is scoped to the user's organisation, so
another organisation's order is simply not found. The work-order page is in order_views.py,
the technicians in technician_views.py.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Response, current_app, jsonify, render_template, request, stream_with_context
from flask_login import current_user

from dispatch import clock
from dispatch.assign import alerts as assign_alerts
from dispatch.assign.models import Technician
from dispatch.console import (  # noqa: F401  (routes)
    assign_actions,
    deadline_actions,
    labels,
    live,
    mapdata,
    order_views,
    phone_views,
    plan_actions,
    progress,
    report_views,
    technician_views,
)
from dispatch.console.blueprint import CONSOLE_ROLES, bp, locale
from dispatch.console.queue import QueueFilter, queue_page, queue_row
from dispatch.extensions import db
from dispatch.orders.models import Status, WorkOrder
from dispatch.orders.service import get_order
from dispatch.sms import alerts as sms_alerts
from dispatch.web import roles_required

__all__ = ["bp"]

#: Open alerts listed above the queue (newest first); the rest wait until these are dealt with.
ALERTS_SHOWN = 20


def _emergency_types() -> frozenset[str]:
    raw = current_app.config.get("CONSOLE_EMERGENCY_TYPES", "safety_accident")
    return frozenset(code.strip() for code in raw.split(",") if code.strip())


def _queue_context(flt: QueueFilter, title: str, endpoint: str):
    page = queue_page(db.session, current_user.org_id, flt, request.args.get("page", 1, type=int))
    technicians = db.session.execute(
        sa.select(Technician.id, Technician.name)
        .where(Technician.org_id == current_user.org_id)
        .order_by(Technician.name)
    ).all()
    delivery = sms_alerts.open_alerts(db.session, current_user.org_id, limit=ALERTS_SHOWN)
    return render_template(
        "console/queue.html",
        page=page,
        flt=flt,
        title=title,
        endpoint=endpoint,
        now=clock.now(),
        types=labels.type_choices(current_user.org.code, locale()),
        statuses=[s.value for s in Status if s not in (Status.CLOSED, Status.CANCELLED)],
        technicians=technicians,
        last_event=live.last_event_id(db.session, current_user.org_id),
        emergency_types=sorted(_emergency_types()),
        dispatch_alerts=assign_alerts.open_alerts(db.session, current_user.org_id)[:ALERTS_SHOWN],
        delivery_alerts=delivery,
        alert_refs=dict(
            db.session.execute(
                sa.select(WorkOrder.id, WorkOrder.reference).where(
                    WorkOrder.org_id == current_user.org_id,
                    WorkOrder.id.in_([a.work_order_id for a in delivery if a.work_order_id]),
                )
            ).all()
        ),
        describe_alert=assign_alerts.describe,
    )


@bp.get("/")
@roles_required(*CONSOLE_ROLES)
def index():
    from flask_babel import gettext as _

    return _queue_context(QueueFilter.from_args(request.args), _("Open work orders"), "console.index")


@bp.get("/needs-location")
@roles_required(*CONSOLE_ROLES)
def needs_location():
    from flask_babel import gettext as _

    flt = QueueFilter.from_args(request.args)
    flt = QueueFilter(**{**flt.__dict__, "status": None, "statuses": (Status.NEEDS_LOCATION, Status.NEW)})
    return _queue_context(flt, _("Orders waiting for a location"), "console.needs_location")


@bp.get("/orders/<reference>/row")
@roles_required(*CONSOLE_ROLES)
def order_row(reference: str):
    """One queue line, for the live update of a page (empty when the order left the queue)."""
    order = get_order(db.session, current_user.org_id, reference)
    row = queue_row(db.session, current_user.org_id, order.id)
    if row is None:
        return ""
    return render_template("console/_queue_row.html", row=row, now=clock.now())


@bp.get("/map")
@roles_required(*CONSOLE_ROLES)
def map_page():
    return render_template(
        "console/map.html",
        tile_url=current_app.config.get("CONSOLE_TILE_URL", ""),
        tile_attribution=current_app.config.get("CONSOLE_TILE_ATTRIBUTION", ""),
        home=mapdata.home_view(current_user.org.code, db.session, current_user.org_id),
        last_event=live.last_event_id(db.session, current_user.org_id),
        emergency_types=sorted(_emergency_types()),
    )


@bp.get("/map/data")
@roles_required(*CONSOLE_ROLES)
def map_data():
    """Orders (points or grid clusters) and technicians within ``bbox=west,south,east,north``."""
    bbox = mapdata.BBox.parse(request.args.get("bbox"))
    org_id = current_user.org_id
    orders = mapdata.orders_in(db.session, org_id, bbox)
    _label_points(orders.get("points", ()))
    return jsonify(
        orders=orders,
        technicians=mapdata.technicians_in(db.session, org_id, bbox),
    )


def _label_points(points) -> None:
    """What the popup reads, in the reader's language and the configured zone, in the console's
    one format: the type's name, the state's label, the due time, who holds the job."""
    from flask_babel import gettext as _

    for p in points:
        p["type_label"] = labels.type_name(p["type"], locale())
        p["status_label"] = labels.label(labels.STATUS, p["status"])
        p["due_local"] = clock.local(clock.parse(p["due"])).strftime("%Y-%m-%d %H:%M") if p["due"] else None
        if p["assignee"]:
            p["holder_label"] = p["assignee"]
        elif p["offered_to"]:
            p["holder_label"] = "; ".join(
                _(
                    "offered to %(name)s since %(since)s, until %(until)s",
                    name=h["name"],
                    since=clock.local(clock.parse(h["since"])).strftime("%H:%M"),
                    until=clock.local(clock.parse(h["until"])).strftime("%H:%M"),
                )
                for h in p["offered_to"]
            )
        else:
            p["holder_label"] = None


@bp.get("/map/sites")
@roles_required(*CONSOLE_ROLES)
def map_sites():
    """Depots, service stations and built-up outlines: they do not move, the page asks once."""
    return jsonify(
        sites=mapdata.sites(db.session, current_user.org_id, locale()),
        areas=mapdata.outlines(current_user.org.code, locale()),
    )


@bp.get("/live")
@roles_required(*CONSOLE_ROLES)
def live_feed():
    """Server-sent events: the organisation's timeline events as they happen."""
    org_id = current_user.org_id
    emergency = _emergency_types()
    after = request.headers.get("Last-Event-ID", type=int) or request.args.get("after", type=int)
    if after is None:
        after = live.last_event_id(db.session, org_id)
    config = current_app.config
    engine_url = db.engine.url
    if engine_url.get_backend_name() == "postgresql":
        live.PostgresListener.ensure(engine_url.render_as_string(hide_password=False))
        poll_s = float(config.get("CONSOLE_FALLBACK_POLL_S", 10))
    else:
        poll_s = float(config.get("CONSOLE_POLL_INTERVAL_S", 0.5))
    db.session.remove()

    def read(after_id: int):
        try:
            batch = live.events_after(db.session, org_id, after_id, emergency)
        finally:
            db.session.remove()  # never hold a connection (or an SQLite snapshot) between polls
        return [
            (
                e,
                {
                    "kind_label": labels.label(labels.EVENT, e.kind),
                    "status_label": labels.label(labels.STATUS, e.status),
                    "type_label": labels.type_name(e.type_code, locale()),
                },
            )
            for e in batch
        ]

    body = live.stream(
        read, after, lifetime_s=float(config.get("CONSOLE_SSE_LIFETIME_S", 300)), poll_s=poll_s
    )
    return Response(
        stream_with_context(body),
        mimetype="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
