"""Each organisation's own supervision hotline: its numbers and hours on its public pages (the
report form, /status) and in what the acknowledgement gives, the settings' hours where it has
none, and an administrator — only an administrator — changing them."""

from __future__ import annotations

import re

import pytest

from dispatch import clock
from dispatch.auth.models import Organisation, Role
from dispatch.extensions import db
from dispatch.intake.ack import supervision_phone
from tests.factories import make_org, make_user
from tests.kpi.helpers import at


@pytest.fixture
def two_orgs(app):
    county = make_org(
        "xinye",
        supervision_phone_day="0377-6221750",
        supervision_phone_night="0377-6261212",
        supervision_day_from="07:30",
        supervision_day_until="19:00",
    )
    coach = make_org("zycoach", supervision_phone_day="400-600-0100", supervision_phone_night="400-600-0199")
    make_user(county, Role.ADMIN, username="admin")
    make_user(county, Role.DISPATCHER, username="dispatcher")
    db.session.commit()
    return county, coach


def _aside(page: str, code: str) -> str:
    """The text of an organisation's hotline box on a page."""
    found = re.search(rf'<aside class="supervision small" id="supervision-{code}">(.*?)</aside>', page, re.S)
    return _text(found.group(1)) if found else ""


def _text(page: str) -> str:
    return re.sub(r"<[^>]+>", "", page)


def test_each_organisations_report_form_shows_its_own_numbers_and_hours(two_orgs, client):
    county_page = _text(
        client.get("/report?org=xinye", headers={"Accept-Language": "en"}).get_data(as_text=True)
    )
    assert "0377-6221750 (07:30–19:00)" in county_page and "0377-6261212 (19:00–07:30)" in county_page
    assert "400-600-0100" not in county_page
    coach_page = _text(
        client.get("/report?org=zycoach", headers={"Accept-Language": "en"}).get_data(as_text=True)
    )
    # No hours of its own: the settings' hours.
    assert "400-600-0100 (08:00–20:00)" in coach_page and "400-600-0199 (20:00–08:00)" in coach_page
    assert "0377-6221750" not in coach_page


def test_the_status_page_shows_each_organisation_its_own(two_orgs, client):
    page = client.get("/status", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "0377-6221750 (07:30–19:00)" in _aside(page, "xinye")
    assert "400-600-0100 (08:00–20:00)" in _aside(page, "zycoach")
    assert "400-600-0100" not in _aside(page, "xinye")


def test_the_acknowledgement_gives_the_number_of_the_organisations_hours(two_orgs):
    county, coach = two_orgs
    quarter_to_eight = at("2026-11-20T07:45")
    assert supervision_phone(county, quarter_to_eight) == "0377-6221750"
    assert supervision_phone(coach, quarter_to_eight) == "400-600-0199"
    assert supervision_phone(county, at("2026-11-20T19:30")) == "0377-6261212"


def test_an_administrator_changes_the_hotline_and_the_public_sees_it(two_orgs, client, auth):
    auth.login("admin")
    form = {
        "supervision_phone_day": "0377-6000001",
        "supervision_phone_night": "",
        "supervision_day_from": "09:00",
        "supervision_day_until": "17:30",
    }
    assert client.post("/admin/hotline", data=form).status_code == 302
    page = _text(client.get("/report?org=xinye", headers={"Accept-Language": "en"}).get_data(as_text=True))
    assert "0377-6000001 (09:00–17:30)" in page
    assert "0377-6261212" not in page  # the night number emptied: none by default
    refused = client.post("/admin/hotline", data={**form, "supervision_day_from": "25:00"})
    assert refused.status_code == 200 and "25:00" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.query(Organisation).filter_by(code="xinye").one().supervision_day_from == "09:00"
    zh = client.get("/admin/hotline", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "监督举报电话" in zh


def test_only_an_administrator_may_change_it(two_orgs, client, auth):
    auth.login("dispatcher")
    assert client.get("/admin/hotline").status_code == 403
    assert client.post("/admin/hotline", data={"supervision_day_from": "01:00"}).status_code == 403
    db.session.expire_all()
    assert db.session.query(Organisation).filter_by(code="xinye").one().supervision_day_from == "07:30"


@pytest.fixture(autouse=True)
def _noon():
    clock.freeze(at("2026-11-20T12:00"))
