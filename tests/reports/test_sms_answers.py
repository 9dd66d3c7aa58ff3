"""The technician's report answers by SMS: full-width digits forgiven, lists written the way each
language writes them, and a signed report's job answered truthfully."""

import pytest

from dispatch.assign.models import JobCode
from dispatch.orders.models import Status
from dispatch.reports import signing
from dispatch.reports.models import ReportState
from tests.reports.helpers import finish_by_sms, link_in, on_site, path_of, report_of, technician, text


@pytest.mark.parametrize("body", ["责任 321 ４", "责任　３２１　４", "ＲＥＳＰ 321 4"])
def test_a_full_width_responsibility_is_read_like_the_other_commands(db, demo, body):
    order = on_site(db, demo)
    tech = technician(db, "ZY-T01")
    text(db, tech.phone, "完成 更换左前门铰链")
    text(db, tech.phone, "原因 铰链螺栓松动断裂")
    reply = text(db, tech.phone, body)
    report = report_of(db, order)
    assert report.responsibility is not None and report.responsibility.value == "other", reply
    assert report.state is ReportState.COMPLETE


def test_an_english_technician_reads_an_english_list_by_sms_and_on_the_page(db, demo, client):
    order = on_site(db, demo)
    tech = technician(db, "ZY-T01")
    tech.language = "en"
    db.commit()
    reply = text(db, tech.phone, "DONE replaced the hinge")
    assert f"Report {order.job_code} still needs: cause, responsibility." in reply
    assert "、" not in reply
    page = client.get(path_of(link_in(reply))).get_data(as_text=True)
    assert "Still needed: cause, responsibility" in page

    assert (
        text(db, tech.phone, "CAUSE bolt sheared")
        == f"Report {order.job_code}: recorded. Still needs: responsibility."
    )


def test_a_chinese_technician_keeps_the_enumeration_comma(db, demo):
    order = on_site(db, demo)
    tech = technician(db, "ZY-T01")
    reply = text(db, tech.phone, "完成 更换左前门铰链")
    assert f"报告{order.job_code}还需要：故障原因、责任。" in reply


def _signed(db, demo):
    order = on_site(db, demo)
    # The code the job was offered with, held until the order is closed.
    db.add(JobCode(org_id=order.org_id, code=order.job_code, work_order_id=order.id))
    db.commit()
    tech = technician(db, "ZY-T01")
    finish_by_sms(db, order, tech.phone)
    signing.sign_on_paper(
        db,
        report_of(db, order),
        data=b"%PDF-1.4 signed and stamped",
        filename="report.pdf",
        signer_name="王师傅",
        user_id=demo.users["dispatcher"].id,
        client_address=None,
    )
    db.commit()
    assert order.status is Status.SIGNED
    return order, tech


@pytest.mark.parametrize("body", ["PART 321 ZY-BOLT-08 x3", "DONE 321 tightened"])
def test_a_command_on_a_signed_job_says_the_report_is_signed(db, demo, body):
    order, tech = _signed(db, demo)
    tech.language = "en"
    db.commit()
    reply = text(db, tech.phone, body)
    assert reply == (
        "Job 321: the service report is signed. Nothing more can be changed by SMS; "
        "call the dispatcher for a correction."
    )
    assert report_of(db, order).state is ReportState.SIGNED


def test_old_parts_are_still_packed_once_the_customer_has_signed(db, demo):
    order, tech = _signed(db, demo)
    tech.language = "en"
    db.commit()
    assert text(db, tech.phone, "PACKED 321") == "Job 321 has no old part to bring back."


def test_a_colleague_still_learns_nothing_about_it(db, demo):
    _signed(db, demo)
    colleague = technician(db, "ZY-T02")
    colleague.language = "en"
    db.commit()
    assert (
        text(db, colleague.phone, "PART 321 ZY-BOLT-08 x3")
        == "Job 321 is not yours. Reply LIST for your jobs."
    )
