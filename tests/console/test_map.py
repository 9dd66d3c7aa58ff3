"""Map data: only the visible box, points or server-side clusters, sites and outlines."""

import re
from datetime import timedelta

from dispatch import clock
from dispatch.console import mapdata
from dispatch.console.mapdata import BBox
from tests.console.conftest import placed_order
from tests.factories import make_technician

COUNTY = BBox(112.0, 32.2, 112.8, 32.9)


def test_points_in_the_box_with_their_deadline_state(db, county):
    clock.freeze(clock.now())
    late = placed_order(county.org, reported_at=clock.now() - timedelta(hours=3))
    placed_order(county.org, lat=40.0, lon=116.4)  # far away: not in view
    placed_order(county.other, type_code="vehicle_body_fault")
    data = mapdata.orders_in(db, county.org.id, COUNTY)
    assert data["total"] == 1
    (point,) = data["points"]
    assert point["ref"] == late.reference and point["state"] == "breached"


def test_many_orders_come_back_as_clusters(db, county, monkeypatch):
    monkeypatch.setattr(mapdata, "MAX_POINTS", 3)
    for i in range(5):
        placed_order(county.org, lat=32.5 + i * 0.001, lon=112.3)
    placed_order(county.org, lat=32.8, lon=112.7)
    data = mapdata.orders_in(db, county.org.id, COUNTY)
    assert "points" not in data and sum(c["count"] for c in data["clusters"]) == 6
    assert sorted(c["count"] for c in data["clusters"]) == [1, 5]


def test_technicians_and_sites(db, county):
    make_technician(county.org, last_lat=32.5, last_lon=112.4)
    make_technician(county.other, last_lat=32.5, last_lon=112.4)
    assert len(mapdata.technicians_in(db, county.org.id, COUNTY)) == 2  # county.tech too
    assert mapdata.outlines("xinye")["features"]


def test_map_endpoints(client, auth, db, county):
    placed_order(county.org)
    db.commit()
    auth.login("disp")
    data = client.get("/console/map/data?bbox=112,32.2,112.8,32.9").get_json()
    assert data["orders"]["total"] == 1 and data["technicians"]
    bad = client.get("/console/map/data?bbox=1,2,3", headers={"Accept": "application/json"})
    assert bad.status_code == 400 and "bbox" in bad.get_json()["error"]
    assert client.get("/console/map/data?bbox=10,0,5,1").status_code == 400
    assert client.get("/console/map/sites").get_json()["areas"]["type"] == "FeatureCollection"
    page = client.get("/console/map").get_data(as_text=True)
    assert "vendor/leaflet-1.9.4/leaflet.js" in page
    # Only the URLs: a random CSRF token may well contain the letters "cdn".
    urls = " ".join(re.findall(r'(?:src|href)="([^"]*)"', page)).lower()
    assert "unpkg" not in urls and "cdn" not in urls
