"""The technician's SMS commands through the inbound pipe: each one's effect and its answer, and a
clear answer with nothing changed for everything that cannot be done."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from dispatch import clock
from dispatch.assign import commands
from dispatch.assign.models import DutyStatus, OfferState
from dispatch.orders.models import Event, Status
from dispatch.sms import inbound
from dispatch.sms.models import InboundMessage
from tests.assign.helpers import CITIZEN, MORNING, TOWN, county, offers_of, outbox_to, report, text
from tests.factories import make_technician


@pytest.fixture
def county_org(app, db):
    clock.freeze(MORNING)
    return county(db)


def near(km_north: float) -> dict:
    return {"last_lat": TOWN[0] + km_north / 111.2, "last_lon": TOWN[1]}


def events(db, order) -> list[str]:
    db.rollback()
    return [e.kind for e in db.scalars(sa.select(Event).where(Event.order_id == order.id).order_by(Event.id))]


def accepted_job(db, org, tech, **kw):
    order = report(db, org, **kw)
    db.commit()
    assert text(db, tech.phone, f"接 {order.job_code}").startswith(f"工单{order.job_code}归您了")
    db.rollback()
    return order


def test_the_whole_job_by_sms_in_chinese(county_org, db):
    tech = make_technician(county_org, **near(2))
    order = accepted_job(db, county_org, tech)
    code = order.job_code
    assert order.status is Status.ACCEPTED and order.assignee_id == tech.id

    assert text(db, tech.phone, "出发 20分钟") == f"已出发前往工单{code}，约20分钟到。已通知客户。"
    [told] = [m for m in outbox_to(db, CITIZEN) if m.kind == "customer_on_the_way"]
    assert told.body == f"您反映的{order.reference}：维修人员已出发，预计约20分钟到达。"

    assert text(db, tech.phone, "到了") == f"已记录09:00到达工单{code}。完工后回复“完成”。"
    db.rollback()
    assert order.status is Status.ON_SITE
    assert (tech.last_lat, tech.last_lon, tech.last_position_source) == (order.lat, order.lon, "job_site")

    assert text(db, tech.phone, "警示") == f"已记录工单{code}设置警示。"
    assert text(db, tech.phone, "大修 主管断裂") == f"工单{code}已改为大修，须在11月5日09:00前修复。"
    db.rollback()
    assert order.severity == "major"
    assert text(db, tech.phone, "等配件 缺DN100卡箍").startswith(f"工单{code}已挂起，等配件")
    db.rollback()
    assert order.status is Status.ON_HOLD
    assert text(db, tech.phone, "配件 P-1001 x2") == f"工单{code}：已记录配件P-1001 ×2。"
    db.rollback()
    assert order.status is Status.ON_SITE  # the next command resumed it
    # A part was used, so the job has a service report: the answer to DONE also says what it
    # still needs, with the link to fill it.
    done = text(db, tech.phone, "完成 换了卡箍")
    assert done.startswith(f"工单{code}已完工，辛苦了。已通知客户。报告{code}还需要：")
    db.rollback()
    assert order.status is Status.WORK_DONE
    assert (
        outbox_to(db, CITIZEN)[-1].body
        == f"您反映的{order.reference}：已处理完毕（换了卡箍），感谢您的反映。"
    )
    assert [e for e in events(db, order) if e != "due_changed"][-9:] == [
        "accept",
        "depart",
        "arrive",
        "sign_placed",
        "reclassified",
        "hold",
        "resume",
        "part_used",
        "complete",
    ]
    part = db.scalar(sa.select(Event).where(Event.order_id == order.id, Event.kind == "part_used"))
    assert part.data == {"code": "P-1001", "qty": 2}
    assert part.actor_technician_id == tech.id
    reclass = db.scalar(sa.select(Event).where(Event.order_id == order.id, Event.kind == "reclassified"))
    assert reclass.data["to"]["severity"] == "major"


def test_an_english_technician_gets_english_and_the_customer_the_eta_in_english(county_org, db):
    tech = make_technician(county_org, language="en", **near(2))
    order = report(db, county_org, reporter_language="en")
    db.commit()
    assert outbox_to(db, tech.phone)[0].body.startswith(f"Job {order.job_code}: Water leak, ")
    assert text(db, tech.phone, "yes").startswith(f"Job {order.job_code} is yours")
    reply = text(db, tech.phone, "OTW")
    assert reply.startswith(f"On the way to job {order.job_code}, about ")
    assert "our technician is on the way and should arrive in about" in outbox_to(db, CITIZEN)[-1].body
    assert text(db, tech.phone, "?").startswith("Reply: Y 123 accept")


def test_job_code_optional_only_when_one_job_fits(county_org, db):
    tech = make_technician(county_org, max_load=5, **near(1))
    first = accepted_job(db, county_org, tech)
    second = accepted_job(db, county_org, tech)
    reply = text(db, tech.phone, "ARR")
    assert "您有多个工单" in reply and first.job_code in reply and second.job_code in reply
    assert f"到达 {first.job_code}" in reply
    assert events(db, first)[-1] == "accept" and events(db, second)[-1] == "accept"
    assert text(db, tech.phone, f"OTW {second.job_code}").startswith(f"已出发前往工单{second.job_code}")
    # Now only the first can still take "on the way".
    assert text(db, tech.phone, "出发").startswith(f"已出发前往工单{first.job_code}")
    assert f"到达工单{second.job_code}" in text(db, tech.phone, f"ARR {second.job_code}")
    # Still two jobs DONE could mean: the one he is at is suggested, not the one he is going to.
    reply = text(db, tech.phone, "DONE")
    assert "您有多个工单" in reply and f"完成 {second.job_code}" in reply
    assert events(db, first)[-1] == "depart" and events(db, second)[-1] == "arrive"


def test_commands_on_somebody_elses_job_are_refused_and_change_nothing(county_org, db):
    mine = make_technician(county_org, **near(1))
    other = make_technician(county_org, **near(5))
    order = accepted_job(db, county_org, mine)
    before = events(db, order)
    assert (
        text(db, other.phone, f"到达 {order.job_code}")
        == f"工单{order.job_code}不是您的。回复“任务”查看您的工单。"
    )
    assert (
        text(db, other.phone, f"接 {order.job_code}")
        == f"工单{order.job_code}没有派给您。回复“任务”查看您的工单。"
    )
    assert text(db, other.phone, "完成") == "您没有适用此指令的工单。回复“任务”查看您的工单。"
    assert events(db, order) == before


def test_bad_input_gets_a_clear_answer_and_the_database_stays_as_it_was(county_org, db):
    tech = make_technician(county_org, **near(1))
    order = report(db, county_org)
    db.commit()
    before = events(db, order)
    free = next(str(n) for n in range(100, 1000) if str(n) != order.job_code)
    answers = {
        "拿铁一杯": "没看懂。回复：接 123",
        "🙂🙂🙂": "没看懂。",
        "x" * 2000: "短信太长",
        f"接 {free}": f"没有未结工单{free}",
        "好的 不去": "没看懂您是接还是不接",
        "出发 9999999分钟": "没看懂。格式：出发 123 20分钟",
        "配件": "没看懂。格式：配件 123 P-1001 2个",
    }
    for body, expected in answers.items():
        assert text(db, tech.phone, body).startswith(expected), body
    assert events(db, order) == before
    assert [o.state for o in offers_of(db, order)] == [OfferState.PENDING]
    stored = db.scalars(sa.select(InboundMessage).order_by(InboundMessage.id)).all()
    assert len(stored) == len(answers) and all(
        m.error is None and m.sender_kind == "technician" for m in stored
    )


def test_full_width_and_a_job_number_for_an_order_that_no_longer_exists(county_org, db):
    tech = make_technician(county_org, **near(1))
    order = report(db, county_org)
    db.commit()
    full_width = "ＹＥＳ　" + "".join(chr(ord(d) + 0xFEE0) for d in order.job_code)
    assert text(db, tech.phone, full_width).startswith(f"工单{order.job_code}归您了")
    assert text(db, tech.phone, f"Y {order.job_code}") == f"工单{order.job_code}已经是您的了。"


def test_several_offers_ask_which_one(county_org, db):
    tech = make_technician(county_org, max_load=5, **near(1))
    a, b = report(db, county_org), report(db, county_org)
    db.commit()
    reply = text(db, tech.phone, "Y")
    assert "您有多个待接工单" in reply and a.job_code in reply and b.job_code in reply
    assert text(db, tech.phone, f"N {b.job_code}") == f"已拒绝工单{b.job_code}，谢谢。"
    assert text(db, tech.phone, "Y").startswith(f"工单{a.job_code}归您了")


def test_list_off_on_and_help(county_org, db):
    tech = make_technician(county_org, max_load=5, **near(1))
    job = accepted_job(db, county_org, tech)
    offered = report(db, county_org)
    db.commit()
    listing = text(db, tech.phone, "任务")
    assert listing.startswith("您的工单：")
    assert f"{offered.job_code} 供水管网跑冒滴漏（待接，回复“接{offered.job_code}”）" in listing
    assert f"{job.job_code} 供水管网跑冒滴漏 已接单" in listing

    assert text(db, tech.phone, "下班") == f"您已下班：回复“上班”前不再派单。未完工单：{job.job_code}。"
    db.rollback()
    assert tech.duty_status is DutyStatus.OFF_DUTY
    # His open offer went on at once (to nobody else here: the dispatcher is alerted).
    assert offers_of(db, offered)[0].state is OfferState.DECLINED

    assert text(db, tech.phone, "上班") == "您已上班：派单将以短信发来。"
    db.rollback()
    assert tech.duty_status is DutyStatus.ON_DUTY
    tech.leave_until = clock.now() + timedelta(days=1)
    db.commit()
    assert text(db, tech.phone, "上班") == "您登记在休假中：请先让调度员结束休假。"
    assert text(db, tech.phone, "帮助").startswith("回复：接 123；")


def test_wait_for_the_customer_then_resume(county_org, db):
    tech = make_technician(county_org, **near(1))
    order = accepted_job(db, county_org, tech)
    text(db, tech.phone, "到达")
    assert "等客户" in text(db, tech.phone, "等客户 家里没人")
    db.rollback()
    assert order.status is Status.ON_HOLD and order.held_from is Status.ON_SITE
    assert text(db, tech.phone, "继续") == f"工单{order.job_code}已恢复。"
    db.rollback()
    assert order.status is Status.ON_SITE
    reply = text(db, tech.phone, f"出发 {order.job_code}")
    assert reply == f"工单{order.job_code}当前为“在现场”，此指令现在不适用。"


def test_who_is_a_technician(county_org, db):
    tech = make_technician(county_org)
    station = make_technician(county_org, kind="station")
    assert commands.classify(db, tech.phone) == inbound.TECHNICIAN
    assert commands.classify(db, station.phone) == inbound.TECHNICIAN
    assert commands.classify(db, CITIZEN) == inbound.CITIZEN
