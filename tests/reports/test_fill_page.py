"""The technician's one-time filling page (pre-filled from the SMS loop) and the console's filling
from a phone call or the paper report."""

from dispatch.orders.models import Status
from dispatch.reports.models import ReportState
from tests.reports.helpers import DRIVER, link_in, on_site, path_of, report_of, sent_to, technician, text


def test_the_link_after_done_opens_a_prefilled_page_that_completes_the_report(db, demo, client):
    order = on_site(db, demo)
    tech = technician(db, "ZY-T01")
    text(db, tech.phone, "配件 321 ZY-HINGE-01 2")
    path = path_of(link_in(text(db, tech.phone, "完成 更换左前门铰链")))
    page = client.get(path).get_data(as_text=True)
    assert "更换左前门铰链" in page and "ZY-HINGE-01" in page and "故障原因" in page
    submitted = client.post(
        path,
        data={
            "cause": "铰链螺栓断裂",
            "responsibility": "product_quality",
            "mileage_km": "363500",
            "part_number": "ZY-BOLT-08",
            "quantity": "4",
            "part_reason": "随铰链更换",
            "old_part_returns": "1",
            "action": "submit",
        },
    )
    # The technician's phone now shows the customer's signing page, to hand over.
    assert submitted.status_code == 302 and "/r/" in submitted.headers["Location"]
    report = report_of(db, order)
    assert report.state is ReportState.COMPLETE and report.filled_via == "mobile"
    # The hinge from the SMS: the catalog's name, and its old part must come back.
    assert [(p.part_number, p.name, p.quantity, p.old_part_returns) for p in report.parts] == [
        ("ZY-HINGE-01", "前门铰链总成", 2, True),
        ("ZY-BOLT-08", "铰链螺栓 M8", 4, True),
    ]
    assert len(sent_to(db, DRIVER, "report_sign")) == 1
    # The link is used up: the page shows the submitted report, and a post is refused.
    assert "已提交" in client.get(path).get_data(as_text=True)
    refused = client.post(path, data={"cause": "改", "action": "save"})
    assert refused.status_code == 400 and report_of(db, order).cause == "铰链螺栓断裂"


def test_submitting_on_the_page_before_done_completes_the_work(db, demo, client):
    from dispatch.reports import links, service

    order = on_site(db, demo, language="en")
    tech = technician(db, "ZY-T01")
    tech.language = "en"
    report = service.open_report(db, order)
    path = path_of(links.create(db, report, "fill", sent_to=tech.phone))
    db.commit()
    page = client.get(path).get_data(as_text=True)
    assert "Submit the report" in page
    response = client.post(
        path,
        data={
            "cause": "loose bolt",
            "responsibility": "customer_use",
            "work_done": "tightened the hinge",
            "action": "save",
        },
    )
    assert response.status_code == 302
    assert report_of(db, order).order.status is Status.ON_SITE
    client.post(path, data={"action": "submit"})
    report = report_of(db, order)
    assert report.state is ReportState.COMPLETE and report.order.status is Status.WORK_DONE


def test_a_dispatcher_fills_it_from_a_phone_call(db, demo, client, auth):
    order = on_site(db, demo)
    auth.login("coach.dispatcher", "demo-pass")
    page = client.post(
        f"/console/orders/{order.reference}/report/fill",
        follow_redirects=True,
        data={
            "source": "console_paper",
            "cause": "hinge bolt sheared",
            "work_done": "hinge replaced",
            "responsibility": "product_quality",
            "action": "submit",
        },
    ).get_data(as_text=True)
    assert "Report submitted." in page
    report = report_of(db, order)
    assert report.state is ReportState.COMPLETE and report.filled_via == "console_paper"
    assert report.order.status is Status.WORK_DONE
    assert len(sent_to(db, DRIVER, "report_sign")) == 1


def test_charges_need_a_supervisors_approval_before_the_report_is_complete(db, demo, client, auth):
    order = on_site(db, demo)
    auth.login("coach.dispatcher", "demo-pass")
    page = client.post(
        f"/console/orders/{order.reference}/report/fill",
        follow_redirects=True,
        data={
            "cause": "bolt",
            "work_done": "hinge",
            "responsibility": "customer_use",
            "charges_cny": "120.50",
            "action": "submit",
        },
    ).get_data(as_text=True)
    assert "收费审批" in page or "approval of the charges" in page
    assert report_of(db, order).state is ReportState.DRAFT
    assert client.post(f"/console/orders/{order.reference}/report/charges").status_code == 403
    auth.logout()
    auth.login("coach.supervisor", "demo-pass")
    client.post(f"/console/orders/{order.reference}/report/charges")
    client.post(f"/console/orders/{order.reference}/report/fill", data={"action": "submit"})
    report = report_of(db, order)
    assert report.state is ReportState.COMPLETE and str(report.charges_cny) == "120.50"
