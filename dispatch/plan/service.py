"""The planner in the live system: each organisation's unstarted jobs planned into an ordered
queue per technician, and offers that follow the plan.

- A new report only marks its organisation dirty on the request path; the worker, woken by that
  commit (in its own process: ``NOTIFY dispatch_plan`` on PostgreSQL), places every report no
  plan holds yet by the solver's insertion (``replan`` with budget 0: every other job keeps its
  place) and offers each to its planned technician — the reports that came in since its last look
  in one go. A declined, timed-out or undelivered offer is re-placed at once where it happens.
- The worker then re-plans dirty organisations with the improvement budget
  (``[plan] improve_budget_s``), waiting ``[plan] batch_s`` after the first event so a burst of
  reports is re-planned once, and at most once every ``[plan] improve_every_s`` so that a storm
  of reports leaves the CPU to placing and offering them; it improves with no lock held and
  applies the result under it.
- ``replan`` holds the organisation's planner lock (a transaction-scoped advisory lock on
  PostgreSQL; on SQLite the writer transaction serialises), so two workers never plan the same
  jobs at once, and a report marking the plan dirty never waits for it.

Operations flush, never commit.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dispatch import clock
from dispatch.assign.alerts import NO_CANDIDATES
from dispatch.assign.models import DispatchAlert, Offer, OfferState, Technician
from dispatch.assign.ranking import Policy, target_milestone
from dispatch.db import notify_on_commit, on_transaction
from dispatch.orders.models import Status, WorkOrder
from dispatch.plan import act, solver
from dispatch.plan.models import PlanEntry, PlanPin, PlanState
from dispatch.plan.problem import PLANNABLE, PlanSettings, auto_dispatched, build

log = logging.getLogger(__name__)

#: ``NOTIFY`` channel that wakes the plan job of ``dispatch worker`` (PostgreSQL).
PLAN_CHANNEL = "dispatch_plan"

#: Transitions after which the organisation's plan is redone (a technician's day changed).
REPLAN_AFTER = frozenset({"complete", "cancel", "hold", "resume", "unassign", "reopen", "depart", "arrive"})


def settings(config=None) -> PlanSettings:
    return PlanSettings.from_config(config if config is not None else current_app.config)


def enabled(config=None) -> bool:
    return settings(config).enabled


#: First key of the PostgreSQL advisory lock a planner takes on an organisation (the second is
#: the organisation's id).
PLAN_LOCK_KEY = 7_110_311


def _state(session: Session, org_id: int, *, lock: bool) -> PlanState:
    """The organisation's plan state; with ``lock``, after taking the organisation's planner lock,
    held until the transaction ends.

    On PostgreSQL the lock is a transaction-scoped advisory lock, not ``FOR UPDATE`` on the row:
    a report's ``mark_dirty`` updates that row, and under a row lock it waited for the whole
    placement or re-plan in progress (in a storm, the reports that came just after an improvement
    cleared the mark all queued behind the next placement). The planner writes the row only at
    the end of its work, just before its commit. On SQLite the writer transaction serialises."""
    if lock and session.get_bind().dialect.name == "postgresql":
        session.execute(sa.select(sa.func.pg_advisory_xact_lock(PLAN_LOCK_KEY, org_id)))
    query = sa.select(PlanState).where(PlanState.org_id == org_id).execution_options(populate_existing=True)
    state = session.scalars(query).first()
    if state is None:
        try:
            with session.begin_nested():
                session.add(PlanState(org_id=org_id, version=0, moves=0))
        except IntegrityError:
            pass  # another transaction made it a moment ago
        state = session.scalars(query).one()
    return state


def mark_dirty(session: Session, org_id: int, now: datetime | None = None) -> None:
    """Ask for a re-plan of the organisation (the worker is woken after the commit). Plain
    statements on the table: no flush of the caller's pending rows, no lock when it is already
    marked (the UPDATE matches no row)."""
    now = now or clock.now()
    table = PlanState.__table__
    mark = (
        table.update().where(table.c.org_id == org_id, table.c.dirty_since.is_(None)).values(dirty_since=now)
    )
    # On the connection: the caller's pending rows (a new report's) go in with its own flush.
    connection = session.connection()
    if connection.execute(mark).rowcount == 0:
        known = connection.execute(sa.select(table.c.org_id).where(table.c.org_id == org_id)).first()
        if known is None:
            _state(session, org_id, lock=False)
            connection.execute(mark)
    session.info["plan_dirty"] = True
    notify_on_commit(session, PLAN_CHANNEL)  # a worker in another process, once this commits


@on_transaction("after_commit")
def _wake_after_commit(session: Session) -> None:
    if session.info.pop("plan_dirty", False):
        from dispatch import worker

        worker.wake("place")  # which wakes "plan" when it placed something


@on_transaction("after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop("plan_dirty", None)
    session.info.pop("plan_duty_orgs", None)


#: Technician columns whose change changes who can be planned.
DUTY_COLUMNS = ("duty_status", "leave_until", "skills", "substitute_id", "max_load")


@event.listens_for(Session, "after_flush")
def _duty_changed(session: Session, _flush_context) -> None:
    # A technician coming on or off duty (SMS, console, roster import) asks for a re-plan of his
    # organisation; the mark is written just before the commit.
    for obj in (*session.new, *session.dirty):
        if isinstance(obj, Technician) and any(
            sa.inspect(obj).attrs[name].history.has_changes() for name in DUTY_COLUMNS
        ):
            session.info.setdefault("plan_duty_orgs", set()).add(obj.org_id)


@event.listens_for(Session, "before_commit")
def _mark_duty_changes(session: Session) -> None:
    if session.new or session.dirty or session.deleted:
        session.flush()  # the commit's own flush comes after this hook
    orgs = session.info.pop("plan_duty_orgs", None)
    if orgs and current_app and enabled():
        for org_id in sorted(orgs):
            mark_dirty(session, org_id)


def replan(
    session: Session,
    org_id: int,
    *,
    now: datetime | None = None,
    budget_s: float | None = None,
    start: dict[int, list[int]] | None = None,
    reason: str = "",
    keep_dirty: bool = False,
) -> solver.Plan:
    """Re-plan the organisation's unstarted jobs and act on the differences (offers, jobs moved,
    notices); clears ``dirty_since`` unless ``keep_dirty``. ``budget_s`` None:
    ``[plan] improve_budget_s``; ``start``: queues improved outside the lock (see ``run_dirty``),
    taken as the starting plan."""
    now = now or clock.now()
    config = current_app.config
    plan_settings = settings(config)
    budget = plan_settings.improve_budget_s if budget_s is None else budget_s
    state = _state(session, org_id, lock=True)
    started = time.perf_counter()
    snap = build(session, org_id, now=now, settings=plan_settings, policy=Policy.from_config(config))
    plan = solver.plan(snap.problem, budget_s=budget, start=start)
    moved, _left_out = act.apply(session, snap, plan, now=now, org_id=org_id)
    improved = start is not None or budget > 0
    # One statement: the transitions made above may have marked the organisation dirty meanwhile.
    session.execute(
        sa.update(PlanState)
        .where(PlanState.org_id == state.org_id)
        .values(
            version=PlanState.version + 1,
            moves=PlanState.moves + moved,
            **({"planned_at": now} if improved else {}),
            **({} if keep_dirty else {"dirty_since": None}),
        ),
        execution_options={"synchronize_session": False},
    )
    session.expire(state)
    log.debug(
        "re-planned organisation %s (%s): %d jobs, %d moved, %.1f ms",
        org_id,
        reason,
        len(snap.problem.jobs),
        moved,
        (time.perf_counter() - started) * 1000,
    )
    return plan


def queues(session: Session, org_id: int) -> dict[int, list[PlanEntry]]:
    """Technician id → his plan entries, in position order (0: where he goes next)."""
    found: dict[int, list[PlanEntry]] = {}
    for entry in session.scalars(
        sa.select(PlanEntry)
        .where(PlanEntry.org_id == org_id)
        .order_by(PlanEntry.technician_id, PlanEntry.position)
        .execution_options(populate_existing=True)  # re-plans write entries with bulk statements
    ):
        found.setdefault(entry.technician_id, []).append(entry)
    return found


def next_job(session: Session, technician: Technician) -> WorkOrder | None:
    """The first job of his plan that he holds or is offered; without a plan, the accepted job
    with the earliest deadline."""
    offered = act.pending_for(session, technician.id)
    rows = session.execute(
        sa.select(WorkOrder)
        .join(PlanEntry, PlanEntry.work_order_id == WorkOrder.id)
        .where(PlanEntry.technician_id == technician.id)
        .order_by(PlanEntry.position)
    ).scalars()
    for order in rows:
        if (order.status is Status.ACCEPTED and order.assignee_id == technician.id) or (
            order.status is Status.OFFERED and order.id in offered
        ):
            return order
    mine = list(
        session.scalars(
            sa.select(WorkOrder).where(
                WorkOrder.assignee_id == technician.id, WorkOrder.status == Status.ACCEPTED
            )
        )
    )
    if not mine:
        return None

    def deadline(order: WorkOrder) -> tuple[float, int]:
        target = target_milestone(order)
        return (target.due_at.timestamp() if target else float("inf"), order.id)

    return min(mine, key=deadline)


def is_offered_to(session: Session, order: WorkOrder, technician: Technician) -> bool:
    return (
        session.scalar(
            sa.select(Offer.id).where(
                Offer.work_order_id == order.id,
                Offer.technician_id == technician.id,
                Offer.state == OfferState.PENDING,
            )
        )
        is not None
    )


# -- events ------------------------------------------------------------------------------------


def on_new_report(session: Session, order: WorkOrder, *, now: datetime | None = None) -> None:
    """A report queued: the worker places and offers it as soon as this commits (``place_new``),
    then improves the plan. Nothing of the plan is read or locked on the request path."""
    mark_dirty(session, order.org_id, now)


def _waiting_for_a_place() -> list:
    """A queued report on the map, in no plan, not already found to be one nobody can take."""
    return [
        WorkOrder.status == Status.QUEUED,
        WorkOrder.lat.isnot(None),
        WorkOrder.lon.isnot(None),
        ~sa.exists().where(PlanEntry.work_order_id == WorkOrder.id),
        ~sa.exists().where(
            DispatchAlert.work_order_id == WorkOrder.id,
            DispatchAlert.kind == NO_CANDIDATES,
            DispatchAlert.acknowledged_at.is_(None),
        ),
    ]


def waiting(session: Session, org_id: int | None = None) -> int:
    """How many reports (of the organisation, or of all) of a type offered automatically wait for
    their first place."""
    where = _waiting_for_a_place() + ([WorkOrder.org_id == org_id] if org_id is not None else [])
    rows = session.execute(
        sa.select(WorkOrder.type_code, sa.func.count()).where(*where).group_by(WorkOrder.type_code)
    ).all()
    known: dict[str, bool] = {}
    return sum(count for code, count in rows if auto_dispatched(known, code))


def place_new(session: Session, org_id: int, *, now: datetime | None = None) -> bool:
    """Place the organisation's new reports (the solver's insertion, nothing else moves) and
    offer them as planned, in one transaction; the organisation stays dirty for the improvement.
    Returns whether there was anything to place."""
    if not waiting(session, org_id):
        session.rollback()
        return False
    replan(session, org_id, now=now, budget_s=0.0, reason="report", keep_dirty=True)
    session.commit()
    return True


def on_offer_lapsed(session: Session, order: WorkOrder, *, now: datetime | None = None) -> list[Offer]:
    """An offer declined, timed out or undelivered: the job goes back to queued and is planned
    again without that technician. Returns the new open offers of the job."""
    replan(session, order.org_id, now=now, budget_s=0.0, reason="lapse")
    mark_dirty(session, order.org_id, now)
    pending = list(
        session.scalars(
            sa.select(Offer).where(Offer.work_order_id == order.id, Offer.state == OfferState.PENDING)
        )
    )
    planned = session.scalar(sa.select(PlanEntry.work_order_id).where(PlanEntry.work_order_id == order.id))
    if pending or planned is not None:
        return pending
    # A job the plan does not hold (its type is dispatched by hand, say): it moves on to the next
    # candidate as it did before it was offered.
    from dispatch.assign import offers
    from dispatch.orders.lifecycle import Actor

    return offers.dispatch_order(session, order, Actor.system(), now=now)


def on_transition(order: WorkOrder, event) -> None:
    from sqlalchemy.orm import object_session

    session = object_session(order)
    if session is None or event.kind not in REPLAN_AFTER or not enabled():
        return
    if order.status not in PLANNABLE:
        # Started, done, on hold or cancelled: a pin on it has done its work.
        session.execute(sa.delete(PlanPin).where(PlanPin.work_order_id == order.id))
    mark_dirty(session, order.org_id)


# -- the worker ------------------------------------------------------------------------------


def place_all(session: Session) -> int:
    """``place_new`` for every organisation with a report waiting for its first place; returns
    how many placed something. It looks for the reports themselves, not for a mark: a report
    committed while a re-plan was being applied is found all the same."""
    if not enabled():
        return 0
    org_ids = list(session.scalars(sa.select(WorkOrder.org_id).where(*_waiting_for_a_place()).distinct()))
    session.rollback()
    placed = 0
    for org_id in org_ids:
        try:
            placed += place_new(session, org_id)
        except Exception:
            log.exception("placing new reports of organisation %s failed; retried at the next run", org_id)
            session.rollback()
    return placed


def run_dirty(app: Flask, session: Session) -> int:
    """Re-plan each organisation marked dirty at least ``batch_s`` ago and improved no sooner
    than ``improve_every_s`` ago, each in its own transaction (new reports are placed by
    ``place_all``, the worker's other job, and a re-plan inserts any it finds). Returns how many
    were re-planned."""
    plan_settings = settings(app.config)
    if not plan_settings.enabled:
        return 0
    session.rollback()
    now = clock.now()
    due = now - timedelta(seconds=plan_settings.batch_s)
    rested = now - timedelta(seconds=plan_settings.improve_every_s)
    org_ids = list(
        session.scalars(
            sa.select(PlanState.org_id).where(
                PlanState.dirty_since.isnot(None),
                PlanState.dirty_since <= due,
                sa.or_(PlanState.planned_at.is_(None), PlanState.planned_at <= rested),
            )
        )
    )
    session.rollback()
    done = 0
    for org_id in org_ids:
        try:
            if _replan_dirty(app, session, org_id, plan_settings):
                done += 1
        except Exception:
            log.exception("re-plan of organisation %s failed; it is retried at the next run", org_id)
            session.rollback()
    return done


def _replan_dirty(app: Flask, session: Session, org_id: int, plan_settings: PlanSettings) -> bool:
    """Improve the organisation's plan with no lock held, then take the lock, read the jobs again
    and apply the improved queues to them (a report placed meanwhile is inserted, a job started or
    cancelled meanwhile dropped): a report arriving during the improvement waits only for the
    short apply, not for the whole budget."""
    if _state(session, org_id, lock=False).dirty_since is None:
        session.rollback()
        return False
    snap = build(
        session, org_id, now=clock.now(), settings=plan_settings, policy=Policy.from_config(app.config)
    )
    session.rollback()  # no transaction stays open while the solver thinks
    improved = solver.plan(snap.problem, budget_s=plan_settings.improve_budget_s)
    state = _state(session, org_id, lock=True)
    if state.dirty_since is None:  # another worker did it meanwhile
        session.rollback()
        return False
    replan(session, org_id, now=clock.now(), budget_s=0.0, start=improved.queues, reason="worker")
    session.commit()
    return True
