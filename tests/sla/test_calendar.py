"""Working days and the two clocks, on fixed dates around the real 2026 holidays (chinesecalendar)."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from dispatch.sla.calendar import (
    CalendarError,
    WorkCalendar,
    YearSchedule,
    load_calendar,
    parse_holidays,
)
from dispatch.sla.rules import DEFAULT_HOLIDAYS_PATH

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return load_calendar(DEFAULT_HOLIDAYS_PATH)


@pytest.fixture(scope="module")
def bare() -> WorkCalendar:
    """A calendar without the holidays file: chinesecalendar, then Monday-Friday."""
    return WorkCalendar()


# -- the package's 2026 data, as published by the State Council -------------------------------


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 9, 20), True),  # Sunday made a working day for National Day
        (date(2026, 9, 25), False),  # Mid-Autumn Festival, a Friday
        (date(2026, 9, 30), True),
        (date(2026, 10, 1), False),
        (date(2026, 10, 7), False),  # last day of the National Day holiday
        (date(2026, 10, 8), True),
        (date(2026, 10, 10), True),  # Saturday made a working day
        (date(2026, 10, 11), False),  # an ordinary Sunday
        (date(2026, 2, 14), True),  # Saturday before the Spring Festival, worked
        (date(2026, 2, 16), False),  # New Year's Eve
        (date(2026, 2, 23), False),  # last day of the Spring Festival holiday, a Monday
        (date(2026, 2, 24), True),
        (date(2026, 2, 28), True),  # Saturday after the Spring Festival, worked
    ],
)
def test_2026_holidays_and_make_up_days(cal, day, working):
    assert cal.is_workday(day) is working
    assert cal.knows(2026)


# -- working-day deadlines --------------------------------------------------------------------


def test_three_working_days_across_national_day_end_on_the_make_up_saturday(cal):
    # Oct 1-7 are off; Oct 8 and 9 are the first two working days, Saturday Oct 10 the third.
    deadline = cal.add_working_days(at("2026-09-30T09:00:00+08:00"), 3)
    assert deadline.due_at == at("2026-10-10T17:30:00+08:00")
    assert deadline.calendar_warning is False


def test_spring_festival_is_skipped_and_make_up_saturday_counts(cal):
    # Friday Feb 13: Sat 14 (worked) is day 1, Feb 15-23 are off, Tue 24 and Wed 25 are days 2 and 3.
    deadline = cal.add_working_days(at("2026-02-13T10:00:00+08:00"), 3)
    assert deadline.due_at == at("2026-02-25T17:30:00+08:00")


def test_day_of_receipt_is_not_counted_whatever_the_hour(cal):
    for received in ("2026-03-02T08:00:00+08:00", "2026-03-02T20:00:00+08:00"):
        assert cal.add_working_days(at(received), 1).due_at == at("2026-03-03T17:30:00+08:00")


def test_report_on_a_sunday_counts_from_monday(cal):
    assert cal.add_working_days(at("2026-03-01T11:00:00+08:00"), 1).due_at == at("2026-03-02T17:30:00+08:00")


def test_report_on_a_make_up_saturday_counts_from_the_next_working_day(cal):
    assert cal.add_working_days(at("2026-10-10T10:00:00+08:00"), 1).due_at == at("2026-10-12T17:30:00+08:00")


def test_close_of_business_is_configurable():
    late = WorkCalendar(office_open=time(9), office_close=time(18))
    assert late.add_working_days(at("2026-03-02T10:00:00+08:00"), 1).due_at == at("2026-03-03T18:00:00+08:00")


def test_zero_working_days_is_refused(cal):
    with pytest.raises(ValueError):
        cal.add_working_days(at("2026-03-02T10:00:00+08:00"), 0)


# -- years beyond the package -----------------------------------------------------------------


def test_2027_comes_from_the_holidays_file(cal):
    # Wed 2026-12-30: Thu 31 is day 1, Jan 1-3 2027 are off (holidays file), Mon 4 and Tue 5 follow.
    deadline = cal.add_working_days(at("2026-12-30T09:00:00+08:00"), 3)
    assert deadline.due_at == at("2027-01-05T17:30:00+08:00")
    assert deadline.calendar_warning is False
    assert cal.knows(2027)


def test_without_the_file_2027_falls_back_to_weekdays_with_a_warning(bare):
    deadline = bare.add_working_days(at("2026-12-30T09:00:00+08:00"), 3)
    assert deadline.due_at == at("2027-01-04T17:30:00+08:00")  # Fri Jan 1 counted as a working day
    assert deadline.calendar_warning is True


def test_a_year_nobody_knows_is_monday_to_friday_and_flagged(cal):
    assert not cal.knows(2031)
    deadline = cal.add_working_days(at("2031-03-03T09:00:00+08:00"), 3)  # a Monday
    assert deadline == (at("2031-03-06T17:30:00+08:00"), True)
    assert cal.is_workday(date(2031, 3, 8)) is False  # Saturday


def test_a_deadline_reaching_into_an_unknown_year_is_flagged(cal):
    # Thu 2027-12-30: Fri 31 is day 1, then Mon 3 and Tue 4 January 2028 (weekdays assumed).
    deadline = cal.add_working_days(at("2027-12-30T09:00:00+08:00"), 3)
    assert deadline == (at("2028-01-04T17:30:00+08:00"), True)


def test_a_deadline_inside_a_known_year_is_not_flagged_near_an_unknown_one(cal):
    assert cal.add_working_days(at("2027-12-27T09:00:00+08:00"), 3).calendar_warning is False


def test_uses_fallback_spans_years(cal):
    assert cal.uses_fallback(date(2026, 1, 1), date(2027, 12, 31)) is False
    assert cal.uses_fallback(date(2027, 12, 31), date(2028, 1, 1)) is True


# -- the 24x7 clock and time zones ------------------------------------------------------------


def test_24x7_runs_through_a_public_holiday_night(cal):
    due = cal.add_elapsed(at("2026-10-01T23:30:00+08:00"), timedelta(hours=1))
    assert due == at("2026-10-02T00:30:00+08:00")
    assert due.utcoffset() == timedelta(hours=8)


def test_naive_times_are_read_in_the_configured_zone(cal):
    assert cal.localize(datetime(2026, 9, 30, 9)) == at("2026-09-30T09:00:00+08:00")
    utc = cal.add_elapsed(datetime(2026, 9, 30, 1, tzinfo=ZoneInfo("UTC")), timedelta(hours=1))
    assert utc.isoformat() == "2026-09-30T10:00:00+08:00"


# -- office time ------------------------------------------------------------------------------


def test_office_time_counts_only_working_hours_of_working_days(cal):
    # Fri Oct 9 16:30-17:30 and the make-up Saturday Oct 10 08:30-09:30.
    assert cal.office_time(at("2026-10-09T16:30:00+08:00"), at("2026-10-10T09:30:00+08:00")) == timedelta(
        hours=2
    )
    assert cal.office_time(at("2026-10-01T00:00:00+08:00"), at("2026-10-08T00:00:00+08:00")) == timedelta(0)
    assert cal.office_time(at("2026-10-09T12:00:00+08:00"), at("2026-10-09T11:00:00+08:00")) == timedelta(0)


def test_advancing_office_time_skips_holidays_and_stays_at_close_for_whole_days(cal):
    assert cal.advance_office_time(at("2026-09-30T17:30:00+08:00"), timedelta(hours=2)) == at(
        "2026-10-08T10:30:00+08:00"
    )
    assert cal.advance_office_time(at("2026-10-08T06:00:00+08:00"), timedelta(hours=9)) == at(
        "2026-10-08T17:30:00+08:00"
    )


# -- the holidays file ------------------------------------------------------------------------


def test_the_shipped_2027_schedule_is_consistent(cal):
    schedule = cal.extra_years[2027]
    # Make-up working days are weekend days; holidays include each festival day itself.
    assert all(d.weekday() >= 5 for d in schedule.workdays)
    for festival in (
        date(2027, 1, 1),
        date(2027, 2, 6),
        date(2027, 4, 5),
        date(2027, 5, 1),
        date(2027, 6, 9),
    ):
        assert festival in schedule.holidays
    assert {date(2027, 9, 15), date(2027, 10, 1)} <= schedule.holidays
    assert cal.is_workday(date(2027, 2, 8)) is False  # a Monday of the Spring Festival
    assert cal.is_workday(date(2027, 2, 20)) is True  # a Saturday worked


def test_a_year_the_package_knows_is_never_overridden_by_the_file():
    fake = YearSchedule(holidays=frozenset({date(2026, 3, 2)}), workdays=frozenset())
    assert WorkCalendar(extra_years={2026: fake}).is_workday(date(2026, 3, 2)) is True


@pytest.mark.parametrize(
    "years",
    [
        {"2027": {"holidays": [{"date": date(2028, 1, 1)}]}},  # outside its year
        {"2027": {"holidays": [{"date": date(2027, 1, 2)}], "workdays": [{"date": date(2027, 1, 2)}]}},
        {"2027": {"holidays": [{"from": date(2027, 1, 3), "to": date(2027, 1, 1)}]}},
        {"2027": {"holidays": [{"day": date(2027, 1, 1)}]}},
        {"next": {}},
    ],
)
def test_malformed_holidays_are_refused(years):
    with pytest.raises(CalendarError):
        parse_holidays({"years": years})


def test_office_hours_must_open_before_they_close():
    with pytest.raises(CalendarError):
        WorkCalendar(office_open=time(18), office_close=time(9))
