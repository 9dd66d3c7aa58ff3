"""The open orders `dispatch bench console` measures the console against: written in bulk through
the models (orders, their two milestones, their first timeline event), as a county would have
them after a bad week — most in the county town, some outside, in every open state."""

from __future__ import annotations

import random
from datetime import timedelta

import sqlalchemy as sa

TYPES = ["water_leak", "sewer_overflow", "manhole_cover", "road_damage", "safety_accident", "hot_issue"]


def fill(session, org_id: int, orders: int, technicians: int, rng: random.Random) -> list[str]:
    """Technicians up to ``technicians`` and ``orders`` open orders; returns their references."""
    from dispatch import clock
    from dispatch.assign.models import Technician
    from dispatch.bench.workload import add_technicians
    from dispatch.orders.models import Channel, Event, Milestone, Status, WorkOrder

    existing = session.scalar(sa.select(sa.func.count()).select_from(Technician))
    add_technicians(session, org_id, max(technicians - existing, 0), rng)
    session.commit()
    tech_ids = session.scalars(sa.select(Technician.id).where(Technician.org_id == org_id)).all()
    now = clock.now()
    statuses = [
        Status.LOCATED,
        Status.QUEUED,
        Status.OFFERED,
        Status.ACCEPTED,
        Status.EN_ROUTE,
        Status.ON_SITE,
    ]
    # A column that keeps an order's next deadline, where the model has one, is kept here too.
    keeps_next_due = "next_due_at" in WorkOrder.__table__.c
    rows, plans = [], []
    for i in range(orders):
        in_town = rng.random() < 0.6
        lat = 32.52 + rng.gauss(0, 0.015) if in_town else 32.3 + rng.random() * 0.5
        lon = 112.36 + rng.gauss(0, 0.015) if in_town else 112.0 + rng.random() * 0.7
        status = rng.choice(statuses) if rng.random() > 0.02 else Status.NEEDS_LOCATION
        placed = status is not Status.NEEDS_LOCATION
        reported = now - timedelta(minutes=rng.randrange(1, 600))
        arrive_met = reported + timedelta(minutes=30) if rng.random() < 0.4 else None
        plans.append((reported, arrive_met))
        row = dict(
            org_id=org_id,
            reference=f"WO-BENCH-{i:06d}",
            type_code=rng.choice(TYPES),
            channel=rng.choice([Channel.PHONE, Channel.SMS, Channel.WEB]),
            description="水管漏水",
            reporter_phone=f"+8613{rng.randrange(10**9):09d}",
            address=f"新华路{i}号",
            lat=lat if placed else None,
            lon=lon if placed else None,
            zone="built_up" if in_town else "outside",
            status=status,
            assignee_id=rng.choice(tech_ids) if status in statuses[3:] else None,
            reported_at=reported,
            created_at=now,
            updated_at=now,
            version=1,
            priority=3,
            needs_supplier=False,
        )
        if keeps_next_due:
            row["next_due_at"] = reported + timedelta(hours=24 if arrive_met else 1)
        rows.append(row)
    session.execute(sa.insert(WorkOrder), rows)
    ids = session.execute(
        sa.select(WorkOrder.id, WorkOrder.reference)
        .where(WorkOrder.org_id == org_id, WorkOrder.reference.like("WO-BENCH-%"))
        .order_by(WorkOrder.reference)
    ).all()
    milestones, events = [], []
    for (order_id, _reference), (reported, arrive_met) in zip(ids, plans, strict=True):
        for name, hours, met in (("arrive", 1, arrive_met), ("resolve", 24, None)):
            due = reported + timedelta(hours=hours)
            milestones.append(
                dict(
                    order_id=order_id,
                    # The KPI copy (dispatch/kpi/counted.py); these orders count and none is held.
                    org_id=org_id,
                    name=name,
                    due_at=due,
                    warn_at=due - timedelta(hours=hours * 0.2),
                    met_at=met,
                    clock="24x7",
                    manual=False,
                    calendar_warning=False,
                )
            )
        events.append(dict(order_id=order_id, kind="created", channel=Channel.PHONE, data={}, at=reported))
    session.execute(sa.insert(Milestone), milestones)
    session.execute(sa.insert(Event), events)
    session.commit()
    return [reference for _id, reference in ids]
