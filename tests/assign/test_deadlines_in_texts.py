"""What the technician's texts say about his deadlines: the warning sign to place (and the reply
that records it), the next deadline once he is on site, and dates written as the citizens read them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dispatch import clock
from dispatch.orders.models import Status
from dispatch.sms.segments import count_segments
from tests.assign.helpers import MORNING, TOWN, county, outbox_to, report, text
from tests.factories import make_technician

ROADS = ["roads", "civil"]


@pytest.fixture
def county_org(app, db):
    clock.freeze(MORNING)
    return county(db)


def roads_tech(org, language: str = "en"):
    return make_technician(org, skills=ROADS, language=language, last_lat=TOWN[0] + 0.01, last_lon=TOWN[1])


def milestone(order, name):
    return {m.name: m for m in order.milestones}[name]


def test_a_manhole_offer_and_its_acceptance_ask_for_the_sign_and_done_meets_it(county_org, db):
    tech = roads_tech(county_org)
    order = report(db, county_org, "manhole_cover", address="Baihe bridge")
    db.commit()
    code = order.job_code
    [offer] = outbox_to(db, tech.phone)
    assert f"Warning sign by 11:00: reply SIGN {code}." in offer.body  # reported 09:00, 2 h
    assert count_segments(offer.body).segments <= 2

    accepted = text(db, tech.phone, f"Y {code}")
    assert accepted.startswith(f"Job {code} is yours") and f"reply SIGN {code}" in accepted

    text(db, tech.phone, f"OTW {code}")
    text(db, tech.phone, f"ARR {code}")
    clock.advance(timedelta(minutes=40))
    text(db, tech.phone, f"DONE {code} cover replaced")
    db.rollback()
    assert order.status is Status.WORK_DONE
    # The hazard is gone: the sign is no longer owed, nothing counts down towards a breach.
    sign = milestone(order, "warning_sign")
    assert sign.met_at is not None and sign.breached_at is None
    assert order.next_due_at is None


def test_a_sign_already_placed_is_not_asked_for_again(county_org, db):
    tech = roads_tech(county_org)
    order = report(db, county_org, "manhole_cover", address="Baihe bridge")
    db.commit()
    text(db, tech.phone, f"Y {order.job_code}")
    text(db, tech.phone, f"SIGN {order.job_code}")
    assert "SIGN" not in text(db, tech.phone, "NEXT")


@pytest.mark.parametrize("language", ["en", "zh"])
def test_next_names_the_finish_once_the_sign_is_placed_never_a_question_mark(county_org, db, language):
    tech = roads_tech(county_org, language)
    order = report(db, county_org, "road_damage", address="Baihe bridge")
    db.commit()
    code = order.job_code
    text(db, tech.phone, f"Y {code}")
    text(db, tech.phone, f"SIGN {code}")
    clock.advance(timedelta(hours=1))

    reply = text(db, tech.phone, "NEXT")
    assert "?" not in reply and code in reply
    # Road damage: repaired within 72 h of the report (09:00 on 4 Nov).
    if language == "en":
        assert reply == f"Next: job {code}, Road collapse or pothole, Baihe bridge. To finish by 7 Nov 09:00."
    else:
        assert "11月7日09:00" in reply

    text(db, tech.phone, f"OTW {code}")
    text(db, tech.phone, f"ARR {code}")
    other = report(db, county_org, "road_damage", address="North road")
    db.commit()
    text(db, tech.phone, f"Y {other.job_code}")
    text(db, tech.phone, f"SIGN {other.job_code}")
    done = text(db, tech.phone, f"DONE {code}")
    assert other.job_code in done and "?" not in done


def test_a_job_due_another_day_is_dated_as_the_citizen_reads_it(county_org, db):
    en = roads_tech(county_org)
    order = report(db, county_org, "road_damage", address="Baihe bridge")
    db.commit()
    text(db, en.phone, f"Y {order.job_code}")
    text(db, en.phone, f"SIGN {order.job_code}")
    assert "7 Nov 09:00" in text(db, en.phone, "NEXT")


def test_the_chinese_reclassification_reply_dates_like_the_acknowledgement(county_org, db):
    tech = make_technician(county_org, last_lat=TOWN[0] + 0.01, last_lon=TOWN[1])
    order = report(db, county_org)
    db.commit()
    text(db, tech.phone, f"接 {order.job_code}")
    text(db, tech.phone, "到了")
    reply = text(db, tech.phone, "大修 主管断裂")
    assert reply == f"工单{order.job_code}已改为大修，须在11月5日09:00前修复。"
