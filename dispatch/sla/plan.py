"""Milestone due times for one report: a rule, the report time, the events so far, the pauses.

Everything here is a pure function of its arguments — ``now`` is a parameter, never read from
the system clock — so the integration can recompute a plan whenever an order is placed,
reclassified, paused or resumed, and get the same answer every time.

Pauses (an order on hold) are ``(start, end)`` pairs, ``end=None`` while still on hold. They only
move *pausable* milestones, and only by the paused time that falls inside the milestone's window
(from its start to its due time), counting a pause that begins before the *extended* due time too:

- ``24x7`` milestones: the due time moves later by the paused real time.
- ``working_days`` milestones: the due time moves later by the paused **office time** (working
  days, office hours), spent in office hours from the original due time on. A pause on a
  Saturday or at night therefore moves nothing; a pause of 2 office hours moves a deadline due at
  17:30 to 10:30 of the next working day. (The alternative, rounding up to whole working days,
  would turn a 10-minute hold into a full day.)

A pause still open is counted as if it ended at ``now``, and the milestone is flagged ``paused``.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from dispatch.sla.calendar import CLOCK_24X7, WorkCalendar
from dispatch.sla.rules import REPORTED, MilestoneRule, Rule

Pause = tuple[datetime, datetime | None]


@dataclass(frozen=True)
class PlannedMilestone:
    """A milestone of one report with its computed times (all in the calendar's zone)."""

    name: str
    clock: str
    #: None while the start event (``waits_for``) has not happened.
    due_at: datetime | None
    #: When the milestone becomes "at risk": due - (1 - warn_share) × window. None with due_at.
    warn_at: datetime | None
    #: When its clock started (the report or the start event); None while waiting.
    starts_at: datetime | None
    #: The start event still awaited, or None.
    waits_for: str | None
    #: The event that meets it (``on_site``, ``work_done``, …).
    met_by: str
    pausable: bool
    #: A pause still open extends the due time (computed as if the pause ended at ``now``).
    paused: bool = False
    #: A day of a year with no holiday data was counted (Monday-Friday assumed).
    calendar_warning: bool = False
    #: The due time was set by a dispatcher, not computed.
    set_by_hand: bool = False


class MilestoneState(enum.StrEnum):
    """Where a milestone stands at a given moment."""

    WAITING = "waiting"  # its start event has not happened
    PENDING = "pending"
    AT_RISK = "at_risk"  # past warn_at, not yet due
    BREACHED = "breached"  # past due and not met
    MET = "met"
    MET_LATE = "met_late"


def plan_milestones(
    rule: Rule,
    reported_at: datetime,
    *,
    calendar: WorkCalendar,
    events: Mapping[str, datetime] | None = None,
    pauses: Iterable[Pause] = (),
    now: datetime | None = None,
    overrides: Mapping[str, datetime] | None = None,
) -> list[PlannedMilestone]:
    """The milestones of ``rule`` for a report taken at ``reported_at``, in the rule's order.

    ``events`` maps an event name (``paperwork_complete``, …) to when it happened; a milestone whose
    start event is missing has no due time yet. ``overrides`` maps a milestone name to a due time set
    by a dispatcher (only milestones with ``dispatcher_may_set``); such a due time is taken as given,
    pauses do not move it. Naive datetimes are read in the calendar's zone.

    Raises ValueError when a pause is still open and ``now`` is not given, or when an override names
    a milestone that is not in the rule or may not be set by hand.
    """
    events = events or {}
    overrides = overrides or {}
    by_name = {m.name: m for m in rule.milestones}
    for name in overrides:
        if name not in by_name or not by_name[name].dispatcher_may_set:
            raise ValueError(f"{rule.id}: the deadline of {name!r} cannot be set by hand")
    merged = _merge_pauses(pauses, now, calendar)
    reported = calendar.localize(reported_at)
    return [_plan_one(m, reported, calendar, events, merged, overrides.get(m.name)) for m in rule.milestones]


def milestone_state(
    milestone: PlannedMilestone, *, now: datetime, met_at: datetime | None = None
) -> MilestoneState:
    """The state of ``milestone`` at ``now``, given when (if ever) its meeting event happened.

    Met exactly at the due time is on time; breached means strictly past the due time.
    """
    if milestone.due_at is None:
        return MilestoneState.MET if met_at is not None else MilestoneState.WAITING
    if met_at is not None:
        return MilestoneState.MET if met_at <= milestone.due_at else MilestoneState.MET_LATE
    if now > milestone.due_at:
        return MilestoneState.BREACHED
    if milestone.warn_at is not None and now >= milestone.warn_at:
        return MilestoneState.AT_RISK
    return MilestoneState.PENDING


def _plan_one(
    rule: MilestoneRule,
    reported: datetime,
    calendar: WorkCalendar,
    events: Mapping[str, datetime],
    pauses: list[tuple[datetime, datetime, bool]],
    override: datetime | None,
) -> PlannedMilestone:
    common = {"name": rule.name, "clock": rule.clock, "met_by": rule.met_by, "pausable": rule.pausable}
    if rule.starts_on == REPORTED:
        start = reported
    elif rule.starts_on in events:
        start = calendar.localize(events[rule.starts_on])
    else:
        return PlannedMilestone(due_at=None, warn_at=None, starts_at=None, waits_for=rule.starts_on, **common)

    if override is not None:
        due = calendar.localize(override)
        return PlannedMilestone(
            due_at=due, warn_at=_warn_at(start, due, rule.warn_share), starts_at=start, waits_for=None,
            set_by_hand=True, **common,
        )  # fmt: skip

    warning = False
    if rule.clock == CLOCK_24X7:
        assert rule.duration is not None  # guaranteed by the rule book's parser
        due = calendar.add_elapsed(start, rule.duration)
        measure: Callable[[datetime, datetime], timedelta] = _elapsed
        advance: Callable[[datetime, timedelta], datetime] = calendar.add_elapsed
    else:
        assert rule.working_days is not None
        due, warning = calendar.add_working_days(start, rule.working_days)
        measure, advance = calendar.office_time, calendar.advance_office_time

    paused = False
    if rule.pausable and pauses:
        due = _extend_by_pauses(start, due, pauses, measure, advance)
        paused = any(still_open and p_start < due for p_start, _, still_open in pauses)
        if rule.clock != CLOCK_24X7:
            # Office time of the receipt day was measured too, so its year matters as well.
            warning = warning or calendar.uses_fallback(start.date(), due.date())
    return PlannedMilestone(
        due_at=due, warn_at=_warn_at(start, due, rule.warn_share), starts_at=start, waits_for=None,
        paused=paused, calendar_warning=warning, **common,
    )  # fmt: skip


def _elapsed(start: datetime, end: datetime) -> timedelta:
    return max(end - start, timedelta(0))


def _warn_at(start: datetime, due: datetime, share: float) -> datetime:
    window = due - start
    if window <= timedelta(0):
        return due
    return due - window * (1 - share)


def _merge_pauses(
    pauses: Iterable[Pause], now: datetime | None, calendar: WorkCalendar
) -> list[tuple[datetime, datetime, bool]]:
    """Pauses as sorted, non-overlapping ``(start, end, still_open)``; an open one ends at ``now``."""
    spans: list[tuple[datetime, datetime, bool]] = []
    for start, end in pauses:
        start = calendar.localize(start)
        if end is None:
            if now is None:
                raise ValueError("a pause is still open: pass now= to measure it")
            spans.append((start, max(start, calendar.localize(now)), True))
        else:
            spans.append((start, calendar.localize(end), False))
    merged: list[tuple[datetime, datetime, bool]] = []
    for start, end, still_open in sorted(s for s in spans if s[1] > s[0] or s[2]):
        if merged and start <= merged[-1][1]:
            last = merged[-1]
            merged[-1] = (last[0], max(last[1], end), last[2] or still_open)
        else:
            merged.append((start, end, still_open))
    return merged


def _extend_by_pauses(
    start: datetime,
    due: datetime,
    pauses: list[tuple[datetime, datetime, bool]],
    measure: Callable[[datetime, datetime], timedelta],
    advance: Callable[[datetime, timedelta], datetime],
) -> datetime:
    """The due time once paused time no longer counts.

    The window holds ``measure(start, due)`` of running time (real time or office time). Walking
    forward from ``start``, time inside a pause is skipped; the due time is where the running time
    is used up. A pause beginning at or after that point does not count.
    """
    budget = measure(start, due)
    cursor = start
    for p_start, p_end, _ in pauses:
        if p_end <= cursor:
            continue
        p_start = max(p_start, cursor)
        running = measure(cursor, p_start)
        if running >= budget:
            break
        budget -= running
        cursor = p_end
    return advance(cursor, budget)
