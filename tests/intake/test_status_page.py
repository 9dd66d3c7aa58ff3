"""/status: a citizen follows their report by reference and phone — nothing more — and every
public page shows the day and night supervision numbers with their hours."""

from __future__ import annotations

import pytest

from dispatch import clock
from dispatch.extensions import db
from dispatch.orders.models import Milestone, Status
from tests.factories import make_order, make_org, make_technician
from tests.kpi.helpers import at

PHONE = "+8613912345678"


@pytest.fixture
def report(app):
    clock.freeze(at("2026-11-20T09:00"))
    org = make_org("xinye", supervision_phone_day="0377-6221750", supervision_phone_night="0377-6261212")
    tech = make_technician(org, name="Li Wei")
    order = make_order(
        org, reporter_phone=PHONE, reporter_name="Zhang San", description="Pipe burst by the school"
    )
    order.status, order.assignee_id = Status.EN_ROUTE, tech.id
    order.milestones.clear()
    db.session.flush()
    db.session.add(Milestone(order=order, name="arrive", due_at=at("2026-11-20T10:00")))
    db.session.commit()
    return order


def _get(client, **args):
    return client.get("/status", query_string=args, headers={"Accept-Language": "en"})


def test_the_form_and_the_hotline(report, client):
    page = _get(client).get_data(as_text=True)
    assert 'name="reference"' in page and 'name="phone"' in page
    assert "0377-6221750" in page and "08:00–20:00" in page
    assert "0377-6261212" in page and "20:00–08:00" in page


def test_the_right_reference_and_phone_answer_status_promise_and_next_step(report, client):
    page = _get(client, reference=report.reference, phone="139 1234 5678").get_data(as_text=True)
    assert "on the way" in page and "2026-11-20 10:00" in page
    assert "The technician is on the way." in page
    assert "Li" in page and "Li Wei" not in page
    assert "Zhang San" not in page and "Pipe burst" not in page and PHONE not in page


def test_a_wrong_phone_learns_nothing(report, client):
    wrong_phone = _get(client, reference=report.reference, phone="13900000000")
    wrong_reference = _get(client, reference="WO-2026-999999", phone=PHONE)
    assert wrong_phone.status_code == wrong_reference.status_code == 404
    assert "No report matches" in wrong_phone.get_data(as_text=True)
    assert "on the way" not in wrong_phone.get_data(as_text=True)


def test_lookups_are_rate_limited(report, make_app):
    limited = make_app(RATELIMIT_ENABLED=True, INTAKE_STATUS_LIMIT="3 per minute").test_client()
    codes = [
        limited.get("/status", query_string={"reference": f"WO-2025-99999{i}", "phone": PHONE}).status_code
        for i in range(5)
    ]
    assert codes[:3] == [404, 404, 404] and codes[3:] == [429, 429]


@pytest.mark.parametrize("path", ["/", "/report"])
def test_every_public_page_shows_both_supervision_numbers(report, client, path):
    page = client.get(path, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "0377-6221750" in page and "0377-6261212" in page


def test_a_duplicates_reporter_sees_where_the_first_report_stands_and_nothing_of_it(report, client):
    other = "+8613700000001"
    again = make_order(report.org, reporter_phone=other, description="水管爆了，学校旁边")
    again.status, again.duplicate_of_id = Status.LOCATED, report.id
    db.session.commit()
    page = _get(client, reference=again.reference, phone=other).get_data(as_text=True)
    assert "already been reported" in page and "The technician is on the way." in page
    assert "a technician is being chosen" not in page
    assert "2026-11-20 10:00" in page and "Li" in page
    assert report.reference not in page and "Zhang San" not in page and PHONE not in page
