"""Times as the console shows them in plans and on the map."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from dispatch import clock

CST = ZoneInfo("Asia/Shanghai")


def test_a_time_today_is_shown_alone_and_another_days_with_its_date(app):
    clock.freeze(datetime(2026, 12, 1, 20, 0, tzinfo=CST))
    assert clock.short(datetime(2026, 12, 1, 21, 29, tzinfo=CST)) == "21:29"
    # Due tomorrow morning: not to be read as already late tonight.
    assert clock.short(datetime(2026, 12, 1, 21, 29, tzinfo=CST) + timedelta(hours=10)) == "12-02 07:29"
    assert clock.short(None) == ""
