"""Properties of the deadline arithmetic over random report times, rules and pauses."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from dispatch.sla.plan import plan_milestones
from dispatch.sla.rules import calendar_for, load_rulebook

BOOK = load_rulebook()
CAL = calendar_for(BOOK)
SHANGHAI = ZoneInfo("Asia/Shanghai")
RULES = [v for t in BOOK.types.values() for v in t.variants]
# Known years (package), the holidays file's year, and years nobody knows.
REPORT_TIMES = st.datetimes(
    min_value=datetime(2025, 12, 1), max_value=datetime(2031, 12, 31), timezones=st.just(SHANGHAI)
)
EVENT_DELAY = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=20))
PAUSE = st.tuples(
    st.timedeltas(min_value=timedelta(hours=-48), max_value=timedelta(days=20)),
    st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=5)),
)
PROPERTY = settings(max_examples=200, deadline=None)


def _events(reported: datetime, delay: timedelta) -> dict[str, datetime]:
    return {"paperwork_complete": reported + delay, "documents_complete": reported + delay}


@PROPERTY
@given(rule=st.sampled_from(RULES), reported=REPORT_TIMES, delay=EVENT_DELAY)
def test_a_due_time_is_never_before_the_report(rule, reported, delay):
    for m in plan_milestones(rule, reported, calendar=CAL, events=_events(reported, delay)):
        assert m.due_at is not None
        assert m.due_at > reported
        assert m.starts_at <= m.warn_at <= m.due_at


@PROPERTY
@given(
    rule=st.sampled_from(RULES),
    reported=REPORT_TIMES,
    delay=EVENT_DELAY,
    pauses=st.lists(PAUSE, max_size=3),
)
def test_working_day_deadlines_fall_on_a_working_day_in_office_hours(rule, reported, delay, pauses):
    spans = [(reported + offset, reported + offset + length) for offset, length in pauses]
    for m in plan_milestones(rule, reported, calendar=CAL, events=_events(reported, delay), pauses=spans):
        if m.clock == "working_days":
            local = m.due_at.astimezone(SHANGHAI)
            assert CAL.is_workday(local.date())
            assert BOOK.office_open < local.time() <= BOOK.office_close


@PROPERTY
@given(
    rule=st.sampled_from(RULES),
    reported=REPORT_TIMES,
    pauses=st.lists(PAUSE, max_size=3),
    extra=PAUSE,
)
def test_adding_paused_time_never_shortens_a_deadline(rule, reported, pauses, extra):
    spans = [(reported + offset, reported + offset + length) for offset, length in pauses]
    more = [*spans, (reported + extra[0], reported + extra[0] + extra[1])]
    without = plan_milestones(rule, reported, calendar=CAL)
    before = plan_milestones(rule, reported, calendar=CAL, pauses=spans)
    after = plan_milestones(rule, reported, calendar=CAL, pauses=more)
    for plain, a, b in zip(without, before, after, strict=True):
        if plain.due_at is None:
            continue
        assert plain.due_at <= a.due_at <= b.due_at
        if not a.pausable:
            assert plain.due_at == a.due_at == b.due_at


@PROPERTY
@given(rule=st.sampled_from(RULES), reported=REPORT_TIMES, pauses=st.lists(PAUSE, max_size=3))
def test_24x7_deadlines_move_by_at_most_the_paused_time(rule, reported, pauses):
    spans = [(reported + offset, reported + offset + length) for offset, length in pauses]
    total = sum((length for _, length in pauses), timedelta(0))
    plain = plan_milestones(rule, reported, calendar=CAL)
    paused = plan_milestones(rule, reported, calendar=CAL, pauses=spans)
    for p, q in zip(plain, paused, strict=True):
        if p.clock == "24x7" and p.due_at is not None:
            assert p.due_at <= q.due_at <= p.due_at + total
