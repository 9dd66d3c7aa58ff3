"""Placing an order sets zone, nearest site and distance, and recomputes its deadlines."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from dispatch.errors import DomainError
from dispatch.geo.placing import service_area, sync_depots
from dispatch.intake.placing import place_order
from dispatch.orders import lifecycle
from dispatch.orders.lifecycle import Actor
from dispatch.orders.models import Channel, Status
from dispatch.sla.service import apply_rules
from tests.factories import make_order, make_org

CST = ZoneInfo("Asia/Shanghai")
PIN = Actor(Channel.CONSOLE)


@pytest.fixture
def county(db):
    org = make_org("xinye")
    sync_depots(db, {"xinye": org})
    return org


def test_inside_the_built_up_area_an_accident_keeps_30_minutes(db, county):
    order = make_order(county, "safety_accident", reported_at=datetime(2026, 11, 2, 9, 0, tzinfo=CST))
    apply_rules(db, order)
    lat, lon = (
        service_area().sites(org="xinye", kind="depot")[0].lat,
        service_area().sites(org="xinye")[0].lon,
    )
    place_order(db, order, lat, lon, source="pin", precision="exact", actor=PIN)
    assert order.status is Status.LOCATED and order.zone == "built_up"
    assert order.nearest_depot is not None and order.distance_km < 1
    arrive = {m.name: m for m in order.milestones}["arrive"]
    assert arrive.due_at.astimezone(CST) == datetime(2026, 11, 2, 9, 30, tzinfo=CST)


def test_outside_the_built_up_area_it_relaxes_to_2_hours(db, county):
    order = make_order(county, "safety_accident", reported_at=datetime(2026, 11, 2, 9, 0, tzinfo=CST))
    apply_rules(db, order)
    # Taken without a place (strictest variant), pinned afterwards: a real change, for review.
    lifecycle.transition(db, order, "need_location", PIN)
    place_order(db, order, 32.70, 112.55, source="gazetteer", precision="village", actor=PIN)
    assert order.zone == "outside"
    arrive = {m.name: m for m in order.milestones}["arrive"]
    assert arrive.due_at.astimezone(CST) == datetime(2026, 11, 2, 11, 0, tzinfo=CST)
    assert [e.kind for e in order.events][-2:] == ["locate", "due_changed"]
    moved = order.events[-1]
    assert moved.data["reason"] == "placed" and moved.channel is Channel.CONSOLE


def test_coordinates_out_of_range_are_refused(db, county):
    order = make_order(county)
    with pytest.raises(DomainError, match="Latitude"):
        place_order(db, order, 95.0, 112.0, source="given", precision="exact", actor=PIN)
    assert order.lat is None and order.status is Status.NEW
