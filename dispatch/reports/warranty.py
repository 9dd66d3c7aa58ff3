"""The 三包 warranty check (seed 3.4.2 C): from the vehicle's sale date and mileage against the
terms of its component group in config/reports.toml. In warranty while both the time since the
sale and the mileage are within the limits; a limit reached exactly is still inside."""

from __future__ import annotations

import calendar
from datetime import date

from dispatch.reports.rules import WarrantyGroup


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def verdict(group: WarrantyGroup | None, sale_date: date | None, mileage_km: int | None, today: date) -> dict:
    """``{"in_warranty": True|False|None, "group", "months", "km", "until", "mileage_km",
    "reasons": [codes]}`` — None when it cannot be told (no terms, no sale date or no mileage).

    Reason codes: ``no_terms``, ``no_sale_date``, ``no_mileage``, ``time_ok``, ``time_over``,
    ``km_ok``, ``km_over`` — shown as sentences by ``describe``.
    """
    if group is None:
        return {"in_warranty": None, "group": None, "reasons": ["no_terms"]}
    result: dict = {"group": group.name, "months": group.months, "km": group.km, "mileage_km": mileage_km}
    reasons: list[str] = []
    inside = True
    if sale_date is None:
        reasons.append("no_sale_date")
        inside = None
    else:
        until = add_months(sale_date, group.months)
        result["sale_date"] = sale_date.isoformat()
        result["until"] = until.isoformat()
        if today <= until:
            reasons.append("time_ok")
        else:
            reasons.append("time_over")
            inside = False
    if mileage_km is None:
        reasons.append("no_mileage")
        inside = None if inside is not False else False
    elif mileage_km <= group.km:
        reasons.append("km_ok")
    else:
        reasons.append("km_over")
        inside = False
    result["in_warranty"] = inside
    result["reasons"] = reasons
    return result
