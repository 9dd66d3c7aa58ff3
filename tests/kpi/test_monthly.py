"""The monthly report: the month's KPIs, breaches, complaints and parts discrepancies, as a page
and as a workbook whose cells hold the same figures."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from tests.kpi.test_dashboard import county  # noqa: F401  (fixture)


def test_the_page_shows_the_months_figures(county, client, auth):  # noqa: F811
    auth.login("supervisor")
    page = client.get("/kpi/monthly?month=2026-11", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "50.0 %" in page and "25.0 %" in page
    assert county["a"].reference in page.split('id="monthly-breaches"')[1]
    assert 'id="monthly-parts"' in page


def test_the_workbook_holds_the_same_figures(county, client, auth):  # noqa: F811
    auth.login("supervisor")
    response = client.get("/kpi/monthly.xlsx?month=2026-11", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    kpis = {row[0]: row[1:] for row in book["KPIs"].iter_rows(min_row=2, values_only=True)}
    assert kpis["Service timeliness"] == (0.5, 3, 6, 0.9)
    assert kpis["Complaint rate (service at fault)"][:3] == (0.25, 1, 4)
    complaints = list(book["Complaints"].iter_rows(min_row=2, values_only=True))
    assert len(complaints) == 4  # received in November, whatever their outcome
    breaches = [row[0] for row in book["Breached milestones"].iter_rows(min_row=2, values_only=True)]
    assert county["a"].reference in breaches and county["g"].reference in breaches


def test_dispatchers_get_no_monthly_report(county, client, auth):  # noqa: F811
    auth.login("dispatcher")
    assert client.get("/kpi/monthly?month=2026-11").status_code == 403
    assert client.get("/kpi/monthly.xlsx?month=2026-11").status_code == 403


def _unexpected_return(org):
    """An old part nobody expected back, on the returns shelf."""
    from dispatch.extensions import db
    from dispatch.parts import catalog, returns

    catalog.import_rows(db.session, org.id, [{"number": "P-1001", "name_zh": "卡箍", "name_en": "Clamp"}])
    returns.receive(db.session, org.id, "P-1001", "SN-77", None)
    db.session.commit()


def test_the_report_names_complaints_and_discrepancies_as_the_other_pages_do(county, client, auth):  # noqa: F811
    from dispatch.auth.models import Organisation
    from dispatch.extensions import db

    _unexpected_return(db.session.query(Organisation).one())
    auth.login("supervisor")
    page = client.get("/kpi/monthly?month=2026-11", headers={"Accept-Language": "en"}).get_data(as_text=True)
    complaints = page.split('id="monthly-complaints"')[1].split("</table>")[0]
    assert "<th>Complaint number</th>" in complaints and "<th>Classification</th>" in complaints
    parts = page.split('id="monthly-parts"')[1].split("</table>")[0]
    assert "<th>Kind</th>" in parts and "<th>Part</th>" in parts
    assert "returned part nobody expected" in parts and "unexpected_return" not in parts
    chinese = client.get("/kpi/monthly?month=2026-11", headers={"Accept-Language": "zh-CN"}).get_data(
        as_text=True
    )
    assert "无对应的旧件" in chinese.split('id="monthly-parts"')[1] and "<th>投诉编号</th>" in chinese

    book = load_workbook(
        io.BytesIO(client.get("/kpi/monthly.xlsx?month=2026-11", headers={"Accept-Language": "en"}).data)
    )
    classifications = {row[1] for row in book["Complaints"].iter_rows(min_row=2, values_only=True)}
    assert "service conduct (the service is at fault)" in classifications
    assert not {"service_conduct", "product_quality", "customer_use"} & classifications
    kinds = [row[0] for row in book["Parts discrepancies"].iter_rows(min_row=2, values_only=True)]
    assert kinds == ["returned part nobody expected"]
