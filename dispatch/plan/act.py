"""Acting on a new plan: offers to the planned technicians, jobs taken off a technician's plan,
notices of a new first job, and the plan entries rewritten.

- A job planned for a technician who does not hold it is offered to him (an SMS he accepts), in
  plan order, while his load (jobs held + offers open) is under his ``max_load``; the rest wait in
  his plan, queued, and are offered as his load goes down.
- A job a re-plan gives to another technician: the one who held it (offered or accepted) is told
  in one short SMS that it is off his plan; the job goes back to queued (through the lifecycle)
  and is offered to the new one. An accepted job is moved only when the new technician can be
  offered it at once; a job set off for is never planned, so never moved.
- A job of the broadcast types (``[assign] broadcast_types``, or already at risk) that no plan
  can get there in time is broadcast as before: the first of several to accept wins.
- A technician whose first job (one he accepted) is overtaken by another is told the new first.

Order rows are taken with ``FOR UPDATE SKIP LOCKED``: a job someone is answering right now is
left as it is (the next re-plan sees the answer), so a re-plan never waits on an order while it
holds the organisation's plan lock.
"""

from __future__ import annotations

import logging
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from dispatch.assign import alerts, offers
from dispatch.assign.models import DispatchAlert, DutyStatus, Offer, OfferState, Technician
from dispatch.assign.ranking import Candidate, current_loads, is_away
from dispatch.geo.distance import great_circle_km
from dispatch.orders import lifecycle
from dispatch.orders.lifecycle import Actor
from dispatch.orders.models import Status, WorkOrder
from dispatch.plan import solver, texts
from dispatch.plan.models import PlanEntry
from dispatch.plan.problem import Snapshot, from_local_s
from dispatch.sms import outbox

log = logging.getLogger(__name__)


def _lock(session: Session, order_id: int) -> WorkOrder | None:
    query = sa.select(WorkOrder).where(WorkOrder.id == order_id).execution_options(populate_existing=True)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    # Offers made before this one wait for the flush at the end of ``apply``.
    with session.no_autoflush:
        return session.scalars(query).first()


def tell_moved(session: Session, order: WorkOrder, tech: Technician) -> None:
    code = order.job_code or "?"
    outbox.send(
        session,
        texts.MOVED_KIND,
        to=tech.phone,
        text=texts.moved_text(code, tech.language),
        params={"code": order.job_code or ""},
        order=order,
        technician_id=tech.id,
        language=tech.language,
    )


def _candidate(snap: Snapshot, plan: solver.Plan, order: WorkOrder, tech_id: int) -> Candidate:
    worker = next(w for w in snap.problem.workers if w.key == tech_id)
    km = great_circle_km(worker.lat, worker.lon, order.lat, order.lon)
    eta = plan.eta_s.get(order.id)
    skills = snap.problem.jobs[order.id].skills
    tech = snap.techs[tech_id]
    covering = snap.covers.get(tech_id) if skills and not skills <= set(tech.skills or ()) else None
    return Candidate(
        technician_id=tech_id,
        eta_min=max((eta - snap.problem.now_s) / 60.0, 0.0) if eta is not None else float("inf"),
        distance_km=km,
        can_meet=order.id not in plan.late,
        load=0,
        stands_in_for_id=covering,
        position_source=tech.last_position_source,
    )


def apply(
    session: Session, snap: Snapshot, plan: solver.Plan, *, now: datetime, org_id: int
) -> tuple[int, set[int]]:
    """Make the database follow ``plan``. Returns (jobs moved to another technician, jobs left
    out of the plan entries: broadcast or skipped because someone was answering them)."""
    _ranking, policy = offers.policies()
    loads = current_loads(session, org_id)
    actor = Actor.system()
    moved = 0
    left_out: set[int] = set()
    placed = {k: w for w, q in plan.queues.items() for k in q}
    # Plan order: every technician's first job, then every second one, and so on.
    longest = max((len(q) for q in plan.queues.values()), default=0)
    for position in range(longest):
        for tech_id, queue in plan.queues.items():
            if position >= len(queue):
                continue
            key = queue[position]
            order = snap.orders[key]
            holder = snap.holder.get(key)
            held_now = order.status is not Status.QUEUED
            if held_now and holder == tech_id:
                continue
            if not held_now and key in plan.late and _wants_broadcast(order, policy):
                continue  # nobody planned can make it: broadcast below
            can_offer = loads.get(tech_id, 0) < snap.techs[tech_id].max_load
            if order.status is Status.ACCEPTED and not can_offer:
                placed[key] = holder  # stays with whoever accepted it until the new one has room
                continue
            if not can_offer and order.status is Status.QUEUED:
                continue  # waits in his plan, offered when his load goes down
            status = order.status
            locked = _lock(session, key)
            if locked is None or locked.status is not status:
                left_out.add(key)
                continue
            if status is Status.ACCEPTED:
                previous = snap.techs.get(locked.assignee_id)
                lifecycle.transition(
                    session, locked, "unassign", actor, note="re-planned", data={"technician_id": holder}
                )
                if previous is not None:
                    tell_moved(session, locked, previous)
                loads[holder] = loads.get(holder, 1) - 1
                moved += 1
            elif status is Status.OFFERED:
                for offer in offers.pending_offers(session, locked):
                    offer.state, offer.answered_at, offer.reason = OfferState.WITHDRAWN, now, "re-planned"
                    tell_moved(session, locked, offer.technician)
                    loads[offer.technician_id] = loads.get(offer.technician_id, 1) - 1
                lifecycle.transition(session, locked, "offer_lapsed", actor, note="re-planned")
                moved += 1
            if not can_offer:
                continue
            offers.make_offers(
                session,
                locked,
                [_candidate(snap, plan, locked, tech_id)],
                actor,
                broadcast=False,
                now=now,
                policy=policy,
                technicians=snap.techs,
                flush=False,  # every offer of the plan in one flush, below
            )
            loads[tech_id] = loads.get(tech_id, 0) + 1
    session.flush()

    alerted = set(
        session.scalars(
            sa.select(DispatchAlert.work_order_id).where(
                DispatchAlert.org_id == org_id,
                DispatchAlert.kind == alerts.NO_CANDIDATES,
                DispatchAlert.acknowledged_at.is_(None),
            )
        )
    )
    auto: dict[str, bool] = {}
    for key in [*plan.unplanned, *(k for k in plan.late if snap.orders[k].status is Status.QUEUED)]:
        order = snap.orders[key]
        if order.status is not Status.QUEUED:
            continue
        if order.type_code not in auto:
            auto[order.type_code] = offers.auto_dispatch_enabled(order)
        if not auto[order.type_code]:
            continue
        if _wants_broadcast(order, policy):
            if offers.dispatch_order(session, session.get(WorkOrder, key), actor, broadcast=True, now=now):
                left_out.add(key)
        elif key in plan.unplanned and key not in alerted:
            alerts.raise_alert(
                session,
                session.get(WorkOrder, key),
                alerts.NO_CANDIDATES,
                alerts.NO_CANDIDATES_MESSAGE,
            )
    _write_entries(session, snap, plan, placed, left_out, org_id=org_id, now=now)
    _tell_first(session, snap, plan, now)
    return moved, left_out


def _write_entries(session, snap, plan, placed, left_out, *, org_id, now) -> None:
    """Rewrite the plan entries that changed (most of a plan stays as it was): another technician
    or place, at risk or not, or an ETA moved by ``ETA_SLACK_S`` or more."""
    queues: dict[int, list[int]] = {}
    for tech_id, queue in plan.queues.items():
        for key in queue:
            owner = placed.get(key, tech_id)
            if key not in left_out:
                queues.setdefault(owner, []).append(key)
    wanted = {}
    for tech_id, queue in queues.items():
        for position, key in enumerate(queue):
            eta = plan.eta_s.get(key)
            wanted[key] = (
                tech_id,
                position,
                from_local_s(eta) if eta is not None else None,
                key in plan.late,
            )
    gone = [k for k in snap.entries if k not in wanted]
    if gone:
        session.execute(sa.delete(PlanEntry).where(PlanEntry.work_order_id.in_(gone)))
    # Entries of other organisations' orders never appear here; orders planned for the first
    # time (or planned again after a broadcast) are new rows.
    added, changed = [], []
    for key, (tech_id, position, eta_at, at_risk) in wanted.items():
        values = dict(
            work_order_id=key,
            technician_id=tech_id,
            position=position,
            eta_at=eta_at,
            at_risk=at_risk,
            planned_at=now,
        )
        entry = snap.entries.get(key)
        if entry is None:
            added.append(dict(values, org_id=org_id))
        elif (entry.technician_id, entry.position, entry.at_risk) != (
            tech_id,
            position,
            at_risk,
        ) or _eta_moved(entry.eta_at, eta_at):
            changed.append(values)
    # Plain executemany statements: no ORM objects, no unit of work.
    table = PlanEntry.__table__
    if changed:
        session.execute(
            table.update()
            .where(table.c.work_order_id == sa.bindparam("key"))
            .values({name: sa.bindparam(name) for name in ENTRY_FIELDS}),
            [{"key": row.pop("work_order_id"), **row} for row in changed],
        )
    if added:
        session.execute(table.insert(), added)


#: An ETA that drifts by less than this (an idle technician's, as time passes) is not rewritten.
ETA_SLACK_S = 120.0


def _eta_moved(old, new) -> bool:
    if old is None or new is None:
        return old is not new
    return abs((new - old).total_seconds()) >= ETA_SLACK_S


ENTRY_FIELDS = ("technician_id", "position", "eta_at", "at_risk", "planned_at")


def _tell_first(session: Session, snap: Snapshot, plan: solver.Plan, now: datetime) -> None:
    """A technician whose first accepted job was overtaken by another accepted one is told —
    while he works: off duty or away he keeps his jobs, and NEXT says the first when he asks."""
    for tech_id, queue in plan.queues.items():
        tech = snap.techs[tech_id]
        if tech.duty_status is not DutyStatus.ON_DUTY or is_away(tech, now):
            continue
        mine = [k for k in queue if _accepted_by(snap.orders[k], tech_id)]
        old = [k for k in snap.before.get(tech_id, []) if k in mine]
        if not old or not mine or mine[0] == old[0] or old[0] not in mine:
            continue
        order = session.get(WorkOrder, mine[0])
        outbox.send(
            session,
            texts.FIRST_KIND,
            to=tech.phone,
            text=texts.first_text(order, tech.language, now),
            params=texts.params(order, now),
            order=order,
            technician_id=tech.id,
            language=tech.language,
        )


def _wants_broadcast(order, policy) -> bool:
    """``offers.wants_broadcast`` on an order row."""
    return order.type_code in policy.broadcast_types or order.at_risk


def _accepted_by(order, tech_id: int) -> bool:
    return order.status is Status.ACCEPTED and order.assignee_id == tech_id


def pending_for(session: Session, tech_id: int) -> set[int]:
    return set(
        session.scalars(
            sa.select(Offer.work_order_id).where(
                Offer.technician_id == tech_id, Offer.state == OfferState.PENDING
            )
        )
    )
