"""The spare-parts ledger: catalog, stock locations, movements and the documents behind them.

Double entry: every movement is one row from a location to another. On-hand is what came in
minus what went out; ``stock_balance`` keeps that sum per place and part, written in the same
transaction as the movements by the ledger (its only writer) and proved equal to the sum of the
movements by ``ledger.check_balances`` (``dispatch parts check-balances``).
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dispatch import clock
from dispatch.extensions import db


class LocationKind(enum.StrEnum):
    WAREHOUSE = "warehouse"
    VAN = "van"
    STATION = "station"
    RETURNS = "returns"
    SCRAP = "scrap"
    SUPPLIER = "supplier"
    CUSTOMER = "customer"
    ADJUSTMENT = "adjustment"


#: Locations that hold the company's stock: they never go below zero.
HELD = frozenset({LocationKind.WAREHOUSE, LocationKind.VAN, LocationKind.STATION, LocationKind.RETURNS})
#: Where parts come from or go to outside the company (sources may go negative, sinks only grow).
EXTERNAL = frozenset(set(LocationKind) - HELD)


class Part(db.Model):
    """A catalog entry of one organisation."""

    __tablename__ = "part"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    number: Mapped[str] = mapped_column(sa.String(40))
    name_zh: Mapped[str] = mapped_column(sa.String(120))
    name_en: Mapped[str] = mapped_column(sa.String(120))
    #: Short words technicians use for it by SMS ("阀门", "clamp"), separated by spaces.
    nicknames: Mapped[str] = mapped_column(sa.String(200), default="")
    spec: Mapped[str] = mapped_column(sa.String(200), default="")
    unit: Mapped[str] = mapped_column(sa.String(20), default="pc")
    supplier_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stock_location.id"))
    #: Unit cost in fen (1/100 yuan): integers never round.
    unit_cost_cents: Mapped[int] = mapped_column(default=0)
    #: The old part must come back to the warehouse when this part is fitted.
    returns_required: Mapped[bool] = mapped_column(default=False)
    #: A 三包 (warranty) part: defective returns can be claimed from the supplier.
    warranty: Mapped[bool] = mapped_column(default=False)
    serial_tracked: Mapped[bool] = mapped_column(default=False)

    supplier: Mapped[StockLocation | None] = relationship(foreign_keys=[supplier_id])

    __table_args__ = (sa.UniqueConstraint("org_id", "number", name="uq_part_org_number"),)

    def name(self, locale: str) -> str:
        return self.name_zh if locale.startswith("zh") else self.name_en


class StockLocation(db.Model):
    __tablename__ = "stock_location"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    kind: Mapped[LocationKind] = mapped_column(sa.Enum(LocationKind, native_enum=False, length=20))
    code: Mapped[str] = mapped_column(sa.String(40))
    name: Mapped[str] = mapped_column(sa.String(120))
    #: The technician whose van this is, or the service station (a technician row of kind station).
    technician_id: Mapped[int | None] = mapped_column(sa.ForeignKey("technician.id"), unique=True)

    technician = relationship("Technician")

    __table_args__ = (sa.UniqueConstraint("org_id", "code", name="uq_stock_location_org_code"),)

    @property
    def held(self) -> bool:
        return self.kind in HELD


class DocKind(enum.StrEnum):
    RECEIPT = "receipt"  #: 备用件接收单: supplier → warehouse
    REQUISITION = "requisition"  #: 领料单: asked, approved, issued warehouse → van
    FIELD_PURCHASE = "field_purchase"  #: bought in the field, booked in against its receipt
    CONSUMPTION = "consumption"  #: van → customer, from a submitted service report
    RETURN_RECEIPT = "return_receipt"  #: customer → returns shelf
    SHIPMENT = "shipment"  #: warehouse → service station, postage signed off
    STOCK_COUNT = "stock_count"  #: adjusting entries with a reason
    TRANSFER = "transfer"  #: between held locations (van back to the warehouse)
    WRITE_OFF = "write_off"  #: 销帐 of what was issued for a job
    DISPOSITION = "disposition"  #: a returned part scrapped, claimed or restocked


class DocState(enum.StrEnum):
    DRAFT = "draft"
    REQUESTED = "requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    BOOKED = "booked"
    VOID = "void"


class PartDocument(db.Model):
    """One document of the warehouse; its movements are the ``StockMove`` rows pointing at it."""

    __tablename__ = "part_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    kind: Mapped[DocKind] = mapped_column(sa.Enum(DocKind, native_enum=False, length=20))
    number: Mapped[str] = mapped_column(sa.String(30), unique=True)
    state: Mapped[DocState] = mapped_column(sa.Enum(DocState, native_enum=False, length=20))
    work_order_id: Mapped[int | None] = mapped_column(sa.ForeignKey("work_order.id"), index=True)
    technician_id: Mapped[int | None] = mapped_column(sa.ForeignKey("technician.id"), index=True)
    #: The van or station the document concerns (issue target, consumption source, count place).
    location_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stock_location.id"))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    #: The service report behind a consumption (its id; the report owns its part lines).
    report_id: Mapped[int | None] = mapped_column(index=True)
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    #: A write-off without a signed report or without the old part: the documented exception.
    exception: Mapped[bool] = mapped_column(default=False)
    #: Postage and freight of a shipment, in fen; signed off by the handler and a supervisor.
    postage_cents: Mapped[int] = mapped_column(default=0)
    handler_signed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    supervisor_signed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    #: The accounting day; in an open month always.
    booked_on: Mapped[date] = mapped_column(sa.Date)
    #: A late document's own date, when it fell in a month already closed.
    original_on: Mapped[date | None] = mapped_column(sa.Date)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)

    lines: Mapped[list[DocumentLine]] = relationship(
        back_populates="document", order_by="DocumentLine.id", cascade="all, delete-orphan"
    )
    moves: Mapped[list[StockMove]] = relationship(back_populates="document", order_by="StockMove.id")
    location: Mapped[StockLocation | None] = relationship(foreign_keys=[location_id])
    work_order = relationship("WorkOrder")
    technician = relationship("Technician")

    __table_args__ = (sa.Index("ix_part_document_org_kind_state", "org_id", "kind", "state"),)


class DocumentLine(db.Model):
    """What a document asks for or states (a requisition's parts, a report's consumption); the
    movements say what was booked."""

    __tablename__ = "part_document_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("part_document.id"), index=True)
    part_id: Mapped[int | None] = mapped_column(sa.ForeignKey("part.id"))
    #: As written (a report line may name a part the catalog does not know).
    part_number: Mapped[str] = mapped_column(sa.String(40))
    quantity: Mapped[int]
    #: What the ledger booked for this line (a consumption beyond the van's stock books less).
    booked_quantity: Mapped[int] = mapped_column(default=0)
    serial: Mapped[str | None] = mapped_column(sa.String(60))
    note: Mapped[str] = mapped_column(sa.Text, default="")

    document: Mapped[PartDocument] = relationship(back_populates="lines")
    part: Mapped[Part | None] = relationship()


class StockMove(db.Model):
    """One movement of ``quantity`` units of a part from a location to another."""

    __tablename__ = "stock_move"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"))
    part_id: Mapped[int] = mapped_column(sa.ForeignKey("part.id"))
    from_location_id: Mapped[int] = mapped_column(sa.ForeignKey("stock_location.id"))
    to_location_id: Mapped[int] = mapped_column(sa.ForeignKey("stock_location.id"))
    quantity: Mapped[int]
    document_id: Mapped[int | None] = mapped_column(sa.ForeignKey("part_document.id"), index=True)
    work_order_id: Mapped[int | None] = mapped_column(sa.ForeignKey("work_order.id"))
    reason: Mapped[str] = mapped_column(sa.String(200), default="")
    serial: Mapped[str | None] = mapped_column(sa.String(60))
    booked_on: Mapped[date] = mapped_column(sa.Date)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    document: Mapped[PartDocument | None] = relationship(back_populates="moves")
    part: Mapped[Part] = relationship()
    from_location: Mapped[StockLocation] = relationship(foreign_keys=[from_location_id])
    to_location: Mapped[StockLocation] = relationship(foreign_keys=[to_location_id])
    work_order = relationship("WorkOrder")

    __table_args__ = (
        sa.CheckConstraint("quantity > 0", name="positive"),
        sa.CheckConstraint("from_location_id <> to_location_id", name="two_places"),
        # On-hand of one location: index-only sums of what came in and what went out.
        sa.Index("ix_stock_move_in", "to_location_id", "part_id", "quantity"),
        sa.Index("ix_stock_move_out", "from_location_id", "part_id", "quantity"),
        # A month's reconciliation, from the indexes alone: the jobs that moved parts in the
        # month, then every movement of those jobs up to the month's end.
        sa.Index("ix_stock_move_org_booked_job", "org_id", "booked_on", "work_order_id"),
        sa.Index("ix_stock_move_job", "work_order_id", "booked_on", "document_id", "part_id", "quantity"),
    )


class StockBalance(db.Model):
    """What a place holds of a part: the sum of its movements in minus out, kept by the ledger in
    the same transaction as every movement (``ledger.move_many``, ``ledger.move_bulk``)."""

    __tablename__ = "stock_balance"

    location_id: Mapped[int] = mapped_column(sa.ForeignKey("stock_location.id"), primary_key=True)
    part_id: Mapped[int] = mapped_column(sa.ForeignKey("part.id"), primary_key=True)
    qty: Mapped[int] = mapped_column(default=0)
