"""A name for a position that a technician can drive to — never bare coordinates alone.

In order of preference: a coach's registered owner and base city (when the coach is where the
registry has it), the nearest gazetteer place with the distance ("书院路与新华路交叉口附近120米",
"near Main St & 1st Ave, 120 m"), else the nearest depot or station with the distance and the
coordinates. Names are the data's own language.
"""

from __future__ import annotations

from typing import Any

from dispatch.geo.distance import great_circle_km
from dispatch.language import is_chinese

#: Closer than this to a gazetteer place, the place's own name is enough.
AT_PLACE_M = 30
#: A coach within this of its registered position is taken to be at its owner's base.
AT_BASE_KM = 1.0


def near(name: str, metres: float) -> str:
    """``name`` with how far it is: 120 m, 1.4 km; the name alone when within AT_PLACE_M."""
    if metres < AT_PLACE_M:
        return name
    if metres < 1000:
        distance = f"{round(metres, -1):.0f}"
        return f"{name}附近{distance}米" if is_chinese(name) else f"near {name}, {distance} m"
    km = f"{metres / 1000:.1f}" if metres < 100_000 else f"{metres / 1000:.0f}"
    return f"{name}附近{km}公里" if is_chinese(name) else f"near {name}, {km} km"


def owner_base(customer: Any) -> str | None:
    """A coach's owner and base city, as the registry has them ("信阳顺达…有限公司（信阳）")."""
    holder, city = getattr(customer, "holder", None), getattr(customer, "base_city", None)
    if not holder:
        return None
    return f"{holder}（{city}）" if city and is_chinese(holder) else f"{holder} ({city})" if city else holder


def place_name(org_code: str, lat: float, lon: float, *, customer: Any = None) -> str:
    """The name of the place at ``lat, lon`` for an order of ``org_code`` (see the module)."""
    from dispatch.geo.chain import gazetteer
    from dispatch.geo.placing import service_area

    at_base = (
        customer is not None
        and getattr(customer, "lat", None) is not None
        and great_circle_km(lat, lon, customer.lat, customer.lon) <= AT_BASE_KM
    )
    if at_base and (getattr(customer, "address", None) or owner_base(customer)):
        return customer.address or owner_base(customer)
    found = gazetteer(org_code).reverse((lat, lon), skip_kinds=("street",))
    if found is not None:
        return near(found.raw["name"], found.raw["distance_km"] * 1000)
    ranked = service_area().ranked(org_code, lat, lon, kinds=("depot", "service_station"))
    coordinates = f"{lat:.4f},{lon:.4f}"
    if ranked:
        site, km = ranked[0]
        return f"{near(site.name_zh, km * 1000)} ({coordinates})"
    return coordinates
