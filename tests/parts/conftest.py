"""Parts fixtures: the demo organisations with their catalog, and a helper that checks the
ledger's invariants — the company holds what came in minus what went out, and every kept stock
balance is the sum of its place's movements."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from dispatch.parts.models import EXTERNAL, HELD, StockLocation, StockMove


def company_balance(session, org_id: int) -> tuple[int, int]:
    """(sum of on-hand over held places, receipts from outside − what left to the outside)."""
    src = sa.orm.aliased(StockLocation)
    dst = sa.orm.aliased(StockLocation)
    rows = session.execute(
        sa.select(src.kind, dst.kind, sa.func.sum(StockMove.quantity))
        .join(src, src.id == StockMove.from_location_id)
        .join(dst, dst.id == StockMove.to_location_id)
        .where(StockMove.org_id == org_id)
        .group_by(src.kind, dst.kind)
    )
    held_total = flow = 0
    for source, target, qty in rows:
        qty = int(qty)
        if target in HELD:
            held_total += qty
        if source in HELD:
            held_total -= qty
        if source in EXTERNAL and target in HELD:
            flow += qty
        if source in HELD and target in EXTERNAL:
            flow -= qty
    return held_total, flow


@pytest.fixture
def balanced(db):
    def check(org_id: int) -> None:
        from dispatch.parts import ledger
        from dispatch.parts.models import Part

        held_total, flow = company_balance(db, org_id)
        assert held_total == flow
        on_hand_total = 0
        for loc in db.scalars(sa.select(StockLocation).where(StockLocation.org_id == org_id)):
            stock = ledger.on_hand(db, loc.id)
            if loc.kind in HELD:
                assert all(q >= 0 for q in stock.values()), (loc.code, stock)
                on_hand_total += sum(stock.values())
        assert on_hand_total == flow
        # The kept balances (what on-hand reads) are the sum of the movements, place by place.
        assert ledger.check_balances(db, org_id) == []
        assert db.scalar(sa.select(sa.func.count()).select_from(Part)) is not None

    return check
