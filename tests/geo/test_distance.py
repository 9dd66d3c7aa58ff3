"""Great-circle distances, the vectorised form used for ranking, and travel times."""

import numpy as np
import pytest

from dispatch.geo.distance import great_circle_km, haversine_km_many, travel_minutes

XINYE = (32.52, 112.36)
PLACES = [
    (32.6220, 112.4000),  # 王庄镇
    (32.3550, 112.4150),  # 上港乡
    (32.9907, 112.5283),  # 南阳
    (34.7466, 113.6254),  # 郑州
    (30.5928, 114.3055),  # 武汉
    (30.5728, 104.0668),  # 成都
    (38.0428, 114.5149),  # 石家庄
    (32.5201, 112.3601),  # a few metres away
]


def test_zhengzhou_to_wuhan_is_about_470_km():
    assert 455 < great_circle_km(34.7466, 113.6254, 30.5928, 114.3055) < 475


def test_distance_to_itself_is_zero():
    assert great_circle_km(*XINYE, *XINYE) == 0
    assert haversine_km_many(*XINYE, [XINYE[0]], [XINYE[1]])[0] == 0


def test_vectorised_distances_equal_the_scalar_ones():
    lats = np.array([p[0] for p in PLACES])
    lons = np.array([p[1] for p in PLACES])
    many = haversine_km_many(*XINYE, lats, lons)
    assert many.shape == (len(PLACES),)
    for (lat, lon), d in zip(PLACES, many, strict=True):
        assert d == pytest.approx(great_circle_km(*XINYE, lat, lon), rel=0.005, abs=1e-6)


def test_vectorised_distances_accept_plain_lists():
    assert haversine_km_many(*XINYE, [32.6220], [112.4000])[0] == pytest.approx(
        great_circle_km(*XINYE, 32.6220, 112.4000), rel=0.005
    )


def test_travel_minutes_stretch_the_straight_line_by_the_road_factor():
    assert travel_minutes(10.0, 1.3, 40.0) == pytest.approx(19.5)
    assert travel_minutes(0.0, 1.3, 40.0) == 0


@pytest.mark.parametrize(("distance", "factor", "speed"), [(10, 1.3, 0), (10, 0.8, 40), (-1, 1.3, 40)])
def test_travel_minutes_refuses_impossible_settings(distance, factor, speed):
    with pytest.raises(ValueError):
        travel_minutes(distance, factor, speed)
