"""The kept stock balances: on-hand reads them, every ledger write keeps them, the migration
back-fills them from the movements, and `dispatch parts check-balances` proves them."""

from __future__ import annotations

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from dispatch.parts import catalog, documents, ledger, locations
from dispatch.parts.ledger import BulkMove
from dispatch.parts.models import DocKind, DocState, StockBalance, StockLocation


def _held(db, org):
    return {
        loc.id for loc in db.scalars(sa.select(StockLocation).where(StockLocation.org_id == org)) if loc.held
    }


def test_every_write_path_keeps_the_balance(demo, db, balanced):
    org = demo.xinye.id
    clerk = demo.users["warehouse"]
    warehouse = locations.warehouse(db, org)
    supplier = locations.supplier(db, org, "balance supplier")
    clamp = catalog.find(db, org, "P-1001")
    before = ledger.on_hand_of(db, warehouse.id, clamp.id)
    documents.receive_goods(db, org, supplier, [(clamp, 5)], clerk)  # ledger.move_many
    assert ledger.on_hand_of(db, warehouse.id, clamp.id) == before + 5
    doc = ledger.new_document(db, org, DocKind.RECEIPT, DocState.BOOKED)
    ledger.move_bulk(
        db, org, ledger.today(), [BulkMove(clamp.id, supplier.id, warehouse.id, 3, doc.id)], _held(db, org)
    )
    db.commit()
    assert ledger.on_hand_of(db, warehouse.id, clamp.id) == before + 8
    balanced(org)


def test_a_drifted_balance_is_found_and_the_command_exits_1(demo, db, runner):
    org = demo.xinye.id
    result = runner.invoke(args=["parts", "check-balances", "--org", "xinye"])
    assert result.exit_code == 0, result.output
    assert "agree" in result.output
    warehouse = locations.warehouse(db, org)
    clamp = catalog.find(db, org, "P-1001")
    db.execute(
        sa.update(StockBalance)
        .where(StockBalance.location_id == warehouse.id, StockBalance.part_id == clamp.id)
        .values(qty=StockBalance.qty + 1)
    )
    db.commit()
    result = runner.invoke(args=["parts", "check-balances"])
    assert result.exit_code == 1
    assert f"{warehouse.code}\tP-1001\t" in result.output
    [difference] = ledger.check_balances(db, org)
    assert difference.balance == difference.movements + 1
    # The other organisation's balances are untouched: checked alone, it agrees.
    assert runner.invoke(args=["parts", "check-balances", "--org", "zycoach"]).exit_code == 0
    assert runner.invoke(args=["parts", "check-balances", "--org", "nobody"]).exit_code == 2


def test_the_migration_back_fills_the_balances_from_the_movements(demo, db, app):
    org = demo.xinye.id
    warehouse_id = locations.warehouse(db, org).id
    expected = ledger.on_hand(db, warehouse_id)
    assert expected
    db.commit()
    db.close()
    try:
        downgrade(revision="0015")  # drops stock_balance; the movements stay
        upgrade(revision="0017")  # creates it again, filled from the movements
    finally:
        upgrade()
    assert ledger.on_hand(db, warehouse_id) == expected
    assert ledger.check_balances(db) == []
