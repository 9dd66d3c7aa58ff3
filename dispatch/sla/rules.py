"""The deadline rule book: report types and their deadline variants, read from config/sla.toml.

A type (``water_leak``, ``vehicle_body_fault``, …) has one or more *variants*, each with optional
conditions (zone, distance band, severity, needs_supplier) and a list of milestone rules.
:meth:`RuleBook.select` picks the variant for what is known about a report. A condition whose input
is not known yet (``zone=None``, ``distance_km=None``, ``needs_supplier=None``) matches, and among
all matching variants the **strictest** wins: the variant whose earliest-due milestone falls first.
Milestones are compared by nominal length (a working day counts as 24 h; milestones that wait for
a later event are left out); a tie goes to the next milestone, then to the order in the file.
So while a coach's distance is unknown, a body fault is planned as the 12 h reply, not the 24 h visit.

The module is pure: parsing and selection only; due times are computed by :mod:`dispatch.sla.plan`.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time, timedelta
from pathlib import Path
from typing import Any

from dispatch.sla.calendar import CLOCK_24X7, CLOCK_WORKING_DAYS, CLOCKS, WorkCalendar, load_calendar

ZONES = ("built_up", "outside")
SEVERITIES = ("minor", "major")
#: The start event of a milestone that runs from the moment the report was taken.
REPORTED = "reported"

DEFAULT_SLA_PATH = Path(__file__).resolve().parents[2] / "config" / "sla.toml"
DEFAULT_HOLIDAYS_PATH = DEFAULT_SLA_PATH.with_name("holidays.toml")

_MILESTONE_KEYS = {
    "name", "hours", "minutes", "working_days", "clock", "starts_on", "warn_share", "pausable", "met_by",
    "dispatcher_may_set",
}  # fmt: skip
_VARIANT_KEYS = {
    "id",
    "zone",
    "min_distance_km",
    "max_distance_km",
    "severity",
    "needs_supplier",
    "milestones",
}
_TYPE_KEYS = {
    "org", "orgs", "name_en", "name_zh", "skills", "materials_en", "materials_zh", "auto_dispatch",
    "keywords_zh", "keywords_en", "variants", "served_from", "asks", "public", "service_min", "on_site",
}  # fmt: skip
_QUESTION_KEYS = {
    "datatype", "description", "datatype_description", "values", "order", "material_en", "material_zh",
}  # fmt: skip
#: Where a type's reports are served from (the nearest one gives the distance of the rule).
SITE_KINDS = ("depot", "service_station")


class RuleBookError(ValueError):
    """config/sla.toml is malformed; the message names the offending table."""


class UnknownType(LookupError):
    """No report type has this code."""


class NoMatchingRule(LookupError):
    """The type exists but none of its variants fits the facts given."""


@dataclass(frozen=True)
class MilestoneRule:
    """One deadline of a variant. Exactly one of ``duration`` (24x7) and ``working_days`` is set."""

    name: str
    clock: str
    duration: timedelta | None
    working_days: int | None
    #: ``reported`` or the event that starts the clock (``paperwork_complete``, …).
    starts_on: str
    warn_share: float
    #: Whether on-hold time is excluded from the window.
    pausable: bool
    #: The event that meets the milestone (``on_site``, ``work_done``, …): the first one named.
    met_by: str
    #: Whether a dispatcher may replace the computed due time by one set by hand.
    dispatcher_may_set: bool = False
    #: Further events that meet it too (``met_by`` given as a list): a hazard repaired
    #: (``work_done``) needs no warning sign any more.
    also_met_by: tuple[str, ...] = ()

    @property
    def met_by_events(self) -> tuple[str, ...]:
        """Every event that meets the milestone, the first named first."""
        return (self.met_by, *self.also_met_by)

    @property
    def nominal(self) -> timedelta:
        """Length used to rank variants by strictness (a working day counts as 24 h)."""
        return self.duration if self.duration is not None else timedelta(days=self.working_days or 0)


@dataclass(frozen=True)
class Rule:
    """One variant of a type: its conditions and its milestones. ``id`` is ``type`` or ``type.variant``."""

    id: str
    type_code: str
    milestones: tuple[MilestoneRule, ...]
    zone: str | None = None
    min_distance_km: float | None = None
    max_distance_km: float | None = None
    severity: str | None = None
    needs_supplier: bool | None = None

    def matches(
        self, *, zone: str | None, distance_km: float | None, severity: str, needs_supplier: bool | None
    ) -> bool:
        """True when no known fact contradicts a condition (an unknown fact matches anything)."""
        if self.zone is not None and zone is not None and zone != self.zone:
            return False
        if distance_km is not None:
            if self.max_distance_km is not None and distance_km > self.max_distance_km:
                return False
            if self.min_distance_km is not None and distance_km <= self.min_distance_km:
                return False
        if self.severity is not None and severity != self.severity:
            return False
        return not (
            self.needs_supplier is not None
            and needs_supplier is not None
            and needs_supplier != self.needs_supplier
        )

    def strictness(self) -> tuple[timedelta, ...]:
        """Nominal lengths of the milestones that run from the report, shortest first."""
        return tuple(sorted(m.nominal for m in self.milestones if m.starts_on == REPORTED))


@dataclass(frozen=True)
class TypeDef:
    """A report type as configured: who offers it, how to recognise it, what the reporter must bring."""

    code: str
    orgs: tuple[str, ...]
    name_en: str
    name_zh: str
    skills: tuple[str, ...]
    materials_en: tuple[str, ...]
    materials_zh: tuple[str, ...]
    auto_dispatch: bool
    keywords_zh: tuple[str, ...]
    keywords_en: tuple[str, ...]
    variants: tuple[Rule, ...]
    #: The kinds of site its distance is measured to, in order of preference (depots by default;
    #: the coach network's faults are served from service stations).
    served_from: tuple[str, ...] = ("depot",)
    #: The extra questions a report of this type answers (``[questions]``): severity, vin, …
    asks: tuple[str, ...] = ()
    #: Citizens may report it themselves (the public web form lists it); internal work such as
    #: a drawing review is taken by staff only.
    public: bool = False
    #: Expected minutes on site (the planner's service time); None: ``[plan] service_min``.
    service_min: float | None = None
    #: Worked at a place (a leak, a coach). Desk work (a complaint, a callback) is not: taken
    #: without a place, it is queued at once instead of waiting for a pin.
    on_site: bool = True


@dataclass(frozen=True)
class RuleBook:
    """All types, plus the settings the deadline arithmetic needs (office hours, zone, warn share)."""

    types: Mapping[str, TypeDef]
    warn_share: float = 0.8
    timezone: str = "Asia/Shanghai"
    office_open: time = time(8, 30)
    office_close: time = time(17, 30)
    #: Milestone name → the event that meets it by default (the first named).
    met_by: Mapping[str, str] = field(default_factory=dict)
    #: Milestone name → the further events that meet it by default (``met_by`` given as a list).
    also_met_by: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: The extra questions types may ask (``[questions.CODE]``): Open311 attribute definitions.
    questions: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def asks(self, org: str, question: str) -> bool:
        """Whether any type the organisation offers asks ``question`` (a form shows the field)."""
        return any(question in t.asks for t in self.types_for_org(org))

    def type(self, code: str) -> TypeDef:
        """The type ``code``; raises UnknownType."""
        try:
            return self.types[code]
        except KeyError:
            raise UnknownType(code) from None

    def types_for_org(self, org: str) -> list[TypeDef]:
        """The types an organisation offers, in file order."""
        return [t for t in self.types.values() if org in t.orgs]

    def rule(self, rule_id: str) -> Rule:
        """A variant by its id (``safety_accident.built_up``); raises UnknownType / NoMatchingRule."""
        type_def = self.type(rule_id.split(".", 1)[0])
        for variant in type_def.variants:
            if variant.id == rule_id:
                return variant
        raise NoMatchingRule(rule_id)

    def select(
        self,
        code: str,
        *,
        zone: str | None = None,
        distance_km: float | None = None,
        severity: str | None = None,
        needs_supplier: bool | None = False,
    ) -> Rule:
        """The variant of type ``code`` for these facts; the strictest one where several fit.

        ``severity=None`` means minor. Raises UnknownType for an unknown code, NoMatchingRule when no
        variant fits, ValueError for a zone or severity outside ZONES / SEVERITIES or a negative distance.
        """
        type_def = self.type(code)
        if zone is not None and zone not in ZONES:
            raise ValueError(f"zone must be one of {ZONES}, not {zone!r}")
        if severity is not None and severity not in SEVERITIES:
            raise ValueError(f"severity must be one of {SEVERITIES}, not {severity!r}")
        if distance_km is not None and distance_km < 0:
            raise ValueError(f"distance cannot be negative: {distance_km}")
        fitting = [
            v
            for v in type_def.variants
            if v.matches(
                zone=zone,
                distance_km=distance_km,
                severity=severity or "minor",
                needs_supplier=needs_supplier,
            )
        ]
        if not fitting:
            raise NoMatchingRule(
                f"{code}: no variant for zone={zone} distance_km={distance_km} "
                f"severity={severity} needs_supplier={needs_supplier}"
            )
        # min() keeps the first of equals, so file order breaks ties.
        return min(fitting, key=Rule.strictness)


# -- loading ----------------------------------------------------------------------------------


def _check_keys(table: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = set(table) - allowed
    if unknown:
        raise RuleBookError(f"{where}: unknown key(s) {sorted(unknown)}")


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
        raise RuleBookError(f"{where}: expected a list of strings")
    return tuple(value)


def _parse_time(value: Any, where: str) -> time:
    if isinstance(value, time):
        return value
    try:
        return time.fromisoformat(str(value))
    except ValueError:
        raise RuleBookError(f'{where}: expected a time like "08:30", not {value!r}') from None


#: The ``[milestones.NAME]`` tables: met_by and the default of pausable for each name.
_Defaults = Mapping[str, Mapping[str, Any]]


def _events(value: Any, where: str) -> tuple[str, ...]:
    """``met_by``: one event name, or a list of them (any one meets the milestone)."""
    names = [value] if isinstance(value, str) else value
    if (
        not isinstance(names, list)
        or not names
        or not all(isinstance(n, str) and n.strip() == n and n for n in names)
    ):
        raise RuleBookError(f"{where}: met_by must be an event name or a non-empty list of event names")
    if len(set(names)) != len(names):
        raise RuleBookError(f"{where}: met_by names an event twice")
    return tuple(names)


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RuleBookError(f"{where}: expected a number, not {value!r}")
    return float(value)


def _parse_milestone(raw: Mapping[str, Any], where: str, defaults: _Defaults, warn: float) -> MilestoneRule:
    _check_keys(raw, _MILESTONE_KEYS, where)
    name = raw.get("name")
    if name not in defaults:
        raise RuleBookError(f"{where}: milestone name {name!r} is not declared under [milestones]")
    where = f"{where} ({name})"
    timed = "hours" in raw or "minutes" in raw
    if timed == ("working_days" in raw):
        raise RuleBookError(f"{where}: give hours/minutes or working_days, not both nor neither")
    clock = CLOCK_24X7 if timed else CLOCK_WORKING_DAYS
    if raw.get("clock", clock) != clock or clock not in CLOCKS:
        raise RuleBookError(f"{where}: clock {raw.get('clock')!r} does not fit the duration given")
    duration = working_days = None
    if timed:
        duration = timedelta(
            hours=_number(raw.get("hours", 0), where), minutes=_number(raw.get("minutes", 0), where)
        )
        if duration <= timedelta(0):
            raise RuleBookError(f"{where}: the duration must be positive")
    else:
        working_days = raw["working_days"]
        if not isinstance(working_days, int) or isinstance(working_days, bool) or working_days < 1:
            raise RuleBookError(f"{where}: working_days must be a whole number >= 1")
    share = _number(raw.get("warn_share", warn), where)
    if not 0 < share <= 1:
        raise RuleBookError(f"{where}: warn_share must be in (0, 1]")
    events = _events(raw.get("met_by", defaults[name]["met_by"]), where)
    return MilestoneRule(
        name=name,
        clock=clock,
        duration=duration,
        working_days=working_days,
        starts_on=str(raw.get("starts_on", REPORTED)),
        warn_share=share,
        pausable=bool(raw.get("pausable", defaults[name].get("pausable", False))),
        met_by=events[0],
        dispatcher_may_set=bool(raw.get("dispatcher_may_set", False)),
        also_met_by=events[1:],
    )


def _parse_variant(code: str, raw: Mapping[str, Any], where: str, defaults: _Defaults, warn: float) -> Rule:
    _check_keys(raw, _VARIANT_KEYS, where)
    if raw.get("zone") is not None and raw["zone"] not in ZONES:
        raise RuleBookError(f"{where}: zone must be one of {ZONES}")
    if raw.get("severity") is not None and raw["severity"] not in SEVERITIES:
        raise RuleBookError(f"{where}: severity must be one of {SEVERITIES}")
    milestones = tuple(
        _parse_milestone(m, f"{where}.milestones[{i}]", defaults, warn)
        for i, m in enumerate(raw.get("milestones", []))
    )
    if not milestones:
        raise RuleBookError(f"{where}: a variant needs at least one milestone")
    if len({m.name for m in milestones}) != len(milestones):
        raise RuleBookError(f"{where}: a milestone name appears twice")
    low, high = raw.get("min_distance_km"), raw.get("max_distance_km")
    return Rule(
        id=f"{code}.{raw['id']}" if "id" in raw else code,
        type_code=code,
        milestones=milestones,
        zone=raw.get("zone"),
        min_distance_km=_number(low, where) if low is not None else None,
        max_distance_km=_number(high, where) if high is not None else None,
        severity=raw.get("severity"),
        needs_supplier=raw.get("needs_supplier"),
    )


def _parse_type(
    code: str, raw: Mapping[str, Any], defaults: _Defaults, warn: float, questions: Mapping[str, Any]
) -> TypeDef:
    where = f"types.{code}"
    _check_keys(raw, _TYPE_KEYS, where)
    if ("org" in raw) == ("orgs" in raw):
        raise RuleBookError(f"{where}: give either org or orgs")
    orgs = (raw["org"],) if "org" in raw else _strings(raw["orgs"], f"{where}.orgs")
    variants = tuple(
        _parse_variant(code, v, f"{where}.variants[{i}]", defaults, warn)
        for i, v in enumerate(raw.get("variants", []))
    )
    if not variants:
        raise RuleBookError(f"{where}: a type needs at least one variant")
    if len({v.id for v in variants}) != len(variants):
        raise RuleBookError(f"{where}: two variants share an id (at most one may omit it)")
    served_from = _strings(raw.get("served_from", ["depot"]), f"{where}.served_from")
    if not served_from or set(served_from) - set(SITE_KINDS):
        raise RuleBookError(f"{where}.served_from: a list of {SITE_KINDS}")
    asks = _strings(raw.get("asks", []), f"{where}.asks")
    unknown = set(asks) - set(questions)
    if unknown:
        raise RuleBookError(f"{where}.asks: {sorted(unknown)} not declared under [questions]")
    return TypeDef(
        code=code,
        orgs=orgs,
        name_en=str(raw.get("name_en", code)),
        name_zh=str(raw.get("name_zh", code)),
        skills=_strings(raw.get("skills", []), f"{where}.skills"),
        materials_en=_strings(raw.get("materials_en", []), f"{where}.materials_en"),
        materials_zh=_strings(raw.get("materials_zh", []), f"{where}.materials_zh"),
        auto_dispatch=bool(raw.get("auto_dispatch", False)),
        keywords_zh=_strings(raw.get("keywords_zh", []), f"{where}.keywords_zh"),
        keywords_en=_strings(raw.get("keywords_en", []), f"{where}.keywords_en"),
        public=bool(raw.get("public", False)),
        variants=variants,
        served_from=served_from,
        asks=asks,
        service_min=_service_min(raw.get("service_min"), where),
        on_site=_flag(raw.get("on_site", True), f"{where}.on_site"),
    )


def _flag(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise RuleBookError(f"{where}: expected true or false, not {value!r}")
    return value


def _service_min(value: Any, where: str) -> float | None:
    if value is None:
        return None
    minutes = _number(value, f"{where}.service_min")
    if minutes < 0:
        raise RuleBookError(f"{where}.service_min: minutes, 0 or more")
    return float(minutes)


def parse_rulebook(data: Mapping[str, Any]) -> RuleBook:
    """A RuleBook from the parsed TOML document; raises RuleBookError on anything malformed."""
    warn = _number(data.get("warn_share", 0.8), "warn_share")
    if not 0 < warn <= 1:
        raise RuleBookError("warn_share must be a number in (0, 1]")
    defaults = data.get("milestones", {})
    for name, table in defaults.items():
        _check_keys(table, {"met_by", "pausable"}, f"milestones.{name}")
        if "met_by" not in table:
            raise RuleBookError(f"milestones.{name}: met_by is required")
    default_events = {
        name: _events(table["met_by"], f"milestones.{name}") for name, table in defaults.items()
    }
    office = data.get("office_hours", {})
    open_, close = (
        _parse_time(office.get("open", "08:30"), "office_hours.open"),
        _parse_time(office.get("close", "17:30"), "office_hours.close"),
    )
    if open_ >= close:
        raise RuleBookError("office_hours: open must come before close")
    questions = data.get("questions", {})
    for name, table in questions.items():
        _check_keys(table, _QUESTION_KEYS, f"questions.{name}")
    types = {
        code: _parse_type(code, raw, defaults, warn, questions) for code, raw in data.get("types", {}).items()
    }
    return RuleBook(
        types=types,
        warn_share=warn,
        timezone=str(data.get("timezone", "Asia/Shanghai")),
        office_open=open_,
        office_close=close,
        met_by={name: events[0] for name, events in default_events.items()},
        also_met_by={name: events[1:] for name, events in default_events.items() if len(events) > 1},
        questions=questions,
    )


def load_rulebook(path: str | Path | None = None) -> RuleBook:
    """The rule book in ``path`` (config/sla.toml by default); raises RuleBookError or OSError."""
    with Path(path or DEFAULT_SLA_PATH).open("rb") as handle:
        try:
            data = tomllib.load(handle)
        except tomllib.TOMLDecodeError as exc:
            raise RuleBookError(f"{path or DEFAULT_SLA_PATH}: {exc}") from exc
    return parse_rulebook(data)


def calendar_for(
    rulebook: RuleBook, holidays_path: str | Path | None = DEFAULT_HOLIDAYS_PATH
) -> WorkCalendar:
    """The working-day calendar with the rule book's office hours and zone, and the holidays file."""
    return load_calendar(
        holidays_path,
        office_open=rulebook.office_open,
        office_close=rulebook.office_close,
        tz=rulebook.timezone,
    )
