"""The 三包 verdict on both sides of its limits (months since the sale, km)."""

from datetime import date

import pytest

from dispatch.reports.rules import WarrantyGroup
from dispatch.reports.warranty import add_months, verdict

BODY = WarrantyGroup("body", ("vehicle_body_fault",), months=12, km=100000)
SOLD = date(2025, 3, 31)


@pytest.mark.parametrize(
    ("today", "km", "inside", "reason"),
    [
        (date(2026, 3, 31), 100000, True, "time_ok"),  # both limits reached exactly: still inside
        (date(2026, 4, 1), 50000, False, "time_over"),  # one day past the months
        (date(2025, 9, 1), 100001, False, "km_over"),  # one km over
        (date(2025, 9, 1), 99999, True, "km_ok"),
    ],
)
def test_both_sides_of_the_limits(today, km, inside, reason):
    result = verdict(BODY, SOLD, km, today)
    assert result["in_warranty"] is inside
    assert reason in result["reasons"]
    assert result["until"] == "2026-03-31"


def test_unknown_sale_date_or_terms_cannot_tell():
    assert verdict(BODY, None, 1000, date(2026, 1, 1))["in_warranty"] is None
    assert verdict(None, SOLD, 1000, date(2026, 1, 1))["reasons"] == ["no_terms"]
    # Already out on time: an unknown mileage does not bring it back in.
    assert verdict(BODY, SOLD, None, date(2027, 1, 1))["in_warranty"] is False


def test_month_arithmetic_keeps_the_end_of_month():
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2025, 11, 15), 14) == date(2027, 1, 15)


def test_the_report_of_a_young_vehicle_is_in_warranty_from_the_config(db, demo):
    from dispatch import clock
    from dispatch.reports import service
    from tests.reports.helpers import on_site, vehicle

    car = vehicle(db)
    car.sale_date = clock.local(clock.now()).date().replace(day=1)
    car.mileage_km = 1000
    db.commit()
    order = on_site(db, demo)
    report = service.open_report(db, order)
    service.fill(db, report, {"mileage_km": "99000"})
    assert report.warranty["in_warranty"] is True and report.warranty["group"] == "body"
    service.fill(db, report, {"mileage_km": "100001"})
    assert report.warranty["in_warranty"] is False
