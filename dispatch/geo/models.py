"""Places the system knows: depots and service stations, and the customer/asset registry."""

from __future__ import annotations

import enum
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.extensions import db


class SiteKind(enum.StrEnum):
    DEPOT = "depot"
    SERVICE_STATION = "service_station"


class Depot(db.Model):
    """A depot or partner service station, synchronised from config/service_area.geojson."""

    __tablename__ = "depot"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    kind: Mapped[SiteKind] = mapped_column(sa.Enum(SiteKind, native_enum=False, length=20))
    name_zh: Mapped[str] = mapped_column(sa.String(200))
    name_en: Mapped[str] = mapped_column(sa.String(200))
    lat: Mapped[float]
    lon: Mapped[float]
    duty_phone: Mapped[str | None] = mapped_column(sa.String(20))


class AssetKind(enum.StrEnum):
    METER = "meter"
    VEHICLE = "vehicle"


class Customer(db.Model):
    """The customer/asset registry: a water-meter account or a vehicle by VIN, with its place.

    For vehicles it holds what the 三包 warranty check needs: model, sale date and mileage.
    """

    __tablename__ = "customer"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    kind: Mapped[AssetKind] = mapped_column(sa.Enum(AssetKind, native_enum=False, length=20))
    #: Meter account number or VIN.
    account: Mapped[str] = mapped_column(sa.String(40))
    holder: Mapped[str] = mapped_column(sa.String(200))
    phone: Mapped[str | None] = mapped_column(sa.String(20))
    address: Mapped[str | None] = mapped_column(sa.String(300))
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    model: Mapped[str | None] = mapped_column(sa.String(60))
    sale_date: Mapped[date | None]
    mileage_km: Mapped[int | None]
    base_city: Mapped[str | None] = mapped_column(sa.String(60))

    __table_args__ = (sa.UniqueConstraint("org_id", "account", name="uq_customer_org_account"),)
