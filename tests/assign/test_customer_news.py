"""What the customer is told while the job runs, and what the technician is told about it: a
landline caller gets no SMS (and nobody claims he was told); the done text keeps the note."""

import pytest

from dispatch import clock
from tests.assign.helpers import CITIZEN, MORNING, TOWN, county, outbox_to, report, text
from tests.factories import make_technician

LANDLINE = "+8637766221750"


@pytest.fixture
def county_org(app, db):
    clock.freeze(MORNING)
    return county(db)


def _accepted(db, org, tech, **kw):
    order = report(db, org, **kw)
    db.commit()
    text(db, tech.phone, f"接 {order.job_code}")
    db.rollback()
    return order


def test_a_landline_caller_gets_no_sms_and_the_technician_is_not_told_he_was(county_org, db):
    tech = make_technician(county_org, last_lat=TOWN[0] + 0.02, last_lon=TOWN[1])
    order = _accepted(db, county_org, tech, reporter_phone=LANDLINE)
    code = order.job_code
    assert order.customer_must_be_called and not order.reporter_takes_sms

    assert text(db, tech.phone, "出发 20分钟") == f"已出发前往工单{code}，约20分钟到。"
    assert text(db, tech.phone, "完成 换了卡箍") == f"工单{code}已完工，辛苦了。"
    assert outbox_to(db, LANDLINE) == []


def test_a_mobile_caller_is_told_and_the_done_text_keeps_the_technicians_note(county_org, db):
    tech = make_technician(county_org, last_lat=TOWN[0] + 0.02, last_lon=TOWN[1])
    order = _accepted(db, county_org, tech)
    assert not order.customer_must_be_called
    assert text(db, tech.phone, "完成 换了卡箍").endswith("已通知客户。")
    done = outbox_to(db, CITIZEN)[-1]
    assert "换了卡箍" in done.body and done.template == "customer_done"
    assert done.params["note"] == "换了卡箍" and done.params["reference"] == order.reference
