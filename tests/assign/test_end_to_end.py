"""A leak from report to work done, run by SMS through the official Twilio client against the
local Twilio fake: the offer the technician's phone receives, his answers through the inbound
pipe (what the webhook calls), and the customer kept informed — in English and in Chinese."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from dispatch import clock
from dispatch.extensions import db as _db
from dispatch.orders.models import Event, Status, WorkOrder
from dispatch.worker import run_outbox
from tests.assign.helpers import CITIZEN, MORNING, TOWN, county, report, text
from tests.factories import make_technician


@pytest.fixture
def twilio_app(app, make_app, fake_twilio):
    """The app sending through Twilio (the fake); ``app`` empties the tables afterwards."""
    sending = make_app(SMS_BACKEND="twilio", **fake_twilio.config(TWILIO_TIMEOUT_S=5))
    with sending.app_context():
        yield sending
        _db.session.remove()


def delivered(app, fake, to: str) -> list[str]:
    run_outbox(app, "worker-1")
    return [m["body"] for m in fake.messages if m["to"] == to]


@pytest.mark.parametrize(
    ("language", "answers"),
    [
        ("en", {"yes": "Y {code}", "arrived": "ARR", "done": "DONE fixed the joint"}),
        # Typed with a Chinese input method: full-width letters, digits and space.
        ("zh", {"yes": "ＹＥＳ　{wide}", "arrived": "到了", "done": "完成　换了卡箍"}),
    ],
)
def test_leak_report_to_work_done_by_sms(twilio_app, fake_twilio, language, answers):
    db = _db.session
    clock.freeze(MORNING)
    org = county(db)
    tech = make_technician(org, language=language, last_lat=TOWN[0] + 0.02, last_lon=TOWN[1])
    order = report(db, org, reporter_language=language)
    db.commit()
    code = order.job_code

    [offer] = delivered(twilio_app, fake_twilio, tech.phone)
    if language == "en":
        assert offer == (
            f"Job {code}: Water leak, 汉城路与书院路交叉口, 2.2 km. On site by 10:00. "
            f"Reply Y {code} accept, N {code} decline."
        )
    else:
        assert offer == (
            f"工单{code}：供水管网跑冒滴漏，汉城路与书院路交叉口，距您2.2公里，请10:00前到场。"
            f"回复“接{code}”接单，“拒{code} 原因”拒绝。"
        )
    assert int(fake_twilio.messages[0]["num_segments"]) <= 2  # as Twilio counts them

    wide = "".join(chr(ord(d) + 0xFEE0) for d in code)
    reply = text(db, tech.phone, answers["yes"].format(code=code, wide=wide))
    assert code in reply and order.status is Status.ACCEPTED

    clock.advance(timedelta(minutes=12))
    text(db, tech.phone, answers["arrived"])
    db.rollback()
    assert order.status is Status.ON_SITE
    arrive = db.scalar(sa.select(Event).where(Event.order_id == order.id, Event.kind == "arrive"))
    assert arrive.actor_technician_id == tech.id and arrive.at == clock.now()
    assert clock.now() < {m.name: m for m in order.milestones}["arrive"].due_at  # on time

    reply = text(db, tech.phone, answers["done"])
    db.rollback()
    assert order.status is Status.WORK_DONE
    customer = delivered(twilio_app, fake_twilio, CITIZEN)
    expected = (
        f"{order.reference}: the work is done (fixed the joint). Thank you for reporting it."
        if language == "en"
        else f"您反映的{order.reference}：已处理完毕（换了卡箍），感谢您的反映。"
    )
    assert customer[-1] == expected
    complete = db.scalar(sa.select(Event).where(Event.order_id == order.id, Event.kind == "complete"))
    assert complete.note in ("fixed the joint", "换了卡箍")
    assert db.scalar(sa.select(sa.func.count(WorkOrder.id))) == 1
