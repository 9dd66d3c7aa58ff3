"""What a technician does on an assigned job — on the way, on site, sign placed, reclassified,
waiting, done, parts used — as operations any face can call (SMS commands, the console).

Each goes through the lifecycle (state changes) or ``lifecycle.record`` (events), and tells the
customer, in the customer's language, when the technician sets off (with the ETA) and when the
work is done. Operations flush, never commit.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy.orm import Session

from dispatch import clock
from dispatch.assign import texts
from dispatch.assign.models import Technician
from dispatch.assign.ranking import Policy
from dispatch.geo.distance import great_circle_km
from dispatch.orders import lifecycle
from dispatch.orders.lifecycle import Actor
from dispatch.orders.models import Status, WorkOrder
from dispatch.sla import changes as sla_changes
from dispatch.sms import outbox

CUSTOMER_KIND = "customer_update"


def tell_customer(session: Session, order: WorkOrder, body: str, progress_zh: str) -> bool:
    """Send ``body`` to the reporter, if there is a number to send it to (``progress_zh``: the
    same news in the few Chinese words a template parameter holds)."""
    if not order.reporter_phone:
        return False
    outbox.enqueue(
        session,
        to=order.reporter_phone,
        body=body,
        kind=CUSTOMER_KIND,
        org_id=order.org_id,
        work_order_id=order.id,
        language=texts.short_language(order.reporter_language),
        template=CUSTOMER_KIND,
        params=texts.customer_params(order, progress_zh),
    )
    return True


def estimate_minutes(tech: Technician, order: WorkOrder) -> int | None:
    """Travel time from the technician's last known position, as ranking computes it."""
    lat, lon = tech.last_lat, tech.last_lon
    if (lat is None or lon is None) and tech.home_depot is not None:
        lat, lon = tech.home_depot.lat, tech.home_depot.lon
    if lat is None or lon is None or order.lat is None or order.lon is None:
        return None
    policy = Policy.from_config(current_app.config)
    km = great_circle_km(lat, lon, order.lat, order.lon)
    return max(1, round(km * policy.road_factor / policy.speed_for(order.zone) * 60))


def resume_if_held(session: Session, order: WorkOrder, actor: Actor) -> bool:
    """An order on hold is resumed by the technician's next command on it."""
    if order.status is Status.ON_HOLD:
        lifecycle.transition(session, order, "resume", actor, note="resumed by the next command")
        return True
    return False


def depart(
    session: Session, order: WorkOrder, tech: Technician, actor: Actor, eta_min: int | None
) -> tuple[int | None, bool]:
    """On the way. Returns the ETA used (given, else estimated) and whether the customer was told."""
    resume_if_held(session, order, actor)
    eta = eta_min if eta_min is not None else estimate_minutes(tech, order)
    lifecycle.transition(
        session, order, "depart", actor, data={"eta_min": eta, "eta_given": eta_min is not None}
    )
    told = tell_customer(
        session, order, texts.customer_on_the_way(order, eta), texts.on_the_way_progress(eta)
    )
    return eta, told


def _at_site(tech: Technician, order: WorkOrder, now: datetime) -> None:
    # A basic phone reports no position: the job site is the best we know until the next one.
    if order.lat is not None and order.lon is not None:
        tech.last_lat, tech.last_lon = order.lat, order.lon
        tech.last_position_at, tech.last_position_source = now, "job_site"


def arrive(
    session: Session, order: WorkOrder, tech: Technician, actor: Actor, note: str | None = None
) -> None:
    resume_if_held(session, order, actor)
    lifecycle.transition(session, order, "arrive", actor, note=note)
    _at_site(tech, order, clock.now())


def sign_placed(session: Session, order: WorkOrder, actor: Actor) -> None:
    resume_if_held(session, order, actor)
    lifecycle.record(session, order, "sign_placed", actor)


def reclassify(
    session: Session, order: WorkOrder, severity: str, actor: Actor, note: str | None = None
) -> None:
    """Minor or major repair, as the technician found it on site: resumes a held order, then the
    deadline engine records the change and moves the deadlines (on the record, for review)."""
    if severity not in ("minor", "major"):
        raise ValueError(f"severity must be minor or major, not {severity!r}")
    resume_if_held(session, order, actor)
    sla_changes.reclassify(
        session,
        order,
        severity=severity,
        actor=actor,
        reason=note or f"technician reported a {severity} repair",
    )


def hold(
    session: Session, order: WorkOrder, waiting_for: str, actor: Actor, reason: str | None = None
) -> None:
    """Waiting for parts or for the customer: on hold (the deadlines that pause, pause)."""
    lifecycle.transition(session, order, "hold", actor, note=reason, data={"waiting_for": waiting_for})


def resume(session: Session, order: WorkOrder, actor: Actor) -> None:
    lifecycle.transition(session, order, "resume", actor)


def complete(
    session: Session, order: WorkOrder, tech: Technician, actor: Actor, note: str | None = None
) -> bool:
    """Work done (an arrival not reported yet is recorded first). Returns whether the customer
    was told."""
    resume_if_held(session, order, actor)
    if order.status is Status.EN_ROUTE:
        lifecycle.transition(session, order, "arrive", actor, note="arrival reported together with done")
    lifecycle.transition(session, order, "complete", actor, note=note)
    _at_site(tech, order, clock.now())
    return tell_customer(session, order, texts.customer_done(order), "维修已完成")


def part_used(session: Session, order: WorkOrder, code: str, quantity: int, actor: Actor) -> None:
    lifecycle.record(session, order, "part_used", actor, data={"code": code, "qty": quantity})
