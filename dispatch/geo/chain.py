"""The geocoding chain (DESIGN.md §3): where is this report?

1. coordinates given (a form's pin, Open311 lat/long, a phone's position);
2. the customer/asset registry: a water-meter account or a VIN in the account field or the text;
3. the offline gazetteer (config/gazetteer.csv);
4. an external geopy provider, when ``[geocoder] provider`` is set;
5. otherwise nothing: the caller moves the order to ``needs_location`` and a dispatcher pins it.

Each answer says where it came from and how precise it is; both are stored on the order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from geopy.location import Location
from sqlalchemy.orm import Session

from dispatch.errors import DomainError
from dispatch.geo import external
from dispatch.geo.distance import great_circle_km
from dispatch.geo.gazetteer import GazetteerGeocoder
from dispatch.geo.placing import check_coordinates
from dispatch.geo.registry import RegistryGeocoder
from dispatch.settings import CONFIG_DIR


@dataclass(frozen=True)
class Placement:
    lat: float
    lon: float
    #: given, pin, device, registry, gazetteer, geocoder:<provider>
    source: str
    #: pin, device, coordinates, building, vehicle, intersection, street, village, town, …
    precision: str
    #: The place as the source names it (the gazetteer's name, the registry's address).
    label: str | None = None
    customer_id: int | None = None


@lru_cache(maxsize=8)
def gazetteer(org_code: str) -> GazetteerGeocoder:
    return GazetteerGeocoder(CONFIG_DIR / "gazetteer.csv", org=org_code)


def _placement(location: Location) -> Placement:
    raw = location.raw
    return Placement(
        lat=location.latitude,
        lon=location.longitude,
        source=raw.get("source", "geocoder"),
        precision=raw.get("precision", "approximate"),
        label=location.address,
        customer_id=raw.get("customer_id"),
    )


#: How exact coordinates are, by where they came from: a pin is where a person clicked, a device
#: fix is a phone's location, coordinates given by a client say nothing of their accuracy.
COORDINATE_PRECISION = {"pin": "pin", "device": "device", "given": "coordinates"}
#: Coordinates this close to a place the chain knows by name or number are that place.
SAME_PLACE_M = 50.0
#: Coordinates this close to it are its own, filled in by the type-ahead (six decimals of a
#: degree are about 0.1 m): even a street's middle point, picked, is that street.
PICKED_M = 1.0


def _named_place(
    session: Session, org_id: int, org_code: str, account: str | None, address: str | None
) -> Placement | None:
    text = " ".join(t for t in (account, address) if t)
    if text.strip():
        found = RegistryGeocoder(session, org_id).geocode(text)
        if found is not None:
            return _placement(found)
    if address and address.strip():
        found = gazetteer(org_code).geocode(address)
        if found is not None:
            return _placement(found)
    return None


def locate(
    session: Session,
    *,
    org_id: int,
    org_code: str,
    lat: float | None = None,
    lon: float | None = None,
    coordinates_source: str = "given",
    account: str | None = None,
    address: str | None = None,
    config: Mapping[str, Any] | None = None,
) -> Placement | None:
    """The first link of the chain that knows the place, or None.

    Coordinates given must both be there and in range (``DomainError`` otherwise). ``account``
    and ``address`` may both be free text: accounts and VINs are looked for in either.
    """
    if lat is not None or lon is not None:
        if lat is None or lon is None:
            raise DomainError("Give both latitude and longitude, or neither.", field="lat")
        check_coordinates(lat, lon)
        given = Placement(
            lat, lon, coordinates_source, COORDINATE_PRECISION.get(coordinates_source, "coordinates")
        )
        known = _named_place(session, org_id, org_code, account, address)
        if known is None:
            return given
        # A street's point is only its middle: coordinates near it are better than the street.
        apart_m = great_circle_km(lat, lon, known.lat, known.lon) * 1000
        if apart_m <= PICKED_M or (apart_m <= SAME_PLACE_M and known.precision != "street"):
            # Coordinates filled in from a suggestion (a gazetteer place, a VIN picked in the
            # type-ahead): the place is the suggestion's, with its own source and precision.
            return known
        # Pinned somewhere else (a coach broken down on the road): the pin, still that asset's.
        return replace(given, customer_id=known.customer_id)
    known = _named_place(session, org_id, org_code, account, address)
    if known is not None:
        return known
    if address and address.strip():
        provider = external.configured(config or {})
        if provider is not None:
            found = provider.geocode(address)
            if found is not None:
                return _placement(found)
    return None
