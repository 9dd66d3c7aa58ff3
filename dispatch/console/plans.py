"""Each technician's plan as the console shows it: the planner's entries in order, with the place,
the expected arrival, the on-site deadline, whether the promise is at risk and the dispatcher's pin.

Read straight from ``plan_entry`` (what the last re-plan wrote) and ``plan_pin``; the technicians
page lists the stops, the map draws each technician's route through them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from dispatch.assign.ranking import TARGET_MILESTONES
from dispatch.orders.models import Milestone, WorkOrder
from dispatch.plan.models import PlanEntry, PlanPin


@dataclass(frozen=True)
class Stop:
    position: int
    reference: str
    type_code: str
    place: str
    lat: float | None
    lon: float | None
    eta_at: datetime | None
    due_at: datetime | None
    at_risk: bool
    #: None, "pinned" (kept with this technician) or "first" (pinned to go there next).
    pin: str | None


def _aware(moment: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; every stored time is UTC.
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def plans(session: Session, org_id: int, tech_ids: Iterable[int] | None = None) -> dict[int, list[Stop]]:
    """Technician id → his plan's stops, position 0 first."""
    due = (
        sa.select(Milestone.order_id, sa.func.min(Milestone.due_at).label("due_at"))
        .where(Milestone.name.in_(TARGET_MILESTONES), Milestone.met_at.is_(None))
        .group_by(Milestone.order_id)
        .subquery()
    )
    query = (
        sa.select(
            PlanEntry.technician_id,
            PlanEntry.position,
            PlanEntry.eta_at,
            PlanEntry.at_risk,
            WorkOrder.reference,
            WorkOrder.type_code,
            WorkOrder.address,
            WorkOrder.lat,
            WorkOrder.lon,
            due.c.due_at,
            PlanPin.technician_id.label("pinned_to"),
            PlanPin.first,
        )
        .join(WorkOrder, WorkOrder.id == PlanEntry.work_order_id)
        .outerjoin(due, due.c.order_id == PlanEntry.work_order_id)
        .outerjoin(PlanPin, PlanPin.work_order_id == PlanEntry.work_order_id)
        .where(PlanEntry.org_id == org_id)
        .order_by(PlanEntry.technician_id, PlanEntry.position)
    )
    if tech_ids is not None:
        query = query.where(PlanEntry.technician_id.in_(list(tech_ids)))
    out: dict[int, list[Stop]] = {}
    for r in session.execute(query):
        pin = None
        if r.pinned_to == r.technician_id:
            pin = "first" if r.first else "pinned"
        place = r.address or (f"{r.lat:.5f}, {r.lon:.5f}" if r.lat is not None else "")
        out.setdefault(r.technician_id, []).append(
            Stop(
                position=r.position,
                reference=r.reference,
                type_code=r.type_code,
                place=place,
                lat=r.lat,
                lon=r.lon,
                eta_at=_aware(r.eta_at),
                due_at=_aware(r.due_at),
                at_risk=bool(r.at_risk),
                pin=pin,
            )
        )
    return out


def route(start: tuple[float, float] | None, stops: list[Stop]) -> list[list[float]]:
    """The polyline the map draws: from the technician's position through his stops in order."""
    points = [[start[0], start[1]]] if start is not None and start[0] is not None else []
    points += [[s.lat, s.lon] for s in stops if s.lat is not None]
    return points
