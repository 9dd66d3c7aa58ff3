"""The warehouse's pages over HTTP: who may see them, both languages, the exports."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
import sqlalchemy as sa

from dispatch.parts import catalog, documents, ledger, locations
from dispatch.parts.models import PartDocument

PAGES = [
    "/warehouse/",
    "/warehouse/returns",
    "/warehouse/requisitions",
    "/warehouse/stock",
    "/warehouse/close",
    "/warehouse/claims",
    "/warehouse/jobs/none",
]


def _login(client, username):
    return client.post("/login", data={"username": username, "password": "demo-pass"})


def test_the_warehouse_login_lands_on_the_warehouse(demo, client):
    answer = _login(client, "warehouse")
    assert answer.headers["Location"].endswith("/warehouse/")
    page = client.get("/warehouse/")
    assert page.status_code == 200
    assert "对账" in page.get_data(as_text=True)


@pytest.mark.parametrize("lang,word", [("en", "Reconciliation"), ("zh_Hans_CN", "对账")])
def test_every_page_answers_in_both_languages(demo, client, lang, word):
    _login(client, "warehouse")
    client.post(f"/language/{lang}")
    for path in PAGES[:-1]:
        page = client.get(path)
        assert page.status_code == 200, path
        assert word in page.get_data(as_text=True), path
    assert client.get(PAGES[-1]).status_code == 404


def test_a_dispatcher_is_refused_and_a_stranger_is_sent_to_log_in(demo, client):
    assert client.get("/warehouse/").status_code == 302
    _login(client, "dispatcher")
    for path in PAGES[:-1]:
        if path != "/warehouse/requisitions":  # a dispatcher may ask for parts for a technician
            assert client.get(path).status_code == 403, path


def test_another_organisations_document_does_not_exist(demo, client, db):
    clamp = catalog.find(db, demo.xinye.id, "P-1001")
    doc = documents.receive_goods(db, demo.xinye.id, clamp.supplier, [(clamp, 1)], demo.users["warehouse"])
    db.commit()
    _login(client, "coach.warehouse")
    assert client.get(f"/warehouse/documents/{doc.number}").status_code == 404
    client.post("/logout")
    _login(client, "warehouse")
    page = client.get(f"/warehouse/documents/{doc.number}").get_data(as_text=True)
    # A goods receipt prints in two copies.
    assert "仓库联" in page and "供应商联" in page


def test_a_goods_receipt_through_the_page(demo, client, db):
    _login(client, "warehouse")
    clamp = catalog.find(db, demo.xinye.id, "P-1001")
    warehouse = locations.warehouse(db, demo.xinye.id)
    before = ledger.on_hand_of(db, warehouse.id, clamp.id)
    answer = client.post(
        "/warehouse/receipts", data={"supplier": clamp.supplier_id, "part": "p-1001", "quantity": "5"}
    )
    assert answer.status_code == 302
    db.rollback()
    assert ledger.on_hand_of(db, warehouse.id, clamp.id) == before + 5
    bad = client.post(
        "/warehouse/receipts", data={"supplier": clamp.supplier_id, "part": "P-1001", "quantity": "1.5"}
    )
    assert bad.status_code == 422
    db.rollback()
    assert ledger.on_hand_of(db, warehouse.id, clamp.id) == before + 5


def test_the_exports_have_the_same_columns(demo, client, db):
    from openpyxl import load_workbook

    from dispatch.parts.reconciliation import COLUMNS

    _login(client, "warehouse")
    month = ledger.month_of(ledger.today())
    data = client.get(f"/warehouse/reconciliation.csv?month={month}").data
    assert data.startswith("\ufeff".encode())
    header = next(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert tuple(header) == COLUMNS
    book = load_workbook(io.BytesIO(client.get(f"/warehouse/reconciliation.xlsx?month={month}").data))
    headers = [c.value for c in next(book.active.iter_rows(max_row=1))]
    assert len(headers) == len(COLUMNS)
    assert headers[1] == "工单"
    assert client.get("/warehouse/reconciliation.csv?month=2026-13").status_code == 422


def test_a_catalog_spreadsheet_import(demo, client, db):
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["number", "name_zh", "name_en", "unit_cost", "returns_required", "supplier"])
    book.active.append(["P-9001", "测试卡箍", "Test clamp", "12.50", "是", "新供应商"])
    out = io.BytesIO()
    book.save(out)
    _login(client, "warehouse")
    answer = client.post(
        "/warehouse/catalog",
        data={"file": (io.BytesIO(out.getvalue()), "parts.xlsx")},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 302
    db.rollback()
    part = catalog.find(db, demo.xinye.id, "P-9001")
    assert (part.unit_cost_cents, part.returns_required, part.supplier.name) == (1250, True, "新供应商")
    assert db.scalar(sa.select(sa.func.count()).select_from(PartDocument)) > 0


def test_a_service_station_has_its_own_ledger_view(demo, client, db):
    from dispatch.assign.models import Technician

    station = db.scalar(sa.select(Technician).where(Technician.code == "ZY-S05"))
    place = locations.of_technician(db, station)
    lamp = catalog.find(db, demo.zycoach.id, "L-2102")
    shipment = documents.ship_to_station(db, place, [(lamp, 2)], 3000, demo.users["coach.warehouse"])
    db.commit()
    _login(client, "coach.warehouse")
    page = client.get(f"/warehouse/stock?location={place.id}").get_data(as_text=True)
    assert shipment.number in page and "L-2102" in page
    assert (
        client.get(f"/warehouse/stock?location={locations.warehouse(db, demo.xinye.id).id}").status_code
        == 404
    )


def test_parts_bought_in_the_field_are_booked_onto_the_van_against_their_receipt(demo, client, db):
    from dispatch.assign.models import Technician

    tech = db.scalar(sa.select(Technician).where(Technician.code == "XY-T05"))
    van = locations.of_technician(db, tech)
    gasket = catalog.find(db, demo.xinye.id, "G-5001")
    db.commit()
    _login(client, "warehouse")
    form = {"location": van.id, "supplier": gasket.supplier_id, "part": "胶圈", "quantity": "4", "cost": "26"}
    assert client.post("/warehouse/field-purchases", data=form).status_code == 422  # no receipt number
    answer = client.post("/warehouse/field-purchases", data={**form, "receipt": "FP-88231"})
    assert answer.status_code == 302
    db.rollback()
    assert ledger.on_hand_of(db, van.id, gasket.id) == 4


def test_a_dispatcher_asks_for_parts_for_a_technician_and_a_supervisor_approves(demo, client, db):
    from dispatch.assign.models import Technician

    tech = db.scalar(sa.select(Technician).where(Technician.code == "XY-T02"))
    van = locations.of_technician(db, tech)
    before = ledger.on_hand_of(db, van.id, catalog.find(db, demo.xinye.id, "P-1001").id)
    db.commit()
    _login(client, "dispatcher")
    assert client.get("/warehouse/requisitions").status_code == 200
    assert client.get("/warehouse/stock").status_code == 403
    bad = client.post(
        "/warehouse/requisitions", data={"technician": tech.id, "part": "P-1001", "quantity": "-3"}
    )
    assert bad.status_code == 422
    answer = client.post(
        "/warehouse/requisitions", data={"technician": tech.id, "part": "卡箍", "quantity": "3"}
    )
    assert answer.status_code == 302
    db.rollback()
    requisition = db.scalar(sa.select(PartDocument).where(PartDocument.technician_id == tech.id))
    assert [(line.part_number, line.quantity) for line in requisition.lines] == [("P-1001", 3)]
    client.post("/logout")
    _login(client, "supervisor")
    assert client.post(f"/warehouse/requisitions/{requisition.id}/approve").status_code == 302
    client.post("/logout")
    _login(client, "warehouse")
    assert client.post(f"/warehouse/requisitions/{requisition.id}/issue").status_code == 302
    db.rollback()
    assert ledger.on_hand_of(db, van.id, requisition.lines[0].part_id) == before + 3


def test_stock_opens_on_the_central_warehouse_and_ships_only_where_there_are_stations(demo, client, db):
    _login(client, "warehouse")
    client.post("/language/en")
    county = client.get("/warehouse/stock").get_data(as_text=True)
    assert "<h1>Stock: central warehouse</h1>" in county  # in the reader's language, named once
    client.post("/language/zh_Hans_CN")
    assert "<h1>库存：中心仓库</h1>" in client.get("/warehouse/stock").get_data(as_text=True)
    client.post("/language/en")
    assert "P-1001" in county  # the demo's opening stock is on its shelves
    assert "Shipment to a service station" not in county  # the county has no partner stations
    client.post("/logout")
    _login(client, "coach.warehouse")
    client.post("/language/en")
    assert "Shipment to a service station" in client.get("/warehouse/stock").get_data(as_text=True)


def test_the_close_page_offers_last_month_and_refuses_the_running_one(demo, client, db):
    this_month = ledger.month_of(ledger.today())
    first = ledger.today().replace(day=1)
    last_month = ledger.month_of(first - timedelta(days=1))
    _login(client, "warehouse")
    client.post("/language/en")
    page = client.get("/warehouse/close").get_data(as_text=True)
    assert f"Monthly close {last_month}" in page and f"Close {last_month}" in page
    running = client.get(f"/warehouse/close?month={this_month}").get_data(as_text=True)
    assert "has not ended" in running and f"Close {this_month}" not in running
    refused = client.post("/warehouse/close", data={"month": this_month}, follow_redirects=True)
    assert refused.status_code == 200 and "has not ended" in refused.get_data(as_text=True)
    assert not ledger.is_closed(db, demo.xinye.id, this_month)
    client.post("/language/zh_Hans_CN")
    report = client.get(f"/warehouse/close/{last_month}/report").get_data(as_text=True)
    assert "入库" in report and "收到时间" not in report


def test_the_close_page_lists_only_what_the_month_close_waits_for(demo, client, db):
    from dispatch import clock
    from dispatch.parts import returns

    first = ledger.today().replace(day=1)
    last_month, this_month = ledger.month_of(first - timedelta(days=1)), ledger.month_of(first)
    clerk = demo.users["warehouse"]
    old = returns.receive(db, demo.xinye.id, "V-2001", "OLD-LAST-MONTH", clerk)
    old.received_at = clock.now() - timedelta(days=clock.local(clock.now()).day + 2)
    returns.receive(db, demo.xinye.id, "V-2001", "OLD-THIS-MONTH", clerk)
    db.commit()
    _login(client, "warehouse")
    client.post("/language/en")
    page = client.get("/warehouse/close").get_data(as_text=True)
    assert f"Monthly close {last_month}" in page
    assert "OLD-LAST-MONTH" in page and "OLD-THIS-MONTH" not in page
    assert f"1 more part, received after {last_month}, is decided at the close of {this_month}." in page
    running = client.get(f"/warehouse/close?month={this_month}").get_data(as_text=True)
    assert "OLD-LAST-MONTH" in running and "OLD-THIS-MONTH" in running
