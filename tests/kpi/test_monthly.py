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
