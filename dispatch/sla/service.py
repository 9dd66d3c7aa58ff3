"""The deadline engine applied to work orders: milestones from the rules, kept in the database.

``apply_rules`` (re)computes an order's milestones from config/sla.toml given what is known of it
now — type, zone, distance, severity, needs-supplier, the events that start clocks, the pauses.
While the place is unknown the rule book picks the strictest variant, so milestones exist from the
moment a report is taken. Every later move of a due time is recorded (:mod:`dispatch.sla.audit`);
``mark_met`` records the events that meet milestones (wired to the lifecycle in
:mod:`dispatch.sla.reactions`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from dispatch import clock
from dispatch.orders.lifecycle import Actor
from dispatch.orders.models import FINAL, Milestone, WorkOrder
from dispatch.settings import CONFIG_DIR
from dispatch.sla.audit import record_due_change
from dispatch.sla.calendar import WorkCalendar
from dispatch.sla.models import DueChange
from dispatch.sla.plan import Pause, PlannedMilestone, plan_milestones
from dispatch.sla.rules import NoMatchingRule, RuleBook, UnknownType, calendar_for, load_rulebook

log = logging.getLogger(__name__)


class RuleFiles:
    """The rule book and its working calendar, read once and read again when an administrator
    edits ``sla.toml`` or ``holidays.toml``: every intake asks for them many times, so they are
    kept in memory, and the files' modification times are looked at no more than once every
    ``check_every_s`` seconds (each web process and worker notices an edit by itself)."""

    def __init__(self, rules: Path, holidays: Path, check_every_s: float = 1.0) -> None:
        self.rules, self.holidays, self.check_every_s = rules, holidays, check_every_s
        self._stamp: tuple[int, int] | None = None
        self._checked = float("-inf")
        self._book: RuleBook | None = None
        self._calendar: WorkCalendar | None = None
        self._lock = threading.Lock()

    def _mtime(self, path: Path) -> int:
        try:
            return path.stat().st_mtime_ns
        except FileNotFoundError:
            return 0

    def _fresh(self) -> None:
        now = time.monotonic()
        if self._book is not None and now - self._checked < self.check_every_s:
            return
        with self._lock:
            stamp = (self._mtime(self.rules), self._mtime(self.holidays))
            if self._book is None or stamp != self._stamp:
                try:
                    book = load_rulebook(self.rules)
                    calendar = calendar_for(book, self.holidays)
                except Exception:
                    if self._book is None:
                        raise
                    # A half-saved or wrong edit: keep the rules in force until it is fixed.
                    log.exception("%s or %s unreadable; the previous rules stay", self.rules, self.holidays)
                else:
                    self._book, self._calendar = book, calendar
                self._stamp = stamp
            self._checked = now

    def rulebook(self) -> RuleBook:
        self._fresh()
        return self._book

    def calendar(self) -> WorkCalendar:
        self._fresh()
        return self._calendar


RULES = RuleFiles(CONFIG_DIR / "sla.toml", CONFIG_DIR / "holidays.toml")


_installed: tuple[RuleBook, WorkCalendar] | None = None


def rulebook() -> RuleBook:
    """The deadline rules of config/sla.toml (re-read after an edit, see :class:`RuleFiles`), or
    the rule book a process installed with ``use_rulebook``."""
    return _installed[0] if _installed else RULES.rulebook()


def use_rulebook(book: RuleBook | None) -> None:
    """Serve this process from ``book`` instead of config/sla.toml (None: the file again). For a
    process that runs one organisation configured from elsewhere, as ``dispatch bench quality``
    does with a scenario's report types."""
    global _installed
    _installed = (book, calendar_for(book, CONFIG_DIR / "holidays.toml")) if book else None


def worked_on_site(order: WorkOrder) -> bool:
    """Whether ``order``'s type is worked at a place (``on_site`` in config/sla.toml); a type the
    rule book does not know is taken to be."""
    try:
        return rulebook().type(order.type_code).on_site
    except UnknownType:
        return True


def work_calendar() -> WorkCalendar:
    return _installed[1] if _installed else RULES.calendar()


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
        keep_next_due(order)
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
    keep_next_due(order)
    # No flush: the milestones go in with the rest of the change (a due time moved flushes
    # for its review row, below).
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


def met_by_events(milestone: Milestone) -> tuple[str, ...]:
    """Every event that meets ``milestone``: the one kept on the row (``met_by``) and those its
    rule names after it (``met_by`` given as a list in config/sla.toml). The row keeps only the
    first — the one a person records — so the others are read from the rule of the milestone
    (``milestone.rule``), else the rule book's default for its name."""
    book = rulebook()
    also: tuple[str, ...] | None = None
    if milestone.rule:
        try:
            rule = book.rule(milestone.rule)
        except (UnknownType, NoMatchingRule):
            rule = None
        for planned in rule.milestones if rule else ():
            if planned.name == milestone.name:
                also = planned.also_met_by
    if also is None:
        also = book.also_met_by.get(milestone.name, ())
    return tuple(dict.fromkeys(e for e in (met_by(milestone), *also) if e))


def mark_met(session: Session, order: WorkOrder, event_name: str, at: datetime) -> list[Milestone]:
    """Record that ``event_name`` (on_site, work_done, customer_replied, …) happened at ``at``:
    every open milestone it meets is met then. Met after its due time, a milestone is breached
    (``breached_at`` = its due time, unless a breach was already recorded). Returns the
    milestones met (written with the caller's next flush)."""
    met = [m for m in order.milestones if m.met_at is None and event_name in met_by_events(m)]
    for milestone in met:
        milestone.met_at = at
        if milestone.due_at is not None and at > milestone.due_at and milestone.breached_at is None:
            milestone.breached_at = milestone.due_at
    if met:
        keep_next_due(order)
    return met


def refresh_next_due(session: Session, org_id: int | None = None) -> None:
    """Recompute ``next_due_at`` / ``next_warn_at`` of every open order (of ``org_id``) from the
    milestones in one UPDATE — for loaders that insert orders and milestones in bulk, bypassing
    the deadline engine (the migration that added the columns does the same)."""
    running = sa.select(Milestone.due_at, Milestone.warn_at).where(
        Milestone.order_id == WorkOrder.id, Milestone.met_at.is_(None), Milestone.due_at.is_not(None)
    )
    due = running.with_only_columns(sa.func.min(Milestone.due_at)).scalar_subquery()
    warn = running.with_only_columns(sa.func.min(Milestone.warn_at)).scalar_subquery()
    stmt = sa.update(WorkOrder).where(WorkOrder.status.not_in(FINAL))
    stmt = stmt.values(next_due_at=due, next_warn_at=warn)
    if org_id is not None:
        stmt = stmt.where(WorkOrder.org_id == org_id)
    session.execute(stmt, execution_options={"synchronize_session": False})


def keep_next_due(order: WorkOrder) -> None:
    """Keep ``order.next_due_at`` / ``next_warn_at`` — the earliest due and warning times of its
    running, unmet milestones, None once the order is finished — in step with its milestones.

    The one place these columns are written: the deadline engine calls it whenever it changes
    milestones (recompute, met, pauses, a hand-set deadline) and whenever an order is closed,
    cancelled or reopened. The console's queue and map sort and filter on them (indexed) instead
    of grouping the milestone table at every page."""
    due = warn = None
    if order.status not in FINAL:
        for m in order.milestones:
            if m.met_at is None and m.due_at is not None:
                due = m.due_at if due is None or m.due_at < due else due
                if m.warn_at is not None:
                    warn = m.warn_at if warn is None or m.warn_at < warn else warn
    if order.next_due_at != due:
        order.next_due_at = due
    if order.next_warn_at != warn:
        order.next_warn_at = warn


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
