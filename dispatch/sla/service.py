"""The deadline engine applied to work orders: milestones from the rules, kept in the database.

``apply_rules`` (re)computes an order's milestones from config/sla.toml given what is known of it
now — type, zone, distance, severity, needs-supplier, the events that start clocks, the pauses.
While the place is unknown the rule book picks the strictest variant, so milestones exist from the
moment a report is taken. Every later move of a due time is recorded (:mod:`dispatch.sla.audit`);
``mark_met`` records the events that meet milestones (wired to the lifecycle in
:mod:`dispatch.sla.reactions`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache

from sqlalchemy.orm import Session

from dispatch import clock
from dispatch.orders.lifecycle import Actor
from dispatch.orders.models import Milestone, WorkOrder
from dispatch.settings import CONFIG_DIR
from dispatch.sla.audit import record_due_change
from dispatch.sla.calendar import WorkCalendar
from dispatch.sla.models import DueChange
from dispatch.sla.plan import Pause, PlannedMilestone, plan_milestones
from dispatch.sla.rules import RuleBook, calendar_for, load_rulebook

_installed: RuleBook | None = None


@lru_cache(maxsize=1)
def _file_rulebook() -> RuleBook:
    return load_rulebook(CONFIG_DIR / "sla.toml")


def rulebook() -> RuleBook:
    """config/sla.toml, or the rule book a process installed with ``use_rulebook``."""
    return _installed or _file_rulebook()


def use_rulebook(book: RuleBook | None) -> None:
    """Serve this process from ``book`` instead of config/sla.toml (None: the file again). For a
    process that runs one organisation configured from elsewhere, as ``dispatch bench quality``
    does with a scenario's report types."""
    global _installed
    _installed = book
    work_calendar.cache_clear()


@lru_cache(maxsize=1)
def work_calendar() -> WorkCalendar:
    return calendar_for(rulebook(), CONFIG_DIR / "holidays.toml")


def clock_events(order: WorkOrder) -> dict[str, datetime]:
    """The first time each timeline event happened (events that start milestone clocks)."""
    seen: dict[str, datetime] = {}
    for event in order.events:
        seen.setdefault(event.kind, event.at)
    return seen


def pauses(order: WorkOrder) -> list[Pause]:
    """On-hold periods from the timeline: (hold, resume) pairs, the last one open while on hold."""
    spans: list[Pause] = []
    started: datetime | None = None
    for event in order.events:
        if event.kind == "hold":
            started = event.at
        elif event.kind in ("resume", "cancel") and started is not None:
            spans.append((started, event.at))
            started = None
    if started is not None:
        spans.append((started, None))
    return spans


def plan_for(
    order: WorkOrder, now: datetime | None = None, overrides: Mapping[str, datetime] | None = None
) -> tuple[str, list[PlannedMilestone]]:
    """The rule id and the planned milestones of ``order`` as it stands; ``overrides`` adds due
    times set by hand to those already kept on the order."""
    rule = rulebook().select(
        order.type_code,
        zone=order.zone,
        distance_km=order.distance_km,
        severity=order.severity,
        needs_supplier=order.needs_supplier,
    )
    kept = {m.name: m.due_at for m in order.milestones if m.manual and m.due_at is not None}
    kept.update(overrides or {})
    plans = plan_milestones(
        rule,
        order.reported_at,
        calendar=work_calendar(),
        events=clock_events(order),
        pauses=pauses(order),
        now=now or clock.now(),
        overrides=kept or None,
    )
    return rule.id, plans


def apply_rules(
    session: Session,
    order: WorkOrder,
    now: datetime | None = None,
    *,
    actor: Actor | None = None,
    reason: str = "rules",
    initial: bool = False,
) -> list[Milestone]:
    """Create or recompute ``order``'s milestones (see :func:`recompute`). Flushes."""
    recompute(session, order, now, actor=actor, reason=reason, initial=initial)
    return list(order.milestones)


def recompute(
    session: Session,
    order: WorkOrder,
    now: datetime | None = None,
    *,
    actor: Actor | None = None,
    reason: str = "rules",
    note: str | None = None,
    overrides: Mapping[str, datetime] | None = None,
    initial: bool = False,
) -> list[DueChange]:
    """Create or recompute ``order``'s milestones from the rules; returns the due times it moved.

    ``initial``: this is still the plan of the report being taken (placed in the same intake
    that created it): the strictest-variant milestones it got a moment before were never a
    promise to anyone, so they are replaced without a move on the record.

    Met milestones keep their times; milestones of a previous rule that the new one does not have
    (and that were not met) are removed. The first computation (the report taken) and a clock
    starting (its start event happened) *set* due times. Any later change — a due time moved, a
    milestone added by a new rule or dropped — is a *move*: a ``due_changed`` event on the
    timeline with ``actor``, ``reason`` (a code: placed, reclassified, set_by_hand, paused, …)
    and ``note``, queued for the supervisor's review. A recompute that moves nothing writes
    nothing. A moved milestone whose new warning or due time is still ahead is armed again (its
    warning and escalation will go out for the new time); a past breach stays in the event.
    Flushes.
    """
    if order.duplicate_of_id is not None:
        # A report linked to the one being worked on has no clock of its own: the original's
        # deadlines are the ones kept (and promised to its reporter).
        return []
    now = now or clock.now()
    rule_id, plans = plan_for(order, now, overrides)
    existing = {m.name: m for m in order.milestones}
    first = not existing or initial
    moves: list[tuple[str, datetime | None, datetime | None, datetime | None]] = []
    wanted = set()
    for plan in plans:
        wanted.add(plan.name)
        milestone = existing.get(plan.name)
        if milestone is None:
            milestone = Milestone(name=plan.name)
            order.milestones.append(milestone)
        if milestone.met_at is not None:
            continue
        old_due = milestone.due_at
        new_due = clock.aware(plan.due_at) if plan.due_at else None
        new_warn = clock.aware(plan.warn_at) if plan.warn_at else None
        clock_started = old_due is None and milestone.waits_for is not None and plan.waits_for is None
        if old_due != new_due and not first and not clock_started:
            moves.append((plan.name, old_due, new_due, milestone.breached_at))
            _rearm(milestone, new_due, new_warn, now)
        milestone.due_at, milestone.warn_at = new_due, new_warn
        milestone.clock = plan.clock
        milestone.rule = rule_id
        milestone.waits_for = plan.waits_for
        milestone.calendar_warning = plan.calendar_warning
        milestone.met_by = plan.met_by
        milestone.pausable = plan.pausable
        milestone.manual = plan.set_by_hand
    for name, milestone in existing.items():
        if name not in wanted and milestone.met_at is None:
            if milestone.due_at is not None and not first:
                moves.append((name, milestone.due_at, None, milestone.breached_at))
            order.milestones.remove(milestone)
    session.flush()
    who = actor or Actor.system()
    return [
        record_due_change(
            session, order, name, old, new, actor=who, reason=reason, note=note, rule=rule_id, breached_at=b
        )
        for name, old, new, b in moves
    ]


def _rearm(milestone: Milestone, due: datetime | None, warn: datetime | None, now: datetime) -> None:
    if warn is not None and warn > now:
        milestone.warned_at = None
    if due is not None and due > now:
        milestone.breached_at = milestone.escalated_at = None


def met_by(milestone: Milestone) -> str | None:
    """The event that meets ``milestone`` (the rule book's default for its name on older rows)."""
    return milestone.met_by or rulebook().met_by.get(milestone.name)


def mark_met(session: Session, order: WorkOrder, event_name: str, at: datetime) -> list[Milestone]:
    """Record that ``event_name`` (on_site, work_done, customer_replied, …) happened at ``at``:
    every open milestone it meets is met then. Met after its due time, a milestone is breached
    (``breached_at`` = its due time, unless a breach was already recorded). Flushes when it
    changes anything; returns the milestones met."""
    met = [m for m in order.milestones if m.met_at is None and met_by(m) == event_name]
    for milestone in met:
        milestone.met_at = at
        if milestone.due_at is not None and at > milestone.due_at and milestone.breached_at is None:
            milestone.breached_at = milestone.due_at
    if met:
        session.flush()
    return met


def promised(order: WorkOrder) -> Milestone | None:
    """The milestone that completes the citizen's request: ``resolve``, else the last one due —
    the original's for a linked duplicate, which keeps no deadline of its own."""
    if order.duplicate_of is not None:
        order = order.duplicate_of
    by_name = {m.name: m for m in order.milestones}
    if "resolve" in by_name:
        return by_name["resolve"]
    due = [m for m in order.milestones if m.due_at is not None]
    return max(due, key=lambda m: m.due_at) if due else None
