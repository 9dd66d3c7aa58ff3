"""Conversions between the coordinate systems Chinese map services answer in.

Everything inside dispatch is WGS-84 (what GPS and OpenStreetMap use). Chinese providers do not
answer in WGS-84: AMap (Gaode) and Tencent answer in GCJ-02, the obfuscated "Mars" datum that
Chinese law requires of published maps, and Baidu adds its own offset on top of that (BD-09).
Left unconverted, a pin lands a few hundred metres off — enough to send a technician to the
wrong side of the river.

The formulas are the well-known public ones (the "eviltransform" family); they reproduce
Baidu's own conversions to within a few tens of metres. Neither offset has a closed inverse, so
``gcj02_to_wgs84`` and ``bd09_to_gcj02`` iterate the forward transform until it agrees to better
than 1e-7 degrees (about a centimetre): converting there and back returns the same point.
Points outside mainland China's bounding box are returned unchanged, as the real services do.

Every function takes and returns ``(lat, lon)`` in degrees, in that order, like geopy.
"""

from __future__ import annotations

import math
from collections.abc import Callable

# Krasovsky 1940 ellipsoid: the semi-major axis and eccentricity squared of the GCJ-02 formula.
_A = 6378245.0
_EE = 0.00669342162296594323
# Baidu's BD-09 mixes in a rotation by this constant.
_X_PI = math.pi * 3000.0 / 180.0
# Stop iterating the inverse once both coordinates agree to this many degrees.
_INVERSE_TOLERANCE_DEG = 1e-7
_INVERSE_MAX_STEPS = 30

LatLon = tuple[float, float]


def out_of_china(lat: float, lon: float) -> bool:
    """True when the point is outside the rough box in which GCJ-02 is applied."""
    return not (72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _transform(x: float, y: float) -> LatLon:
    """The polynomial-and-sine offset of GCJ-02, in metres-like units before scaling."""
    xy = x * y
    abs_x = math.sqrt(abs(x))
    x_pi = x * math.pi
    y_pi = y * math.pi
    d = 20.0 * math.sin(6.0 * x_pi) + 20.0 * math.sin(2.0 * x_pi)
    lat = d + 20.0 * math.sin(y_pi) + 40.0 * math.sin(y_pi / 3.0)
    lon = d + 20.0 * math.sin(x_pi) + 40.0 * math.sin(x_pi / 3.0)
    lat += 160.0 * math.sin(y_pi / 12.0) + 320.0 * math.sin(y_pi / 30.0)
    lon += 150.0 * math.sin(x_pi / 12.0) + 300.0 * math.sin(x_pi / 30.0)
    lat *= 2.0 / 3.0
    lon *= 2.0 / 3.0
    lat += -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * xy + 0.2 * abs_x
    lon += 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * xy + 0.1 * abs_x
    return lat, lon


def _delta(lat: float, lon: float) -> LatLon:
    """The GCJ-02 offset in degrees at a WGS-84 point."""
    d_lat, d_lon = _transform(lon - 105.0, lat - 35.0)
    rad_lat = lat / 180.0 * math.pi
    magic = 1.0 - _EE * math.sin(rad_lat) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * math.pi)
    d_lon = (d_lon * 180.0) / (_A / sqrt_magic * math.cos(rad_lat) * math.pi)
    return d_lat, d_lon


def wgs84_to_gcj02(lat: float, lon: float) -> LatLon:
    """WGS-84 → GCJ-02 (what AMap and Tencent expect as input)."""
    if out_of_china(lat, lon):
        return lat, lon
    d_lat, d_lon = _delta(lat, lon)
    return lat + d_lat, lon + d_lon


def _invert(forward: Callable[[float, float], LatLon], lat: float, lon: float, guess: LatLon) -> LatLon:
    """Solve ``forward(x) == (lat, lon)`` by fixed-point iteration from ``guess``.

    The offsets vary slowly with position, so correcting the guess by the residual converges
    in two or three steps.
    """
    x_lat, x_lon = guess
    for _ in range(_INVERSE_MAX_STEPS):
        f_lat, f_lon = forward(x_lat, x_lon)
        err_lat, err_lon = lat - f_lat, lon - f_lon
        if abs(err_lat) < _INVERSE_TOLERANCE_DEG and abs(err_lon) < _INVERSE_TOLERANCE_DEG:
            break
        x_lat += err_lat
        x_lon += err_lon
    return x_lat, x_lon


def gcj02_to_wgs84(lat: float, lon: float) -> LatLon:
    """GCJ-02 → WGS-84: the exact inverse of ``wgs84_to_gcj02`` (to better than 1e-7°)."""
    if out_of_china(lat, lon):
        return lat, lon
    d_lat, d_lon = _delta(lat, lon)
    return _invert(wgs84_to_gcj02, lat, lon, (lat - d_lat, lon - d_lon))


def gcj02_to_bd09(lat: float, lon: float) -> LatLon:
    """GCJ-02 → BD-09 (what Baidu expects as input)."""
    if out_of_china(lat, lon):
        return lat, lon
    z = math.hypot(lon, lat) + 0.00002 * math.sin(lat * _X_PI)
    theta = math.atan2(lat, lon) + 0.000003 * math.cos(lon * _X_PI)
    return z * math.sin(theta) + 0.006, z * math.cos(theta) + 0.0065


def bd09_to_gcj02(lat: float, lon: float) -> LatLon:
    """BD-09 → GCJ-02 (Baidu's answers, one step towards WGS-84).

    The usual closed form is only an approximate inverse (about 0.1 m off); it serves as the
    first guess and is refined so that the conversion round-trips exactly.
    """
    if out_of_china(lat, lon):
        return lat, lon
    x = lon - 0.0065
    y = lat - 0.006
    z = math.hypot(x, y) - 0.00002 * math.sin(y * _X_PI)
    theta = math.atan2(y, x) - 0.000003 * math.cos(x * _X_PI)
    return _invert(gcj02_to_bd09, lat, lon, (z * math.sin(theta), z * math.cos(theta)))


def bd09_to_wgs84(lat: float, lon: float) -> LatLon:
    """BD-09 → WGS-84 (Baidu's answers, as dispatch stores them)."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lat, lon))


def wgs84_to_bd09(lat: float, lon: float) -> LatLon:
    """WGS-84 → BD-09."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lat, lon))
