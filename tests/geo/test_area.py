"""Zones and nearest sites from the shipped config/service_area.geojson."""

import json
from pathlib import Path

import phonenumbers
import pytest

from dispatch.geo.area import ServiceArea, Site

SERVICE_AREA = Path(__file__).resolve().parents[2] / "config" / "service_area.geojson"


@pytest.fixture(scope="module")
def area():
    return ServiceArea.load(SERVICE_AREA)


@pytest.mark.parametrize(
    ("lat", "lon", "zone"),
    [
        (32.5222, 112.3570, "built_up"),  # 县政府, centre of the county town
        (32.5410, 112.3600, "built_up"),  # 汉桑路, north of the town
        (32.5000, 112.3700, "built_up"),  # near 育才路, south of the town
        (32.4200, 112.3850, "outside"),  # 王集镇
        (32.5200, 112.3990, "outside"),  # across the 白河, east of the town
        (32.6210, 112.4010, "built_up"),  # 王庄镇's own built-up area
        (32.6400, 112.4010, "outside"),  # fields north of 王庄镇
    ],
)
def test_zone_of_a_point_in_xinye(area, lat, lon, zone):
    assert area.zone_of("xinye", lat, lon) == zone


def test_an_org_without_built_up_areas_has_no_zone(area):
    # A coach network knows no "built-up area": its orders carry no county zone at all.
    assert area.zone_of("zycoach", 34.7466, 113.6254) is None
    assert area.zone_of("nobody", 32.5222, 112.3570) is None


def test_nearest_depot_in_the_county_town_is_the_central_depot(area):
    site, km = area.nearest("xinye", 32.5222, 112.3570)
    assert site.code == "XY-D01"
    assert km < 1.5


def test_nearest_depot_for_a_village_in_the_south_west_is_wuxing(area):
    site, km = area.nearest("xinye", 32.3900, 112.3000)
    assert site.code == "XY-D05"
    assert site.name_zh == "五星镇供水站"
    assert 1 < km < 5


def test_nearest_service_station_for_a_coach_in_wuhan(area):
    site, km = area.nearest("zycoach", 30.5928, 114.3055, kinds=("service_station",))
    assert site.code == "ZY-S04"
    assert site.kind == "service_station"
    assert km < 20
    # The next station is far beyond the 100 km band: Wuhan alone can be on site within 24 h.
    ranked = area.ranked("zycoach", 30.5928, 114.3055, kinds=("service_station",))
    assert [s.code for s, _ in ranked][0] == "ZY-S04"
    assert ranked[1][1] > 100
    assert [d for _, d in ranked] == sorted(d for _, d in ranked)


def test_a_single_kind_may_be_given_as_a_string(area):
    assert area.nearest("zycoach", 34.75, 113.62, kinds="depot")[0].code == "ZY-D01"


def test_nearest_without_a_site_of_that_kind_raises(area):
    with pytest.raises(LookupError):
        area.nearest("xinye", 32.52, 112.36, kinds=("service_station",))


def test_sites_by_org_and_kind(area):
    depots = area.sites("xinye", "depot")
    assert 4 <= len(depots) <= 6
    assert all(isinstance(s, Site) and s.org == "xinye" for s in depots)
    assert len(area.sites("zycoach", "service_station")) >= 10
    assert [s.code for s in area.sites("zycoach", "depot")] == ["ZY-D01"]
    assert len(area.sites()) == len(area.sites("xinye")) + len(area.sites("zycoach"))
    assert area.site("ZY-S04").name_en.endswith("Wuhan")
    with pytest.raises(KeyError):
        area.site("XY-D99")


def test_every_site_has_a_valid_duty_phone(area):
    for site in area.sites():
        number = phonenumbers.parse(site.duty_phone)
        assert site.duty_phone.startswith("+86") and phonenumbers.is_valid_number(number), site.code


def test_the_county_town_polygon_is_about_five_km_across(area):
    (town, *_) = area.areas("xinye")
    min_lon, min_lat, max_lon, max_lat = town.geometry.bounds
    assert 4 < (max_lat - min_lat) * 111.2 < 7
    assert 4 < (max_lon - min_lon) * 111.2 * 0.843 < 7
    assert len(town.geometry.exterior.coords) > 8  # a believable outline, not a box


def _write(tmp_path, features):
    path = tmp_path / "area.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def _depot(code, kind="depot", geometry=None):
    return {
        "type": "Feature",
        "properties": {"kind": kind, "org": "xinye", "code": code, "name_zh": "站", "name_en": "Depot"},
        "geometry": geometry or {"type": "Point", "coordinates": [112.36, 32.52]},
    }


def test_a_malformed_service_area_is_refused(tmp_path):
    with pytest.raises(ValueError, match="duplicate"):
        ServiceArea.load(_write(tmp_path, [_depot("A"), _depot("A")]))
    with pytest.raises(ValueError, match="unknown kind"):
        ServiceArea.load(_write(tmp_path, [_depot("A", kind="castle")]))
    square = {"type": "Polygon", "coordinates": [[[112, 32], [113, 32], [113, 33], [112, 33], [112, 32]]]}
    with pytest.raises(ValueError, match="must be a Point"):
        ServiceArea.load(_write(tmp_path, [_depot("A", geometry=square)]))
    with pytest.raises(ValueError, match="must be a valid Polygon"):
        ServiceArea.load(_write(tmp_path, [_depot("Z", kind="built_up_area")]))
