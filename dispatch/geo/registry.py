"""The customer/asset registry as a geopy geocoder: a water-meter account or a vehicle's VIN
named anywhere in a text gives the place the registry holds for it."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from geopy.geocoders.base import Geocoder
from geopy.location import Location
from sqlalchemy.orm import Session

from dispatch.geo.gazetteer import _OfflineAdapter
from dispatch.geo.models import AssetKind, Customer
from dispatch.geo.naming import owner_base

#: A VIN: 17 characters, digits and capitals without I, O and Q.
VIN = re.compile(r"(?<![A-Z0-9])[A-HJ-NPR-Z0-9]{17}(?![A-Z0-9])")
#: Anything that may be an account number: letters and digits with dashes, at least 6 long.
ACCOUNT = re.compile(r"(?<![A-Z0-9-])[A-Z0-9][A-Z0-9-]{4,}[A-Z0-9](?![A-Z0-9-])")
_FULL_WIDTH = {0xFF10 + i: str(i) for i in range(10)} | {0xFF0D: "-", 0x2014: "-", 0x2013: "-"}


def account_tokens(text: str) -> list[str]:
    """The VINs and account-like tokens in ``text`` (upper-cased), VINs first."""
    upper = (text or "").translate(_FULL_WIDTH).upper()
    upper = upper.translate({ord(c): ord(c) - 0xFEE0 for c in set(upper) if "\uff21" <= c <= "\uff3a"})
    vins = VIN.findall(upper)
    others = [t for t in ACCOUNT.findall(upper) if t not in vins and any(ch.isdigit() for ch in t)]
    return vins + others


class RegistryGeocoder(Geocoder):
    """Look accounts and VINs up in one organisation's registry (the ``customer`` table).

    ``geocode(text)`` answers a Location whose ``raw`` is ``{"source": "registry", "precision":
    "building" (a meter's address) or "vehicle" (a coach's last known base), "customer_id": …}``.
    """

    def __init__(self, session: Session, org_id: int) -> None:
        super().__init__(adapter_factory=_OfflineAdapter)
        self.session = session
        self.org_id = org_id

    def geocode(self, query: str, exactly_one: bool = True, timeout: float | None = None) -> Any:
        tokens = account_tokens(query)
        if not tokens:
            return None
        found = self.session.scalars(
            sa.select(Customer).where(
                Customer.org_id == self.org_id,
                sa.func.upper(Customer.account).in_(tokens),
                Customer.lat.is_not(None),
            )
        ).all()
        found.sort(key=lambda c: tokens.index(c.account.upper()))
        locations = [self._location(c) for c in found]
        if not locations:
            return None
        return locations[0] if exactly_one else locations

    @staticmethod
    def _location(customer: Customer) -> Location:
        precision = "vehicle" if customer.kind is AssetKind.VEHICLE else "building"
        raw = {
            "source": "registry",
            "precision": precision,
            "customer_id": customer.id,
            "account": customer.account,
        }
        label = customer.address or owner_base(customer) or customer.account
        return Location(label, (customer.lat, customer.lon), raw)
