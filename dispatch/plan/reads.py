"""The rows a re-plan reads, as plain values: only the columns the planner uses, in a few Core
queries (no ORM objects built for the organisation's every open order, technician, offer and
plan entry). The re-plan loads an order as an ORM object only when it acts on it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from dispatch.assign.models import Offer, OfferState, Technician
from dispatch.assign.ranking import TARGET_MILESTONES
from dispatch.geo.models import Depot
from dispatch.orders.models import Event, Milestone, Status, WorkOrder
from dispatch.plan.models import PlanEntry


@dataclass(slots=True)
class OrderRow:
    """What the planner needs of an order."""

    id: int
    status: Status
    assignee_id: int | None
    lat: float | None
    lon: float | None
    zone: str | None
    type_code: str
    reported_at: datetime
    job_code: str | None
    #: The deadline a technician must make (``ranking.target_milestone``), if any.
    due_at: datetime | None = None
    #: When he arrived (the ``arrive`` milestone met), for a job on site.
    arrived_at: datetime | None = None
    #: When he said he would be there (the minutes he sent with OTW), for a job he set off for.
    promised_at: datetime | None = None
    #: Past its warning time on an open milestone, or already warned about (``offers.at_risk``).
    at_risk: bool = False


TECH_COLUMNS = (
    Technician.id,
    Technician.duty_status,
    Technician.leave_until,
    Technician.skills,
    Technician.substitute_id,
    Technician.max_load,
    Technician.last_lat,
    Technician.last_lon,
    Technician.home_depot_id,
    Technician.last_position_source,
    Technician.phone,
    Technician.language,
)


def orders(session: Session, org_id: int, statuses: Iterable[Status], now: datetime) -> dict[int, OrderRow]:
    """The organisation's orders in ``statuses`` with their deadlines: two queries."""
    statuses = list(statuses)
    found = {
        row.id: OrderRow(*row)
        for row in session.execute(
            sa.select(
                WorkOrder.id,
                WorkOrder.status,
                WorkOrder.assignee_id,
                WorkOrder.lat,
                WorkOrder.lon,
                WorkOrder.zone,
                WorkOrder.type_code,
                WorkOrder.reported_at,
                WorkOrder.job_code,
            )
            .where(WorkOrder.org_id == org_id, WorkOrder.status.in_(statuses))
            .order_by(WorkOrder.id)
        )
    }
    named: dict[int, dict[str, tuple]] = {}
    for order_id, name, due_at, warn_at, met_at, warned_at in session.execute(
        sa.select(
            Milestone.order_id,
            Milestone.name,
            Milestone.due_at,
            Milestone.warn_at,
            Milestone.met_at,
            Milestone.warned_at,
        )
        .join(WorkOrder, WorkOrder.id == Milestone.order_id)
        .where(WorkOrder.org_id == org_id, WorkOrder.status.in_(statuses))
        .order_by(Milestone.id)
    ):
        order = found.get(order_id)
        if order is None:
            continue
        named.setdefault(order_id, {})[name] = (due_at, met_at)
        if met_at is None and (warned_at is not None or (warn_at is not None and warn_at <= now)):
            order.at_risk = True
    _promises(session, org_id, found)
    for order_id, by_name in named.items():
        order = found[order_id]
        arrive = by_name.get("arrive")
        order.arrived_at = arrive[1] if arrive is not None else None
        for name in TARGET_MILESTONES:
            due_at, met_at = by_name.get(name, (None, None))
            if due_at is not None and met_at is None:
                order.due_at = due_at
                break
    return found


def _promises(session: Session, org_id: int, found: dict[int, OrderRow]) -> None:
    """The ETA a technician on the way sent with OTW (``OTW 20``): the last departure's."""
    if not any(o.status is Status.EN_ROUTE for o in found.values()):
        return
    for order_id, data, at in session.execute(
        sa.select(Event.order_id, Event.data, Event.at)
        .join(WorkOrder, WorkOrder.id == Event.order_id)
        .where(WorkOrder.org_id == org_id, WorkOrder.status == Status.EN_ROUTE, Event.kind == "depart")
        .order_by(Event.id)
    ):
        order = found.get(order_id)
        if order is None:
            continue
        minutes = (data or {}).get("eta_min")
        given = (data or {}).get("eta_given")
        order.promised_at = at + timedelta(minutes=minutes) if given and minutes is not None else None


def technicians(session: Session, org_id: int) -> dict:
    return {
        row.id: row for row in session.execute(sa.select(*TECH_COLUMNS).where(Technician.org_id == org_id))
    }


def depots(session: Session) -> dict:
    return {row.id: row for row in session.execute(sa.select(Depot.id, Depot.lat, Depot.lon))}


def offers(session: Session, org_id: int, states: Iterable[OfferState]) -> list:
    return list(
        session.execute(
            sa.select(Offer.work_order_id, Offer.technician_id, Offer.state, Offer.broadcast)
            .where(Offer.org_id == org_id, Offer.state.in_(list(states)))
            .order_by(Offer.id)
        )
    )


def entries(session: Session, org_id: int) -> list:
    return list(
        session.execute(
            sa.select(
                PlanEntry.work_order_id,
                PlanEntry.technician_id,
                PlanEntry.position,
                PlanEntry.eta_at,
                PlanEntry.at_risk,
            )
            .where(PlanEntry.org_id == org_id)
            .order_by(PlanEntry.technician_id, PlanEntry.position)
        )
    )
