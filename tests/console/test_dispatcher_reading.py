"""What the dispatcher reads on the work-order and technicians pages: travel times in hours, a
location line without an empty zone, landlines as dialled at home, the reply a technician was
actually asked for, the technician a phoned acceptance comes from, and what a leave leaves behind."""

from datetime import timedelta

import pytest

from dispatch import clock
from dispatch.assign.dispatcher import record_phone_acceptance
from dispatch.assign.models import DutyStatus
from dispatch.auth.models import Role
from dispatch.console import labels
from dispatch.orders.lifecycle import Actor, transition
from tests.console.conftest import placed_order
from tests.factories import make_technician, make_user

EN = {"Accept-Language": "en"}


@pytest.fixture
def order(app, db, county):
    app.config["ASSIGN_AUTO_DISPATCH"] = False  # the dispatcher assigns by hand
    order = placed_order(county.org, reporter_phone="+8613812345678", owner_id=county.dispatcher.id)
    transition(db, order, "queue", Actor.system())
    db.commit()
    return order


def _page(client, order, headers=EN) -> str:
    return client.get(f"/console/orders/{order.reference}", headers=headers).get_data(as_text=True)


def _csrf(client, order) -> str:
    return _page(client, order).split('name="csrf_token" value="')[1].split('"')[0]


def test_durations_read_in_hours_past_an_hour(app):
    with app.test_request_context(headers=EN):
        assert labels.eta(45.2) == "ETA 45 min"
        assert labels.eta(1922) == "ETA 32 h 2 min"
        assert labels.eta(120) == "ETA 2 h"


def test_a_far_candidate_s_eta_is_in_hours_not_minutes(client, auth, db, county, order):
    # Chengdu, about 900 km from the job in Xinye.
    make_technician(county.org, name="远处师傅", last_lat=30.66, last_lon=104.07)
    db.commit()
    auth.login("disp")
    candidates = _page(client, order).split('id="candidates"')[1].split("</div>\n<")[0]
    far = candidates.split("远处师傅")[1].split("</form>")[0]
    assert " h " in far and "ETA" in far
    assert not any(f"ETA {n} min" in far for n in range(60, 10000))


def test_the_location_line_of_an_order_without_zone_starts_with_the_station(client, auth, db, county):
    coach = placed_order(county.other, type_code="vehicle_body_fault", lat=30.66, lon=104.07)
    make_user(county.other, Role.DISPATCHER, username="coachdisp")
    db.commit()
    assert coach.zone is None and coach.nearest_depot is not None
    auth.login("coachdisp")
    location = _page(client, coach).split('id="location"')[1].split("</p>")[1]
    line = location.split("<br>")[1].strip()
    assert not line.startswith("·") and line.startswith(coach.nearest_depot.name_en)


def test_a_landline_reporter_is_shown_as_dialled_at_home_and_still_rung_by_tel_link(client, auth, db, county):
    order = placed_order(county.org, reporter_phone="+8637766221750", owner_id=county.dispatcher.id)
    db.commit()
    auth.login("disp")
    page = _page(client, order)
    reporter = page.split(">Reporter<")[1].split("</dd>")[0]
    assert '<a href="tel:+8637766221750">0377 6622 1750</a>' in reporter


def test_a_mobile_reporter_is_shown_as_before(client, auth, db, county, order):
    auth.login("disp")
    reporter = _page(client, order).split(">Reporter<")[1].split("</dd>")[0]
    assert "+8613812345678" in reporter


def test_after_offering_the_flash_gives_the_reply_the_chinese_technician_was_sent(
    client, auth, db, county, order
):
    auth.login("disp")
    response = client.post(
        f"/console/orders/{order.reference}/assign",
        data={"technician": county.tech.id, "version": order.version, "csrf_token": _csrf(client, order)},
        headers=EN,
        follow_redirects=True,
    )
    db.rollback()
    code = db.get(type(order), order.id).job_code
    flash = response.get_data(as_text=True).split('class="flash ok">')[1].split("</p>")[0]
    assert "张师傅" in flash and f"接{code}" in flash and "Y and its code" not in flash


def test_after_offering_an_english_technician_is_said_to_reply_y(client, auth, db, county, order):
    tech = make_technician(county.org, name="Tom", language="en")
    db.commit()
    auth.login("disp")
    response = client.post(
        f"/console/orders/{order.reference}/assign",
        data={"technician": tech.id, "version": order.version, "csrf_token": _csrf(client, order)},
        headers=EN,
        follow_redirects=True,
    )
    db.rollback()
    code = db.get(type(order), order.id).job_code
    flash = response.get_data(as_text=True).split('class="flash ok">')[1].split("</p>")[0]
    assert "Tom" in flash and f"Reply Y {code} to accept." in flash


def test_a_phoned_acceptance_defaults_to_the_technician_the_offer_waits_on(client, auth, db, county, order):
    make_technician(county.org, name="Aaron")  # first by name
    db.commit()
    auth.login("disp")
    client.post(
        f"/console/orders/{order.reference}/assign",
        data={"technician": county.tech.id, "version": order.version, "csrf_token": _csrf(client, order)},
        headers=EN,
    )
    page = _page(client, order)
    form = page.split("/phone-acceptance")[1].split("</select>")[0]
    first = form.split("<option ")[1]
    assert f'value="{county.tech.id}"' in first and "张师傅" in first


def _set_leave(client, tech, substitute=0):
    page = client.get(f"/console/technicians/{tech.id}", headers=EN).get_data(as_text=True)
    csrf = page.split('name="csrf_token" value="')[1].split('"')[0]
    until = clock.local(clock.now() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        f"/console/technicians/{tech.id}/leave",
        data={"csrf_token": csrf, "until": until, "substitute": substitute},
        headers=EN,
        follow_redirects=True,
    )
    return response.get_data(as_text=True)


def test_leave_for_a_technician_holding_jobs_names_them(client, auth, db, county):
    held = placed_order(county.org, owner_id=county.dispatcher.id)
    transition(db, held, "queue", Actor.system())
    record_phone_acceptance(db, held, county.tech.id, Actor.system())
    db.commit()
    auth.login("disp")
    page = _set_leave(client, county.tech)
    assert "Leave recorded" in page
    assert held.reference in page and "until you reassign them" in page


def test_leave_with_an_off_duty_stand_in_warns(client, auth, db, county):
    resting = make_technician(county.org, name="休息师傅", duty_status=DutyStatus.OFF_DUTY)
    db.commit()
    auth.login("disp")
    page = _set_leave(client, county.tech, substitute=resting.id)
    assert "Leave recorded" in page and "休息师傅, who stands in, is off duty" in page


def test_leave_with_an_on_duty_stand_in_and_no_jobs_says_nothing_more(client, auth, db, county):
    working = make_technician(county.org, name="在岗师傅")
    db.commit()
    auth.login("disp")
    page = _set_leave(client, county.tech, substitute=working.id)
    assert "Leave recorded" in page and "who stands in" not in page and "until you reassign" not in page
