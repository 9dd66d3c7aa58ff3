"""The deadline engine applied to work orders: milestones from the rules, kept in the database.

``apply_rules`` (re)computes an order's milestones from config/sla.toml given what is known of it
now — type, zone, distance, severity, needs-supplier, the events that start clocks, the pauses.
While the place is unknown the rule book picks the strictest variant, so milestones exist from the
moment a report is taken.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from sqlalchemy.orm import Session

from dispatch import clock
from dispatch.orders.models import Milestone, WorkOrder
from dispatch.settings import CONFIG_DIR
from dispatch.sla.calendar import WorkCalendar
from dispatch.sla.plan import Pause, PlannedMilestone, plan_milestones
from dispatch.sla.rules import RuleBook, calendar_for, load_rulebook


@lru_cache(maxsize=1)
def rulebook() -> RuleBook:
    return load_rulebook(CONFIG_DIR / "sla.toml")


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


def plan_for(order: WorkOrder, now: datetime | None = None) -> tuple[str, list[PlannedMilestone]]:
    rule = rulebook().select(
        order.type_code,
        zone=order.zone,
        distance_km=order.distance_km,
        severity=order.severity,
        needs_supplier=order.needs_supplier,
    )
    overrides = {m.name: m.due_at for m in order.milestones if m.manual and m.due_at is not None}
    plans = plan_milestones(
        rule,
        order.reported_at,
        calendar=work_calendar(),
        events=clock_events(order),
        pauses=pauses(order),
        now=now or clock.now(),
        overrides=overrides or None,
    )
    return rule.id, plans


def apply_rules(session: Session, order: WorkOrder, now: datetime | None = None) -> list[Milestone]:
    """Create or recompute ``order``'s milestones. Met milestones keep their times; milestones of
    a previous rule that the new one does not have (and that were not met) are removed. Flushes."""
    rule_id, plans = plan_for(order, now)
    existing = {m.name: m for m in order.milestones}
    wanted = set()
    for plan in plans:
        wanted.add(plan.name)
        milestone = existing.get(plan.name)
        if milestone is None:
            milestone = Milestone(name=plan.name)
            order.milestones.append(milestone)
        if milestone.met_at is not None:
            continue
        milestone.due_at = clock.aware(plan.due_at) if plan.due_at else None
        milestone.warn_at = clock.aware(plan.warn_at) if plan.warn_at else None
        milestone.clock = plan.clock
        milestone.rule = rule_id
        milestone.waits_for = plan.waits_for
        milestone.calendar_warning = plan.calendar_warning
    for name, milestone in existing.items():
        if name not in wanted and milestone.met_at is None:
            order.milestones.remove(milestone)
    session.flush()
    return list(order.milestones)


def promised(order: WorkOrder) -> Milestone | None:
    """The milestone that completes the citizen's request: ``resolve``, else the last one due."""
    by_name = {m.name: m for m in order.milestones}
    if "resolve" in by_name:
        return by_name["resolve"]
    due = [m for m in order.milestones if m.due_at is not None]
    return max(due, key=lambda m: m.due_at) if due else None
