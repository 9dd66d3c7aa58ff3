"""The ledger's bulk form (history imports, the benchmark): the same rules as single movements,
checked for the whole batch — and on PostgreSQL its COPY writes the same rows as the insert."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from dispatch.parts import catalog, ledger, locations
from dispatch.parts.errors import NotEnoughStock, PartsError
from dispatch.parts.ledger import BulkMove
from dispatch.parts.models import DocKind, DocState, StockLocation, StockMove


def _setup(db, demo):
    org = demo.xinye.id
    warehouse = locations.warehouse(db, org)
    supplier = locations.supplier(db, org, "bulk supplier")
    van = db.scalar(sa.select(StockLocation).where(StockLocation.org_id == org, StockLocation.kind == "van"))
    held = {
        loc.id for loc in db.scalars(sa.select(StockLocation).where(StockLocation.org_id == org)) if loc.held
    }
    doc = ledger.new_document(db, org, DocKind.RECEIPT, DocState.BOOKED)
    return org, warehouse, supplier, van, held, doc


def _count(db):
    return db.scalar(sa.select(sa.func.count()).select_from(StockMove))


def test_a_batch_is_booked_whole_and_balanced(demo, db, balanced):
    org, warehouse, supplier, van, held, doc = _setup(db, demo)
    clamp = catalog.find(db, org, "P-1001")
    before_w = ledger.on_hand_of(db, warehouse.id, clamp.id)
    van_before = ledger.on_hand_of(db, van.id, clamp.id)
    # A batch draws on the stock as it stood before it: all of it may go, no more.
    written = ledger.move_bulk(
        db,
        org,
        ledger.today(),
        [
            BulkMove(clamp.id, supplier.id, warehouse.id, 7, doc.id),
            BulkMove(clamp.id, warehouse.id, van.id, before_w, doc.id, None),
        ],
        held,
    )
    db.commit()
    assert written == 2
    assert ledger.on_hand_of(db, warehouse.id, clamp.id) == 7
    assert ledger.on_hand_of(db, van.id, clamp.id) == van_before + before_w
    rows = list(
        db.scalars(sa.select(StockMove).where(StockMove.document_id == doc.id).order_by(StockMove.id))
    )
    assert [(m.quantity, m.booked_on, m.reason) for m in rows] == [
        (7, ledger.today(), ""),
        (before_w, ledger.today(), ""),
    ]
    balanced(org)


def test_a_batch_that_would_empty_a_shelf_below_zero_writes_nothing(demo, db, balanced):
    org, warehouse, supplier, van, held, doc = _setup(db, demo)
    clamp = catalog.find(db, org, "P-1001")
    have = ledger.on_hand_of(db, warehouse.id, clamp.id)
    db.commit()
    before = _count(db)
    with pytest.raises(NotEnoughStock):
        ledger.move_bulk(
            db,
            org,
            ledger.today(),
            [
                BulkMove(clamp.id, warehouse.id, van.id, have, doc.id),
                BulkMove(clamp.id, warehouse.id, van.id, 1, doc.id),
            ],
            held,
        )
    db.rollback()
    with pytest.raises(PartsError):
        ledger.move_bulk(db, org, ledger.today(), [BulkMove(clamp.id, supplier.id, van.id, 0, doc.id)], held)
    db.rollback()
    assert _count(db) == before
    balanced(org)
