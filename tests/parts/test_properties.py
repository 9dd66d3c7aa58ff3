"""Any sequence of documents — accepted or refused — leaves the ledger balanced: the company
holds what came in minus what went out, no held place is below zero, and every kept stock
balance equals the sum of its place's movements."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dispatch.assign.models import Technician
from dispatch.parts import catalog, closing, documents, jobs, ledger, locations, returns
from dispatch.parts.errors import PartsError
from dispatch.parts.models import StockBalance, StockMove
from dispatch.parts.returns_models import Disposition, ReturnedPart
from tests.factories import make_order

PARTS = ["P-1001", "V-2001", "M-3001", "C-4001"]
TECHS = ["XY-T01", "XY-T03"]

step = st.one_of(
    st.tuples(st.just("receive"), st.sampled_from(PARTS), st.integers(-2, 30)),
    st.tuples(st.just("requisition"), st.sampled_from(PARTS), st.integers(-1, 60), st.sampled_from(TECHS)),
    st.tuples(st.just("consume"), st.sampled_from(PARTS), st.integers(1, 5), st.sampled_from(TECHS)),
    st.tuples(st.just("back"), st.sampled_from(PARTS), st.integers(1, 5), st.sampled_from(TECHS)),
    st.tuples(st.just("return"), st.sampled_from(PARTS), st.sampled_from(["", "S1", "S2", "S3"])),
    st.tuples(st.just("count"), st.sampled_from(PARTS), st.integers(0, 80)),
    st.tuples(st.just("dispose"), st.sampled_from(["scrap", "refurbish"])),
)


@pytest.fixture
def county_shop(demo, db):
    order = make_order(demo.xinye)
    db.commit()
    return demo, order


def _apply(db, demo, order, action):
    org = demo.xinye.id
    kind, *args = action
    clerk, supervisor = demo.users["warehouse"], demo.users["supervisor"]

    def tech(code):
        return db.scalar(sa.select(Technician).where(Technician.code == code))

    if kind == "receive":
        part = catalog.find(db, org, args[0])
        documents.receive_goods(db, org, part.supplier, [(part, args[1])], clerk)
    elif kind == "requisition":
        part = catalog.find(db, org, args[0])
        doc = documents.request_parts(db, tech(args[2]), order, [(part, args[1])])
        documents.approve(db, doc, supervisor)
        documents.issue(db, doc, clerk)
    elif kind == "consume":
        line = jobs.ReportLine(args[0], args[1], old_part_returns=True)
        jobs.book_consumption(db, order, [line], report_id=None, technician=tech(args[2]))
    elif kind == "back":
        part = catalog.find(db, org, args[0])
        van = locations.of_technician(db, tech(args[2]))
        documents.transfer(db, van, locations.warehouse(db, org), [(part, args[1])], clerk, "unused")
    elif kind == "return":
        returns.receive(db, org, args[0], args[1] or None, clerk)
    elif kind == "count":
        part = catalog.find(db, org, args[0])
        documents.stock_count(db, locations.warehouse(db, org), {part: args[1]}, "count", clerk)
    elif kind == "dispose":
        waiting = db.scalars(
            sa.select(ReturnedPart).where(ReturnedPart.disposition == Disposition.PENDING)
        ).first()
        if waiting is not None:
            closing.dispose(db, waiting, Disposition(args[0]), clerk)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(actions=st.lists(step, min_size=1, max_size=12))
def test_any_sequence_of_documents_keeps_the_ledger_balanced(county_shop, db, balanced, actions):
    demo, order = county_shop
    for action in actions:
        try:
            with db.begin_nested():
                _apply(db, demo, order, action)
        except PartsError:
            pass
        balanced(demo.xinye.id)
        assert _kept(db) == _summed(db)
    db.commit()
    assert ledger.check_balances(db) == []


def _kept(db) -> dict[tuple[int, int], int]:
    rows = db.execute(sa.select(StockBalance.location_id, StockBalance.part_id, StockBalance.qty))
    return {(loc, part): qty for loc, part, qty in rows if qty}


def _summed(db) -> dict[tuple[int, int], int]:
    """Each place's movements in minus out, per part, added up here from the rows themselves."""
    total: dict[tuple[int, int], int] = {}
    for move in db.scalars(sa.select(StockMove)):
        for key, sign in (
            ((move.to_location_id, move.part_id), 1),
            ((move.from_location_id, move.part_id), -1),
        ):
            total[key] = total.get(key, 0) + sign * move.quantity
    return {key: qty for key, qty in total.items() if qty}
