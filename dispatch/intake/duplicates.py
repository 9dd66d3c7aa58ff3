"""Duplicate reports: the same problem reported again nearby while the first is still open.

A duplicate is linked to the first report (``WorkOrder.duplicate_of_id``) instead of being
dispatched a second time; its reporter is still acknowledged, and is told when the first report
is closed (``notify_duplicates``). A dispatcher can unlink it when it turns out to be different.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import force_locale
from sqlalchemy.orm import Session

from dispatch import clock
from dispatch.errors import DomainError
from dispatch.geo.distance import great_circle_km
from dispatch.intake.ack import babel_locale
from dispatch.intake.text import _
from dispatch.orders import lifecycle
from dispatch.orders.lifecycle import Actor
from dispatch.orders.models import FINAL, Channel, Status, WorkOrder
from dispatch.sla.service import apply_rules, keep_next_due
from dispatch.sms import outbox

_KM_PER_DEGREE = 111.2
#: An original is a job still in progress: once the work is done, a new report of the same
#: problem nearby is a new problem (the repair failed, or it happened again) and gets its own crew.
FINISHED = FINAL | {Status.WORK_DONE, Status.SIGNED, Status.APPROVED}


def find_original(session: Session, order: WorkOrder, radius_m: float, window_h: float) -> WorkOrder | None:
    """The nearest placed report of the same type still in progress (its work not done yet) within
    ``radius_m`` metres and reported in the ``window_h`` hours before ``order`` — itself no
    duplicate — or None."""
    if order.lat is None or order.lon is None or radius_m <= 0:
        return None
    dlat = radius_m / 1000 / _KM_PER_DEGREE
    dlon = dlat / max(math.cos(math.radians(order.lat)), 0.01)
    # One range probe of ix_work_order_nearby (org, type, lat, lon, reported_at). Without a
    # flush first: the order itself is not inserted yet or excluded by id, and every other
    # order was flushed by the intake that took it.
    with session.no_autoflush:
        candidates = _candidates(session, order, dlat, dlon, window_h)
    best, best_km = None, radius_m / 1000
    for candidate in candidates:
        km = great_circle_km(order.lat, order.lon, candidate.lat, candidate.lon)
        if km <= best_km:
            best, best_km = candidate, km
    return best


def _candidates(session: Session, order: WorkOrder, dlat: float, dlon: float, window_h: float):
    # An order not inserted yet has no id and cannot be among the candidates.
    itself = [WorkOrder.id != order.id] if order.id is not None else []
    return session.scalars(
        sa.select(WorkOrder).where(
            WorkOrder.org_id == order.org_id,
            WorkOrder.type_code == order.type_code,
            *itself,
            WorkOrder.duplicate_of_id.is_(None),
            # Planned work (drain dredging) is not the problem a citizen reports.
            WorkOrder.channel != Channel.SCHEDULED,
            WorkOrder.status.not_in(FINISHED),
            WorkOrder.reported_at >= order.reported_at - timedelta(hours=window_h),
            WorkOrder.lat.between(order.lat - dlat, order.lat + dlat),
            WorkOrder.lon.between(order.lon - dlon, order.lon + dlon),
        )
    ).all()


def link_if_duplicate(
    session: Session, order: WorkOrder, actor: Actor, config: Mapping[str, Any]
) -> WorkOrder | None:
    """Link ``order`` to the report it repeats, if any; returns that report. Flushes."""
    original = find_original(
        session,
        order,
        float(config.get("INTAKE_DUPLICATE_RADIUS_M", 150)),
        float(config.get("INTAKE_DUPLICATE_WINDOW_H", 48)),
    )
    if original is None:
        return None
    if order.id is None:
        # The timeline of both says which reference is which: number this one first.
        session.flush()
    order.duplicate_of_id, order.duplicate_of = original.id, original
    # Nobody works on a duplicate: its deadlines are the original's, not a clock of its own that
    # would run out while the original's crew does the job.
    order.milestones.clear()
    keep_next_due(order)
    lifecycle.record(session, order, "duplicate_linked", actor, data={"of": original.reference})
    lifecycle.record(session, original, "duplicate_reported", actor, data={"by": order.reference})
    return original


def unlink(session: Session, order: WorkOrder, actor: Actor) -> WorkOrder:
    """Treat a linked report as a problem of its own: unlink it and queue it. Flushes."""
    if order.duplicate_of_id is None:
        raise DomainError(_("%(reference)s is not linked to another report.", reference=order.reference))
    original = order.duplicate_of
    order.duplicate_of_id = None
    lifecycle.record(
        session, order, "duplicate_unlinked", actor, data={"of": original.reference if original else None}
    )
    # A problem of its own again: its own deadlines, from the moment it was reported.
    apply_rules(session, order, actor=actor, reason="unlinked")
    if order.status is Status.LOCATED:
        lifecycle.transition(session, order, "queue", actor)
    return order


def duplicates_of(session: Session, order: WorkOrder) -> list[WorkOrder]:
    return list(
        session.scalars(
            sa.select(WorkOrder).where(WorkOrder.duplicate_of_id == order.id).order_by(WorkOrder.id)
        )
    )


def notify_duplicates(session: Session, original: WorkOrder, actor: Actor) -> int:
    """The original is closed: tell each duplicate's reporter (by SMS when it has a mobile) and
    close the duplicate with it. Returns how many were notified. Flushes."""
    from dispatch.intake.models import ReportIntake

    count = 0
    for order in duplicates_of(session, original):
        if order.status in FINAL:
            continue
        intake = session.scalar(sa.select(ReportIntake).where(ReportIntake.work_order_id == order.id))
        if intake is not None and intake.closure_notified_at is None:
            if intake.reporter_mobile and order.reporter_phone:
                with force_locale(babel_locale(order.reporter_language)):
                    body = _(
                        "Your report %(reference)s: the problem has been dealt with (%(original)s). "
                        "Thank you.",
                        reference=order.reference,
                        original=original.reference,
                    )
                outbox.send(
                    session,
                    "closure",
                    to=order.reporter_phone,
                    text=body,
                    params={"reference": order.reference, "original": original.reference},
                    order=order,
                    language=order.reporter_language,
                )
            intake.closure_notified_at = clock.now()
            count += 1
        lifecycle.transition(
            session,
            order,
            "cancel",
            actor,
            note=f"closed with {original.reference}",
            data={"resolved_with": original.reference},
        )
    return count
