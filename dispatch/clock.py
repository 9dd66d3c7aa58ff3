"""The only way code asks the time.

``now()`` is timezone-aware UTC. Tests and the simulator move time with ``freeze()`` /
``advance()``; production never touches them.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

_lock = threading.Lock()
_frozen: datetime | None = None
_zone: tzinfo = ZoneInfo("Asia/Shanghai")


def now() -> datetime:
    frozen = _frozen
    return frozen if frozen is not None else datetime.now(UTC)


def set_zone(name: str) -> None:
    global _zone
    _zone = ZoneInfo(name)


def zone() -> tzinfo:
    """The configured zone in which times are shown and naive input is read."""
    return _zone


def local(dt: datetime | None) -> datetime | None:
    return None if dt is None else aware(dt).astimezone(_zone)


def short(dt: datetime | None) -> str:
    """Local time of day ("17:29") when ``dt`` is today, else with its date ("12-02 17:29")."""
    if dt is None:
        return ""
    at = local(dt)
    return at.strftime("%H:%M" if at.date() == local(now()).date() else "%m-%d %H:%M")


def aware(dt: datetime) -> datetime:
    """A naive datetime is read in the configured zone; the result is in UTC.

    SQLite hands back naive datetimes for columns stored as UTC; those go through ``from_db``.
    """
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=_zone)
    return dt.astimezone(UTC)


#: Dates outside these years are refused wherever they come in: nothing this system plans lies
#: there, and near the ends of Python's calendar a change of zone overflows.
MIN_YEAR, MAX_YEAR = 1900, 2100


class DateOutOfRange(ValueError):
    """A date before MIN_YEAR or after MAX_YEAR."""


def check_range(dt: datetime) -> datetime:
    """``dt`` itself when its year lies within MIN_YEAR–MAX_YEAR; DateOutOfRange otherwise."""
    if not MIN_YEAR <= dt.year <= MAX_YEAR:
        raise DateOutOfRange(f"dates must lie between {MIN_YEAR} and {MAX_YEAR}")
    return dt


def parse(text: str) -> datetime:
    """ISO 8601; without an offset it is read in the configured zone. Raises ValueError (also
    DateOutOfRange for a year outside MIN_YEAR–MAX_YEAR)."""
    return aware(check_range(datetime.fromisoformat(text.strip())))


def freeze(at: datetime) -> None:
    global _frozen
    with _lock:
        _frozen = aware(at)


def advance(delta: timedelta) -> datetime:
    global _frozen
    with _lock:
        _frozen = (_frozen or datetime.now(UTC)) + delta
        return _frozen


def unfreeze() -> None:
    global _frozen
    with _lock:
        _frozen = None


@contextmanager
def frozen(at: datetime):
    freeze(at)
    try:
        yield
    finally:
        unfreeze()
