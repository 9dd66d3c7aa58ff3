"""An external geocoder behind the offline links of the chain, when one is configured.

``[geocoder] provider`` chooses it: ``nominatim`` (OpenStreetMap, WGS-84) or ``baiduv3`` (Baidu
Maps, which answers in BD-09 — converted to WGS-84 here, as everything inside dispatch is).
Calls go through geopy's ``RateLimiter`` (at most one per ``min_delay_s``, errors swallowed: a
provider that is down means "not found", the report then waits for a pin). Answers outside the
configured ``bounds`` are refused: a street name that also exists in another province must not
send a crew there.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders import BaiduV3, Nominatim
from geopy.location import Location

from dispatch.geo import coords

#: Baidu's answer level (``result.level``) → our precision words.
_BAIDU_LEVELS = {
    "门址": "building",
    "门牌号": "building",
    "兴趣点": "landmark",
    "道路": "street",
    "道路交叉口": "intersection",
    "村庄": "village",
    "乡镇": "town",
}
_NOMINATIM_TYPES = {
    "house": "building",
    "building": "building",
    "amenity": "landmark",
    "road": "street",
    "village": "village",
    "hamlet": "village",
    "town": "town",
    "suburb": "town",
}


class BaiduV3At(BaiduV3):
    """BaiduV3 with the host configurable like geopy's other geocoders (``domain=``)."""

    def __init__(self, api_key: str, *, domain: str = "api.map.baidu.com", **kwargs: Any) -> None:
        super().__init__(api_key, **kwargs)
        self.api = f"{self.scheme}://{domain}{self.api_path}"
        self.reverse_api = f"{self.scheme}://{domain}{self.reverse_path}"


@dataclass
class ExternalGeocoder:
    """A configured provider: ``geocode(text)`` → a WGS-84 Location (raw carries source and
    precision) or None."""

    name: str
    datum: str
    call: Callable[..., Location | None]
    bounds: tuple[float, float, float, float] | None = None

    def geocode(self, query: str) -> Location | None:
        found = self.call(query)
        if found is None:
            return None
        lat, lon = found.latitude, found.longitude
        if self.datum == "bd09":
            lat, lon = coords.bd09_to_wgs84(lat, lon)
        elif self.datum == "gcj02":
            lat, lon = coords.gcj02_to_wgs84(lat, lon)
        if self.bounds:
            south, west, north, east = self.bounds
            if not (south <= lat <= north and west <= lon <= east):
                return None
        raw = found.raw if isinstance(found.raw, dict) else {}
        raw = {
            "source": f"geocoder:{self.name}",
            "precision": self._precision(raw),
            "provider_raw": raw,
        }
        return Location(found.address, (round(lat, 7), round(lon, 7)), raw)

    def _precision(self, raw: Mapping[str, Any]) -> str:
        if self.name == "baiduv3":
            return _BAIDU_LEVELS.get(str(raw.get("level", "")), "approximate")
        return _NOMINATIM_TYPES.get(str(raw.get("addresstype") or raw.get("type") or ""), "approximate")


def _bounds(text: str) -> tuple[float, float, float, float] | None:
    parts = [p.strip() for p in (text or "").split(",") if p.strip()]
    if len(parts) != 4:
        return None
    south, west, north, east = (float(p) for p in parts)
    return south, west, north, east


def build(config: Mapping[str, Any]) -> ExternalGeocoder | None:
    """The configured provider, or None when ``GEOCODER_PROVIDER`` is empty."""
    name = (config.get("GEOCODER_PROVIDER") or "").strip().lower()
    if not name:
        return None
    common: dict[str, Any] = {
        "scheme": config.get("GEOCODER_SCHEME") or "https",
        "timeout": float(config.get("GEOCODER_TIMEOUT_S", 5)),
        "user_agent": config.get("GEOCODER_USER_AGENT") or "dispatch-geocoder",
    }
    domain = (config.get("GEOCODER_DOMAIN") or "").strip()
    if name == "nominatim":
        geocoder = Nominatim(domain=domain or "nominatim.openstreetmap.org", **common)
        datum, method = "wgs84", geocoder.geocode
    elif name == "baiduv3":
        geocoder = BaiduV3At(
            config.get("GEOCODER_API_KEY") or "", domain=domain or "api.map.baidu.com", **common
        )
        datum, method = "bd09", geocoder.geocode
    else:
        raise ValueError(f"unknown geocoder provider {name!r} (nominatim or baiduv3)")
    limited = RateLimiter(
        method,
        min_delay_seconds=float(config.get("GEOCODER_MIN_DELAY_S", 1.0)),
        max_retries=1,
        error_wait_seconds=float(config.get("GEOCODER_MIN_DELAY_S", 1.0)),
        swallow_exceptions=True,
    )
    return ExternalGeocoder(name, datum, limited, _bounds(config.get("GEOCODER_BOUNDS", "")))


_cache: dict[tuple, ExternalGeocoder | None] = {}
_cache_lock = threading.Lock()


def configured(config: Mapping[str, Any]) -> ExternalGeocoder | None:
    """One provider per configuration and process, so the rate limit holds across requests."""
    key = tuple(str(config.get(k, "")) for k in sorted(config) if k.startswith("GEOCODER_"))
    with _cache_lock:
        if key not in _cache:
            _cache[key] = build(config)
        return _cache[key]
