"""The ledger's rules on the demo catalog: stock moves only as far as it exists, every refusal
writes nothing, and the company always holds what came in minus what went out."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from dispatch.assign.models import Technician
from dispatch.parts import catalog, documents, ledger, locations
from dispatch.parts.errors import MonthClosed, NotEnoughStock, PartsError, UnknownPart
from dispatch.parts.models import StockMove


def _count(db):
    return db.scalar(sa.select(sa.func.count()).select_from(StockMove))


def test_the_demo_catalog_is_in_the_warehouse_and_balanced(demo, db, balanced):
    for org in (demo.xinye, demo.zycoach):
        warehouse = locations.warehouse(db, org.id)
        stock = ledger.on_hand(db, warehouse.id)
        assert sum(stock.values()) > 100
        balanced(org.id)
    clamp = catalog.find(db, demo.xinye.id, "p-1001")
    assert clamp.name_en == "Pipe repair clamp DN100"
    assert catalog.find(db, demo.xinye.id, "卡箍").number == "P-1001"


def test_an_unknown_part_number_suggests_the_nearest(demo, db):
    with pytest.raises(UnknownPart) as refused:
        catalog.find(db, demo.xinye.id, "P-1010")
    assert "P-1001" in refused.value.details["suggestions"]
    assert "P-1001" in refused.value.message


def test_issuing_more_than_on_hand_is_refused_and_writes_nothing(demo, db, balanced):
    tech = db.scalar(sa.select(Technician).where(Technician.code == "XY-T03"))
    cover = catalog.find(db, demo.xinye.id, "C-4001")
    requisition = documents.request_parts(db, tech, None, [(cover, 9)])
    documents.approve(db, requisition, demo.users["supervisor"])
    db.commit()
    before = _count(db)
    with pytest.raises(NotEnoughStock) as refused:
        documents.issue(db, requisition, demo.users["warehouse"])
    assert "8" in refused.value.message
    db.rollback()
    assert _count(db) == before
    balanced(demo.xinye.id)


@pytest.mark.parametrize("bad", [-1, 0, 1.5, "2.5", "x", True])
def test_a_negative_or_fractional_quantity_is_refused(demo, db, bad):
    tech = db.scalar(sa.select(Technician).where(Technician.code == "XY-T03"))
    clamp = catalog.find(db, demo.xinye.id, "P-1001")
    with pytest.raises(PartsError):
        documents.request_parts(db, tech, None, [(clamp, bad)])


def test_nobody_approves_their_own_requisition(demo, db):
    tech = db.scalar(sa.select(Technician).where(Technician.code == "XY-T03"))
    clamp = catalog.find(db, demo.xinye.id, "P-1001")
    supervisor = demo.users["supervisor"]
    requisition = documents.request_parts(db, tech, None, [(clamp, 1)], requested_by=supervisor)
    with pytest.raises(PartsError, match="自己"):
        documents.approve(db, requisition, supervisor)
    documents.approve(db, requisition, demo.users["night.supervisor"])
    documents.issue(db, requisition, demo.users["warehouse"])
    van = locations.of_technician(db, tech)
    assert ledger.on_hand_of(db, van.id, clamp.id) == 1


def test_a_month_is_closed_once_it_has_ended_and_then_refuses_entries(demo, db):
    from datetime import date, datetime
    from zoneinfo import ZoneInfo

    from dispatch import clock
    from dispatch.parts import closing

    this_month = ledger.today()
    month = ledger.month_of(this_month)
    with pytest.raises(PartsError, match="尚未结束"):
        closing.close_month(db, demo.xinye.id, month, demo.users["supervisor"])
    assert not ledger.is_closed(db, demo.xinye.id, month)

    first = date(this_month.year + this_month.month // 12, this_month.month % 12 + 1, 1)
    clock.freeze(datetime(first.year, first.month, first.day, 8, tzinfo=ZoneInfo("Asia/Shanghai")))
    closing.close_month(db, demo.xinye.id, month, demo.users["supervisor"])
    with pytest.raises(MonthClosed):
        ledger.book_date(db, demo.xinye.id, this_month)
    # Today's entries go on: the open month is the new one.
    clamp = catalog.find(db, demo.xinye.id, "P-1001")
    documents.receive_goods(db, demo.xinye.id, clamp.supplier, [(clamp, 1)], demo.users["warehouse"])


def test_a_stock_count_adjusts_with_its_reason(demo, db, balanced):
    warehouse = locations.warehouse(db, demo.xinye.id)
    clamp = catalog.find(db, demo.xinye.id, "P-1001")
    have = ledger.on_hand_of(db, warehouse.id, clamp.id)
    with pytest.raises(PartsError):
        documents.stock_count(db, warehouse, {clamp: have - 2}, "", demo.users["warehouse"])
    documents.stock_count(db, warehouse, {clamp: have - 2}, "two found damaged", demo.users["warehouse"])
    assert ledger.on_hand_of(db, warehouse.id, clamp.id) == have - 2
    balanced(demo.xinye.id)


def test_a_shipment_to_a_station_needs_two_signatures(demo, db, balanced):
    station = db.scalar(sa.select(Technician).where(Technician.code == "ZY-S05"))
    place = locations.of_technician(db, station)
    lamp = catalog.find(db, demo.zycoach.id, "L-2102")
    shipment = documents.ship_to_station(db, place, [(lamp, 3)], 4500, demo.users["coach.warehouse"])
    assert ledger.on_hand_of(db, place.id, lamp.id) == 3
    with pytest.raises(PartsError):
        documents.sign_postage(db, shipment, demo.users["coach.warehouse"])
    documents.sign_postage(db, shipment, demo.users["coach.supervisor"])
    assert shipment.state.value == "booked"
    balanced(demo.zycoach.id)


def test_a_late_report_is_booked_in_the_open_month_with_its_own_date(demo, db, balanced):
    from datetime import date, datetime
    from zoneinfo import ZoneInfo

    from dispatch import clock
    from dispatch.parts import closing, jobs
    from tests.factories import make_order

    tech = db.scalar(sa.select(Technician).where(Technician.code == "XY-T01"))  # opening stock on the van
    order = make_order(demo.xinye, assignee_id=tech.id)
    db.commit()
    this_month = ledger.today()
    next_month = date(this_month.year + this_month.month // 12, this_month.month % 12 + 1, 2)
    clock.freeze(
        datetime(next_month.year, next_month.month, next_month.day, 9, tzinfo=ZoneInfo("Asia/Shanghai"))
    )
    closing.close_month(db, demo.xinye.id, ledger.month_of(this_month), demo.users["warehouse"])
    db.commit()
    doc = jobs.book_consumption(
        db, order, [jobs.ReportLine("P-1001", 1)], report_id=None, technician=tech, on=this_month
    )
    assert (doc.booked_on, doc.original_on) == (next_month, this_month)
    assert {m.booked_on for m in doc.moves} == {next_month}
    balanced(demo.xinye.id)
