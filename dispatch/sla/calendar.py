"""Working days on the Chinese public-holiday calendar, and the arithmetic of the two deadline clocks.

Two clocks are used by the deadline rules:

- ``24x7``: plain elapsed time. A leak reported at 23:30 on a public holiday is due on site at 00:30.
- ``working_days``: the Chinese calendar, with public holidays off and the weekend days that are
  made working days (调休) on. A deadline of N working days does not count the day of receipt and
  falls at the close of business of the Nth working day after it (the usual reading of
  "自接到申请之日起 N 个工作日内").

Which days are working days comes, in this order, from:

1. the ``chinesecalendar`` package, for the years it knows (2004-2026 in version 1.11);
2. ``config/holidays.toml``, which adds later years' published schedules;
3. otherwise Monday-Friday. A result that relied on this fallback is flagged
   (``Deadline.calendar_warning`` / :meth:`WorkCalendar.uses_fallback`) — never an exception and
   never a Python warning, so a deadline can always be shown, with a visible doubt on it.

Office time (used to extend working-day deadlines by paused time) is the part of a working day
between the configured opening and closing hours. The module is pure: no clock, no database.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

import chinese_calendar

CLOCK_24X7 = "24x7"
CLOCK_WORKING_DAYS = "working_days"
CLOCKS = (CLOCK_24X7, CLOCK_WORKING_DAYS)

DEFAULT_TIMEZONE = "Asia/Shanghai"
DEFAULT_OFFICE_OPEN = time(8, 30)
DEFAULT_OFFICE_CLOSE = time(17, 30)

_ONE_DAY = timedelta(days=1)


class CalendarError(ValueError):
    """The holidays file is malformed (a bad date, a day both off and on, a date in another year)."""


@dataclass(frozen=True)
class YearSchedule:
    """One year's published schedule: weekdays off (holidays) and weekend days worked (调休)."""

    holidays: frozenset[date]
    workdays: frozenset[date]

    def is_workday(self, day: date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5


class Deadline(NamedTuple):
    """A computed due time; ``calendar_warning`` is true when a day of an unknown year was counted."""

    due_at: datetime
    calendar_warning: bool


@cache
def _package_knows(year: int) -> bool:
    """Whether chinesecalendar has data for ``year`` (it raises NotImplementedError when not)."""
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


class WorkCalendar:
    """Working days, office hours and the configured time zone.

    ``extra_years`` maps a year to its schedule for years chinesecalendar does not know; a year the
    package knows is always taken from the package (the file only *adds* years).
    """

    def __init__(
        self,
        *,
        extra_years: Mapping[int, YearSchedule] | None = None,
        office_open: time = DEFAULT_OFFICE_OPEN,
        office_close: time = DEFAULT_OFFICE_CLOSE,
        tz: tzinfo | str = DEFAULT_TIMEZONE,
    ) -> None:
        if office_open >= office_close:
            raise CalendarError(f"office hours must open before they close: {office_open}-{office_close}")
        self.extra_years: dict[int, YearSchedule] = dict(extra_years or {})
        self.office_open = office_open
        self.office_close = office_close
        self.tz: tzinfo = ZoneInfo(tz) if isinstance(tz, str) else tz

    # -- days ---------------------------------------------------------------------------------

    def knows(self, year: int) -> bool:
        """True when ``year`` has real holiday data (package or holidays file), not the fallback."""
        return _package_knows(year) or year in self.extra_years

    def is_workday(self, day: date) -> bool:
        """Whether ``day`` is a working day; Monday-Friday for a year known to neither source."""
        if _package_knows(day.year):
            return bool(chinese_calendar.is_workday(day))
        schedule = self.extra_years.get(day.year)
        if schedule is not None:
            return schedule.is_workday(day)
        return day.weekday() < 5

    def uses_fallback(self, first: date, last: date) -> bool:
        """True when any day from ``first`` to ``last`` (inclusive) falls in a year nobody knows."""
        return any(not self.knows(year) for year in range(first.year, last.year + 1))

    # -- times --------------------------------------------------------------------------------

    def localize(self, moment: datetime) -> datetime:
        """``moment`` in the configured zone; a naive datetime is read as local time there."""
        if moment.tzinfo is None:
            return moment.replace(tzinfo=self.tz)
        return moment.astimezone(self.tz)

    def add_elapsed(self, start: datetime, duration: timedelta) -> datetime:
        """The ``24x7`` clock: ``start`` plus ``duration`` of real time, shown in the configured zone."""
        # Adding in UTC keeps the result right in zones with daylight saving time too.
        return (self.localize(start).astimezone(ZoneInfo("UTC")) + duration).astimezone(self.tz)

    def add_working_days(self, start: datetime, days: int) -> Deadline:
        """Close of business on the ``days``-th working day after the day of ``start``.

        The day of ``start`` itself is never counted, whatever the hour (a report on a Saturday, or at
        20:00, is counted from the next working day just like one at 09:00). Raises ValueError for
        ``days < 1``.
        """
        if days < 1:
            raise ValueError(f"a working-day deadline needs at least one day, not {days}")
        received = self.localize(start).date()
        day = received
        counted = 0
        while counted < days:
            day += _ONE_DAY
            if self.is_workday(day):
                counted += 1
        due = datetime.combine(day, self.office_close, tzinfo=self.tz)
        return Deadline(due, self.uses_fallback(received + _ONE_DAY, day))

    def office_time(self, start: datetime, end: datetime) -> timedelta:
        """The office time (working days, opening to closing hours) between ``start`` and ``end``."""
        start, end = self.localize(start), self.localize(end)
        total = timedelta(0)
        day = start.date()
        while day <= end.date():
            if self.is_workday(day):
                opens, closes = self._office_span(day)
                overlap = min(end, closes) - max(start, opens)
                if overlap > timedelta(0):
                    total += overlap
            day += _ONE_DAY
        return total

    def advance_office_time(self, start: datetime, amount: timedelta) -> datetime:
        """The earliest moment by which ``amount`` of office time has passed since ``start``.

        Spending exactly a whole day's office time ends at that day's closing hour, not at the next
        opening, so a working-day deadline stays at the close of business.
        """
        moment = self.localize(start)
        if amount <= timedelta(0):
            return moment
        day = moment.date()
        while True:
            if self.is_workday(day):
                opens, closes = self._office_span(day)
                begin = max(moment, opens)
                if begin < closes:
                    if amount <= closes - begin:
                        return begin + amount
                    amount -= closes - begin
            day += _ONE_DAY
            moment = datetime.combine(day, time(0), tzinfo=self.tz)

    def _office_span(self, day: date) -> tuple[datetime, datetime]:
        return (
            datetime.combine(day, self.office_open, tzinfo=self.tz),
            datetime.combine(day, self.office_close, tzinfo=self.tz),
        )


# -- loading ----------------------------------------------------------------------------------


def _dates(entry: Mapping[str, Any], where: str) -> set[date]:
    """The dates of one ``{date = …}`` or ``{from = …, to = …}`` entry of the holidays file."""
    if "date" in entry:
        first = last = entry["date"]
    elif "from" in entry and "to" in entry:
        first, last = entry["from"], entry["to"]
    else:
        raise CalendarError(f"{where}: each entry needs 'date' or 'from' and 'to'")
    if not all(isinstance(d, date) and not isinstance(d, datetime) for d in (first, last)) or last < first:
        raise CalendarError(f"{where}: dates must be TOML dates (2027-01-01), 'from' not after 'to'")
    days = set()
    while first <= last:
        days.add(first)
        first += _ONE_DAY
    return days


def parse_holidays(data: Mapping[str, Any]) -> dict[int, YearSchedule]:
    """Year schedules from the parsed holidays file (``[years.YYYY]`` tables; see config/holidays.toml)."""
    schedules: dict[int, YearSchedule] = {}
    for key, table in data.get("years", {}).items():
        try:
            year = int(key)
        except ValueError:
            raise CalendarError(f"years.{key}: the table name must be a year") from None
        off: set[date] = set()
        on: set[date] = set()
        for entry in table.get("holidays", []):
            off |= _dates(entry, f"years.{key}.holidays")
        for entry in table.get("workdays", []):
            on |= _dates(entry, f"years.{key}.workdays")
        if any(d.year != year for d in off | on):
            raise CalendarError(f"years.{key}: a date lies outside {year}")
        if off & on:
            raise CalendarError(f"years.{key}: {sorted(off & on)[0]} is listed both off and worked")
        schedules[year] = YearSchedule(frozenset(off), frozenset(on))
    return schedules


def load_calendar(
    holidays_path: str | Path | None = None,
    *,
    office_open: time = DEFAULT_OFFICE_OPEN,
    office_close: time = DEFAULT_OFFICE_CLOSE,
    tz: tzinfo | str = DEFAULT_TIMEZONE,
) -> WorkCalendar:
    """A calendar with the later years of ``holidays_path`` (none when the path is None).

    Raises CalendarError when the file is malformed, OSError when it cannot be read.
    """
    extra: dict[int, YearSchedule] = {}
    if holidays_path is not None:
        with Path(holidays_path).open("rb") as handle:
            extra = parse_holidays(tomllib.load(handle))
    return WorkCalendar(extra_years=extra, office_open=office_open, office_close=office_close, tz=tz)
