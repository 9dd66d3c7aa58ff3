"""The reconciliation page and its exports: whose van the parts went to, and the files' headers."""

from __future__ import annotations

import csv
import io

import sqlalchemy as sa
from openpyxl import load_workbook

from dispatch.assign.models import Technician
from dispatch.parts import catalog, documents, ledger
from tests.assign.helpers import report


def _login(client, username):
    return client.post("/login", data={"username": username, "password": "demo-pass"})


def _issued_to_two_vans(db, demo):
    """Two jobs nobody holds yet; parts asked for them by two technicians, approved, issued."""
    issued = []
    for code, part_number, qty in (("XY-T01", "P-1001", 2), ("XY-T02", "V-2001", 1)):
        tech = db.scalar(sa.select(Technician).where(Technician.code == code))
        order = report(db, demo.xinye)
        order.assignee_id = None  # asked for ahead of the assignment, as a dispatcher may
        part = catalog.find(db, demo.xinye.id, part_number)
        doc = documents.request_parts(db, tech, order, [(part, qty)], requested_by=demo.users["dispatcher"])
        documents.approve(db, doc, demo.users["supervisor"])
        documents.issue(db, doc, demo.users["warehouse"])
        issued.append((tech, order, part_number, qty))
    db.commit()
    return issued


def test_parts_still_out_are_shown_in_the_van_they_were_issued_to(demo, client, db):
    issued = _issued_to_two_vans(db, demo)
    month = ledger.month_of(ledger.today())
    _login(client, "warehouse")
    client.post("/language/en")
    page = client.get(f"/warehouse/?month={month}").get_data(as_text=True)
    per_technician = page.split("Per technician", 1)[1].split("Per service station", 1)[0]
    assert "not assigned" not in per_technician
    job_rows = page.split('id="lines"', 1)[1].split("<tr>")
    for tech, order, _number, _qty in issued:
        assert f'{tech.name} <span class="muted">{tech.code}</span>' in per_technician
        (job_row,) = [row for row in job_rows if order.reference in row]
        assert tech.name in job_row

    data = client.get(f"/warehouse/reconciliation.csv?month={month}").data
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    by_order = {r["work_order"]: r for r in rows}
    for tech, order, number, qty in issued:
        line = by_order[order.reference]
        assert (line["technician"], line["part_number"], line["still_out"]) == (tech.code, number, str(qty))

    book = load_workbook(io.BytesIO(client.get(f"/warehouse/reconciliation.xlsx?month={month}").data))
    sheet = list(book.active.iter_rows(values_only=True))
    assert {(r[1], r[2]) for r in sheet[1:]} == {(o.reference, t.code) for t, o, _n, _q in issued}


def test_the_csv_says_its_charset_once(demo, client, db):
    _login(client, "warehouse")
    answer = client.get(f"/warehouse/reconciliation.csv?month={ledger.month_of(ledger.today())}")
    assert answer.headers["Content-Type"] == "text/csv; charset=utf-8"
