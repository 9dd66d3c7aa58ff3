"""Distances and travel times between places.

Great-circle distance is enough for dispatch: the error against the ellipsoidal geodesic is
below 0.5 %, far less than the uncertainty of how a road winds, which the configured road factor
absorbs. ``haversine_km_many`` ranks hundreds of technicians or service stations in one numpy
pass; it uses the same mean Earth radius as geopy's ``great_circle`` so the two agree.
"""

from __future__ import annotations

import numpy as np
from geopy.distance import EARTH_RADIUS, great_circle
from numpy.typing import ArrayLike, NDArray


def great_circle_km(a_lat: float, a_lon: float, b_lat: float, b_lon: float) -> float:
    """Great-circle distance between two WGS-84 points, in kilometres."""
    return float(great_circle((a_lat, a_lon), (b_lat, b_lon)).km)


def haversine_km_many(lat: float, lon: float, lats: ArrayLike, lons: ArrayLike) -> NDArray[np.float64]:
    """Distances in kilometres from one point to many, vectorised.

    ``lats`` and ``lons`` are sequences or arrays of the same shape; the result has that shape.
    """
    lat1 = np.radians(lat)
    lat2 = np.radians(np.asarray(lats, dtype=np.float64))
    d_lat = lat2 - lat1
    d_lon = np.radians(np.asarray(lons, dtype=np.float64) - lon)
    h = np.sin(d_lat / 2.0) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin(d_lon / 2.0) ** 2
    # Rounding can push h a hair above 1 for antipodal points; arcsin would return NaN.
    return 2.0 * EARTH_RADIUS * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def travel_minutes(distance_km: float, road_factor: float, speed_kmh: float) -> float:
    """Expected driving time: the straight-line distance stretched by the road factor.

    ``road_factor`` (≥ 1, typically 1.3 in a county, 1.2 between cities) and ``speed_kmh`` (the
    zone's average speed) come from configuration. Raises ValueError on a non-positive speed or
    a road factor below 1, which would promise impossible arrival times.
    """
    if speed_kmh <= 0:
        raise ValueError(f"speed_kmh must be positive, got {speed_kmh}")
    if road_factor < 1:
        raise ValueError(f"road_factor must be at least 1, got {road_factor}")
    if distance_km < 0:
        raise ValueError(f"distance_km must not be negative, got {distance_km}")
    return distance_km * road_factor / speed_kmh * 60.0
