"""Every row of MISSION.md R5 on real work orders, with fixed dates.

The dates cross the 2026 National Day holiday (1-7 October, make-up working day Saturday
10 October) and the 2026 Spring Festival (15-23 February, make-up days Saturday 14 and Saturday
28 February), a 2027 holiday from config/holidays.toml and a year no calendar knows (2031).
"""

from __future__ import annotations

import math

import pytest
from shapely.geometry import LineString, Point

from dispatch.geo.placing import service_area
from dispatch.intake.placing import place_order
from dispatch.orders.lifecycle import Actor
from dispatch.orders.models import Channel
from tests.factories import make_order
from tests.sla.conftest import at, due, milestones

PIN = Actor(Channel.CONSOLE)

# (type, reported, order facts, {milestone: local due time or None while it waits})
ROWS = [
    # Water leak: on site 1 h; minor repair 8 h, major 24 h — a 24x7 clock, holidays do not matter.
    ("water_leak", "2026-10-01T23:30", {}, {"arrive": "2026-10-02T00:30", "resolve": "2026-10-02T07:30"}),
    (
        "water_leak",
        "2026-10-01T23:30",
        {"severity": "major"},
        {"arrive": "2026-10-02T00:30", "resolve": "2026-10-02T23:30"},
    ),
    # New connection: review in 3 working days (National Day, then the make-up Saturday);
    # installation waits for the paperwork.
    ("water_connection", "2026-09-30T09:00", {}, {"review": "2026-10-10T17:30", "install_start": None}),
    # Sewer overflow and drain cover: on site within 24 h, on the first day of the Spring Festival.
    ("sewer_overflow", "2026-02-16T08:00", {}, {"arrive": "2026-02-17T08:00"}),
    ("drain_cover", "2026-02-16T21:15", {}, {"arrive": "2026-02-17T21:15"}),
    # Manhole cover: a warning sign promptly (2 h, not a public number), replaced within 12 h.
    (
        "manhole_cover",
        "2026-10-03T22:00",
        {},
        {"warning_sign": "2026-10-04T00:00", "resolve": "2026-10-04T10:00"},
    ),
    # Safety accident of unknown place: the strictest variant (built-up, 30 min).
    ("safety_accident", "2026-10-05T12:00", {}, {"arrive": "2026-10-05T12:30"}),
    ("safety_accident", "2026-10-05T12:00", {"zone": "built_up"}, {"arrive": "2026-10-05T12:30"}),
    ("safety_accident", "2026-10-05T12:00", {"zone": "outside"}, {"arrive": "2026-10-05T14:00"}),
    # Hot issue: settled within 24 h when it can be at once.
    ("hot_issue", "2026-10-08T09:00", {}, {"resolve": "2026-10-09T09:00"}),
    # Coach body fault: within 100 km (100.0 included) on site in 24 h; beyond, a reply in 12 h.
    ("vehicle_body_fault", "2026-02-14T10:00", {"distance_km": 100.0}, {"arrive": "2026-02-15T10:00"}),
    ("vehicle_body_fault", "2026-02-14T10:00", {"distance_km": 100.01}, {"reply": "2026-02-14T22:00"}),
    (
        "vehicle_body_fault",
        "2026-02-14T10:00",
        {"distance_km": 12.0, "needs_supplier": True},
        {"reply": "2026-02-14T22:00"},
    ),
    # Distance not known yet: the strictest variant, the 12 h reply.
    ("vehicle_body_fault", "2026-02-14T10:00", {}, {"reply": "2026-02-14T22:00"}),
    # Chassis or engine fault: written contact within 12 h.
    ("vehicle_chassis_fault", "2026-10-01T20:00", {}, {"contact": "2026-10-02T08:00"}),
    # Complaint (not a public number): a reply in 24 h, settled in 7 working days.
    ("complaint", "2026-09-30T16:00", {}, {"reply": "2026-10-01T16:00", "resolve": "2026-10-15T17:30"}),
    # Callback: the next working day — New Year 2027 comes from config/holidays.toml.
    ("callback", "2026-12-31T10:00", {}, {"contact": "2027-01-04T17:30"}),
    # Permit-like tasks, 3-7 working days, across the Spring Festival and its make-up Saturdays.
    ("permit_design", "2026-02-12T10:00", {}, {"resolve": "2026-02-28T17:30"}),
    ("permit_drawing_review", "2026-09-29T10:00", {}, {"review": "2026-10-12T17:30"}),
    ("permit_construction", "2027-09-29T10:00", {}, {"review": "2027-10-12T17:30"}),
    ("completion_acceptance", "2026-02-12T10:00", {}, {"review": "2026-02-28T17:30", "resolve": None}),
    ("resume_work", "2026-02-13T10:00", {}, {"review": "2026-02-25T17:30"}),
]


@pytest.mark.parametrize(
    ("type_code", "reported", "facts", "expected"),
    ROWS,
    ids=[f"{r[0]}-{r[1]}-{'-'.join(f'{k}={v}' for k, v in r[2].items())}" for r in ROWS],
)
def test_a_report_gets_its_committed_deadlines(db, county, type_code, reported, facts, expected):
    order = make_order(county, type_code, reported_at=at(reported), **facts)
    assert {name: due(order, name) for name in milestones(order)} == expected
    assert not any(m.calendar_warning for m in order.milestones)
    waiting = [m.waits_for for m in order.milestones if m.due_at is None]
    assert waiting == [w for w in ("paperwork_complete", "documents_complete") if w in waiting]


def test_a_year_no_calendar_knows_counts_monday_to_friday_with_a_warning(db, county):
    order = make_order(county, "complaint", reported_at=at("2031-02-03T10:00"))
    assert due(order, "resolve") == "2031-02-12T17:30"
    assert milestones(order)["resolve"].calendar_warning is True
    assert milestones(order)["reply"].calendar_warning is False


def _crossing(polygon):
    """Points 30 m inside and 30 m outside the polygon's boundary, east of its centre."""
    centre = polygon.representative_point()
    ray = LineString([(centre.x, centre.y), (polygon.bounds[2] + 0.1, centre.y)])
    hits = polygon.exterior.intersection(ray)
    points = list(getattr(hits, "geoms", [hits]))
    edge = min(points, key=lambda p: p.distance(centre))
    step = 0.0003  # about 30 m of longitude here
    return Point(edge.x - step, edge.y), Point(edge.x + step, edge.y)


def test_an_accident_either_side_of_the_built_up_boundary(db, county):
    area = service_area().areas("xinye")[0]
    inside, outside = _crossing(area.geometry)
    expected = {inside: ("built_up", "2026-10-05T12:30"), outside: ("outside", "2026-10-05T14:00")}
    for point, (zone, arrive) in expected.items():
        order = make_order(county, "safety_accident", reported_at=at("2026-10-05T12:00"))
        place_order(db, order, point.y, point.x, source="pin", precision="exact", actor=PIN)
        assert (order.zone, due(order, "arrive")) == (zone, arrive)


def _west_of(lat: float, lon: float, km: float) -> float:
    """The longitude ``km`` great-circle kilometres due west of (lat, lon) along its parallel."""
    from dispatch.geo.distance import great_circle_km

    low, high = lon - 5, lon
    for _ in range(60):
        mid = (low + high) / 2
        if great_circle_km(lat, lon, lat, mid) > km:
            low = mid
        else:
            high = mid
    return (low + high) / 2


def test_a_coach_either_side_of_100_km_from_the_nearest_station(db, coach):
    station = service_area().site("ZY-S06")  # Xi'an, far from the other stations
    for km, rule, deadline in (
        (99.5, "vehicle_body_fault.within_100km", ("arrive", "2026-02-15T10:00")),
        (100.5, "vehicle_body_fault.beyond_100km", ("reply", "2026-02-14T22:00")),
    ):
        order = make_order(coach, "vehicle_body_fault", reported_at=at("2026-02-14T10:00"))
        lon = _west_of(station.lat, station.lon, km)
        place_order(db, order, station.lat, lon, source="registry", precision="exact", actor=PIN)
        assert math.isclose(order.distance_km, km, abs_tol=0.01)
        assert order.nearest_depot.code == "ZY-S06"
        assert milestones(order)[deadline[0]].rule == rule
        assert {n: due(order, n) for n in milestones(order)} == dict([deadline])
