"""Datum conversions against published coordinate pairs, and round trips."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dispatch.geo.coords import (
    bd09_to_gcj02,
    bd09_to_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    out_of_china,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)
from dispatch.geo.distance import great_circle_km

# (WGS-84 lat, lon, GCJ-02 lat, lon): the pairs the eviltransform libraries test against.
WGS_GCJ = [
    (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),  # Shanghai
    (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),  # Shenzhen
    (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),  # Beijing
]


@pytest.mark.parametrize(("w_lat", "w_lon", "g_lat", "g_lon"), WGS_GCJ)
def test_wgs84_to_gcj02_matches_published_pairs(w_lat, w_lon, g_lat, g_lon):
    lat, lon = wgs84_to_gcj02(w_lat, w_lon)
    assert lat == pytest.approx(g_lat, abs=1e-6)
    assert lon == pytest.approx(g_lon, abs=1e-6)


@pytest.mark.parametrize(("w_lat", "w_lon", "g_lat", "g_lon"), WGS_GCJ)
def test_gcj02_to_wgs84_recovers_the_gps_position(w_lat, w_lon, g_lat, g_lon):
    lat, lon = gcj02_to_wgs84(g_lat, g_lon)
    assert lat == pytest.approx(w_lat, abs=1e-6)
    assert lon == pytest.approx(w_lon, abs=1e-6)


def test_tiananmen_in_every_datum():
    # Tiananmen as Baidu publishes it (BD-09 116.404, 39.915) and the coordtransform results.
    # The usual closed-form BD-09 inverse is approximate; ours is exact, so allow 1e-5° (1 m).
    assert bd09_to_gcj02(39.915, 116.404) == pytest.approx((39.90865673957631, 116.39762729119315), abs=1e-5)
    assert gcj02_to_bd09(39.915, 116.404) == pytest.approx((39.92133699351021, 116.41036949371029), abs=1e-9)
    assert wgs84_to_gcj02(39.915, 116.404) == pytest.approx((39.91640428150164, 116.41024449916938), abs=1e-9)


@pytest.mark.parametrize(
    ("bd_lat", "bd_lon", "w_lat", "w_lon"),
    [
        (29.199786, 120.019809, 29.196131605295484, 120.00877901149691),
        (29.210504, 120.036455, 29.206795749156136, 120.0253853970846),
    ],
)
def test_baidu_answer_lands_within_tens_of_metres_of_the_gps_position(bd_lat, bd_lon, w_lat, w_lon):
    # Pairs observed from Baidu's service: the public formula is known to be good to ~50 m.
    lat, lon = bd09_to_wgs84(bd_lat, bd_lon)
    assert great_circle_km(lat, lon, w_lat, w_lon) < 0.05


def test_an_unconverted_pin_in_xinye_would_be_hundreds_of_metres_off():
    lat, lon = wgs84_to_gcj02(32.52, 112.36)
    assert 0.1 < great_circle_km(32.52, 112.36, lat, lon) < 1.0
    b_lat, b_lon = wgs84_to_bd09(32.52, 112.36)
    assert great_circle_km(32.52, 112.36, b_lat, b_lon) > great_circle_km(32.52, 112.36, lat, lon)


def test_points_outside_china_are_left_alone():
    assert out_of_china(51.5, -0.12)
    assert wgs84_to_gcj02(51.5, -0.12) == (51.5, -0.12)
    assert gcj02_to_wgs84(51.5, -0.12) == (51.5, -0.12)
    assert bd09_to_wgs84(51.5, -0.12) == (51.5, -0.12)


china_lat = st.floats(min_value=18.0, max_value=53.0)
china_lon = st.floats(min_value=74.0, max_value=134.0)


@settings(deadline=None, max_examples=200)
@given(china_lat, china_lon)
def test_gcj02_round_trip_is_exact_to_a_micro_degree(lat, lon):
    back = gcj02_to_wgs84(*wgs84_to_gcj02(lat, lon))
    assert back == pytest.approx((lat, lon), abs=1e-6)


@settings(deadline=None, max_examples=200)
@given(china_lat, china_lon)
def test_bd09_round_trip_is_exact_to_a_micro_degree(lat, lon):
    back = bd09_to_wgs84(*wgs84_to_bd09(lat, lon))
    assert back == pytest.approx((lat, lon), abs=1e-6)
