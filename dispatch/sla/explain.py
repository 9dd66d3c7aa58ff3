"""What the deadline rules promise for a report of a given type at a given time, as plain data.

This is what ``dispatch sla explain`` prints (``json.dumps(result, ensure_ascii=False)``) and what a
dispatcher or a citizen can be told before anything is dispatched. The shape is fixed::

    {"type": "water_connection", "rule": "water_connection", "milestones": [
      {"name": "review", "due_at": "2026-10-10T17:30:00+08:00", "clock": "working_days"},
      {"name": "install_start", "due_at": null, "clock": "working_days", "waits_for": "paperwork_complete"}]}

``waits_for`` appears only on a milestone still waiting for its start event, and
``"calendar_warning": true`` only where a year without holiday data was counted as Monday-Friday.
Due times are given to the second, in the configured zone with its offset.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from dispatch.sla.calendar import WorkCalendar
from dispatch.sla.plan import PlannedMilestone, plan_milestones
from dispatch.sla.rules import RuleBook


def explain(
    rulebook: RuleBook,
    calendar: WorkCalendar,
    type_code: str,
    at: datetime,
    *,
    zone: str | None = None,
    distance_km: float | None = None,
    severity: str | None = None,
    needs_supplier: bool | None = False,
    tz: tzinfo | str | None = None,
) -> dict[str, Any]:
    """The rule chosen for these facts and each milestone's due time for a report taken ``at``.

    ``tz`` is the zone the due times are written in (the calendar's zone when None). Raises what
    :meth:`RuleBook.select` raises: UnknownType, NoMatchingRule, ValueError.
    """
    rule = rulebook.select(
        type_code, zone=zone, distance_km=distance_km, severity=severity, needs_supplier=needs_supplier
    )
    zone_info = calendar.tz if tz is None else ZoneInfo(tz) if isinstance(tz, str) else tz
    return describe(type_code, rule.id, plan_milestones(rule, at, calendar=calendar), zone_info)


def describe(
    type_code: str, rule_id: str, plans: list[PlannedMilestone], zone_info: tzinfo
) -> dict[str, Any]:
    """The fixed shape above for planned milestones (from ``explain`` or from an order's plan)."""
    milestones: list[dict[str, Any]] = []
    for planned in plans:
        item: dict[str, Any] = {
            "name": planned.name,
            "due_at": planned.due_at.astimezone(zone_info).isoformat(timespec="seconds")
            if planned.due_at
            else None,
            "clock": planned.clock,
        }
        if planned.waits_for is not None:
            item["waits_for"] = planned.waits_for
        if planned.calendar_warning:
            item["calendar_warning"] = True
        milestones.append(item)
    return {"type": type_code, "rule": rule_id, "milestones": milestones}
