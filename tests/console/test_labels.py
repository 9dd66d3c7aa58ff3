"""The timeline speaks words, not codes: every event of the service report's flow has a label."""

import re

from tests.reports.helpers import DRIVER, link_in, path_of, sent_to
from tests.reports.test_approval import signed_job


def timeline_labels(html: str) -> list[str]:
    timeline = html.split('id="timeline"', 1)[1].split("</section>", 1)[0]
    return re.findall(r"<b>([^<]*)</b>", timeline)


def test_the_report_flow_is_told_in_words_on_the_timeline(db, demo, client, auth):
    order = signed_job(db, demo, client)
    auth.login("coach.supervisor", "demo-pass")
    client.post(f"/console/orders/{order.reference}/report/return", data={"reason": "缺少旧件照片"})
    client.post(
        f"/console/orders/{order.reference}/report/fill",
        data={"action": "submit", "source": "console_phone", "advice": "定期检查铰链"},
    )
    client.post(
        path_of(link_in(sent_to(db, DRIVER, "report_sign")[-1].body)),
        data={"action": "refuse", "reason": "问题没解决"},
    )
    client.post(f"/console/orders/{order.reference}/report/revise", data={"reason": "补充原因"})

    html = client.get(f"/console/orders/{order.reference}").get_data(as_text=True)
    shown = timeline_labels(html)
    assert not [text for text in shown if re.fullmatch(r"[a-z]+(_[a-z]+)+|revise", text)], shown
    # The supervisor reads the console in Chinese.
    for label in (
        "服务报告已填完",
        "已请客户签字",
        "服务报告已签字",
        "客户评价",
        "服务报告已修订",
        "报告已退回服务人员",
        "客户拒绝签字",
        "服务报告新修订版",
    ):
        assert label in shown, (label, shown)
