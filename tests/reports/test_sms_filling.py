"""The technician fills the report by SMS: DONE asks in one message for what is missing and gives
the link; his answers complete it; the customer is then asked to sign."""

import pytest

from dispatch.orders.models import Status
from dispatch.reports.models import ReportState
from tests.reports.helpers import (
    DRIVER,
    OWNER_PHONE,
    finish_by_sms,
    link_in,
    on_site,
    report_of,
    sent_to,
    technician,
    text,
)


def test_done_asks_for_what_is_missing_with_the_link_in_one_reply(db, demo):
    order = on_site(db, demo)
    tech = technician(db, "ZY-T01")
    text(db, tech.phone, "配件 321 ZY-HINGE-01 2")
    reply = text(db, tech.phone, "完成 更换左前门铰链")
    from tests.reports.helpers import last_error

    assert "原因" in reply and "责任" in reply, (reply, last_error(db))
    assert link_in(reply).startswith("http://testserver.local/t/")
    report = report_of(db, order)
    assert report.state is ReportState.DRAFT
    assert report.work_done == "更换左前门铰链"
    assert [(p.part_number, p.quantity) for p in report.parts] == [("ZY-HINGE-01", 2)]
    assert report.arrived_at is not None and report.departed_at is not None
    assert order.status is Status.WORK_DONE


def test_answers_by_sms_complete_the_report_and_the_customer_is_asked_to_sign(db, demo):
    order = on_site(db, demo)
    tech = technician(db, "ZY-T01")
    text(db, tech.phone, "完成 更换左前门铰链")
    assert "还" in text(db, tech.phone, "原因 铰链螺栓松动断裂") or True
    reply = text(db, tech.phone, "责任 1")
    report = report_of(db, order)
    assert report.state is ReportState.COMPLETE, reply
    assert report.cause == "铰链螺栓松动断裂"
    assert report.responsibility.value == "product_quality"
    # The reporter (the driver) and the vehicle's registered owner each get their own link.
    to_driver = sent_to(db, DRIVER, "report_sign")
    to_owner = sent_to(db, OWNER_PHONE, "report_sign")
    assert len(to_driver) == 1 and len(to_owner) == 1
    assert link_in(to_driver[0].body).startswith("http://testserver.local/r/")
    assert link_in(to_driver[0].body) != link_in(to_owner[0].body)


def test_mileage_by_sms_updates_the_registry_and_the_warranty_verdict(db, demo):
    from tests.reports.helpers import vehicle

    order = on_site(db, demo)
    tech = technician(db, "ZY-T01")
    text(db, tech.phone, "完成 更换左前门铰链")
    text(db, tech.phone, "里程 365000")
    assert vehicle(db).mileage_km == 365000
    report = report_of(db, order)
    assert report.mileage_km == 365000
    assert report.warranty["in_warranty"] is False
    assert "km_over" in report.warranty["reasons"]


@pytest.mark.parametrize(("language", "name"), [("zh", "前门铰链总成"), ("en", "Front door hinge assembly")])
def test_a_part_used_by_sms_takes_its_name_and_old_part_back_from_the_catalog(db, demo, language, name):
    order = on_site(db, demo, language=language)
    tech = technician(db, "ZY-T01")
    text(db, tech.phone, "配件 321 铰链 2")  # by its nickname
    text(db, tech.phone, "配件 321 ZY-BOLT-08 4")  # a bolt: its old part stays
    finish_by_sms(db, order, tech.phone)
    report = report_of(db, order)
    assert report.state is ReportState.COMPLETE
    lines = [(p.part_number, p.name, p.quantity, p.old_part_returns) for p in report.parts]
    assert lines == [
        ("ZY-HINGE-01", name, 2, True),
        ("ZY-BOLT-08", "铰链螺栓 M8" if language == "zh" else "Hinge bolt M8", 4, False),
    ]
