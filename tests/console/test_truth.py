"""The console says what is true: who holds an offered job and until when, what became of every
offer, names behind numbers, one load everywhere, only the actions the lifecycle allows, and
labels rather than codes."""

import re

import pytest

from dispatch.assign import offers
from dispatch.assign.models import Offer, OfferState
from dispatch.orders.lifecycle import Actor, transition
from dispatch.orders.models import Status, WorkOrder
from tests.console.conftest import placed_order
from tests.factories import make_technician

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-CN"}


@pytest.fixture
def order(app, db, county):
    app.config["ASSIGN_AUTO_DISPATCH"] = False  # the dispatcher assigns by hand
    order = placed_order(
        county.org, reporter_phone="+8613812345678", reporter_name="刘女士", owner_id=county.dispatcher.id
    )
    transition(db, order, "queue", Actor.system())
    db.commit()
    return order


def _fresh(db, order) -> WorkOrder:
    db.rollback()
    return db.get(WorkOrder, order.id)


def _page(client, order, headers=EN) -> str:
    return client.get(f"/console/orders/{order.reference}", headers=headers).get_data(as_text=True)


def _section(html: str, section_id: str) -> str:
    start = html.index(f'id="{section_id}"')
    return html[start : html.index("</section>", start)]


def _assign(client, db, order, tech):
    fresh = _fresh(db, order)
    client.post(
        f"/console/orders/{order.reference}/assign", data={"technician": tech.id, "version": fresh.version}
    )
    return _fresh(db, order)


def test_the_offer_holder_shows_with_since_and_until_and_is_not_offered_again(
    client, auth, db, county, order
):
    auth.login("disp")
    fresh = _assign(client, db, order, county.tech)
    assert fresh.status is Status.OFFERED
    html = _page(client, fresh)
    holder = html[html.index('id="holder"') :]
    holder = holder[: holder.index("</dd>")]
    assert "offered to 张师傅 since" in holder and "answer awaited until" in holder
    # The candidates no longer offer "Assign 张师傅": he holds the offer.
    assert "Assign 张师傅" not in _section(html, "actions")
    # Picking another withdraws the running offer: the list says so rather than "Assign to".
    assert "the running offer is withdrawn" in _section(html, "actions")
    # The timeline names him and does not say "offered → offered".
    timeline = _section(html, "timeline")
    assert "张师傅" in timeline
    assert not re.search(r"<b>offered</b>[^<]*(<span[^>]*>[^<]*</span>)?\s*→\s*offered", timeline)
    assert "→ offered" not in timeline


def test_the_queue_and_the_map_show_who_holds_the_offer(client, auth, db, county, order):
    auth.login("disp")
    _assign(client, db, order, county.tech)
    queue = client.get("/console/", headers=EN).get_data(as_text=True)
    row = queue[queue.index(f'id="row-{order.reference}"') :]
    row = row[: row.index("</tr>")]
    assert "offered to 张师傅" in row
    data = client.get("/console/map/data?bbox=111,31,114,34", headers=EN).get_json()
    point = next(p for p in data["orders"]["points"] if p["ref"] == order.reference)
    assert "offered to 张师傅" in point["holder_label"]


def test_a_decline_with_its_reason_and_a_timeout_are_on_the_page(client, auth, db, county, order):
    other = make_technician(county.org, name="李师傅", last_lat=32.53, last_lon=112.37)
    db.commit()
    auth.login("disp")
    _assign(client, db, order, county.tech)
    offer = db.query(Offer).filter_by(work_order_id=order.id, technician_id=county.tech.id).one()
    offers.decline(db, offer, "太远了", Actor.system())
    db.commit()
    fresh = _fresh(db, order)
    html = _page(client, fresh)
    section = _section(html, "offers")
    assert "张师傅" in section and "declined" in section and "太远了" in section
    # The job moved on by itself to 李师傅: the page says he holds it now.
    moved = db.query(Offer).filter_by(work_order_id=order.id, state=OfferState.PENDING).one()
    assert moved.technician_id == other.id
    assert "offered to 李师傅" in html
    offers.lapse(db, moved, OfferState.EXPIRED, None, actor=Actor.system())
    db.commit()
    section = _section(_page(client, _fresh(db, order)), "offers")
    assert "李师傅" in section and "timed out" in section
    timeline = _section(_page(client, _fresh(db, order)), "timeline")
    assert "offer declined" in timeline and "offer timed out" in timeline and "offer_declined" not in timeline


def test_an_acceptance_taken_back_stays_on_the_offers_table(client, auth, db, county, order):
    from datetime import timedelta

    from dispatch import clock
    from dispatch.orders.models import Channel

    clock.freeze(clock.now())
    gao = make_technician(county.org, name="高峰", last_lat=32.53, last_lon=112.37)
    db.commit()
    auth.login("disp")
    _assign(client, db, order, county.tech)
    offer = db.query(Offer).filter_by(work_order_id=order.id, technician_id=county.tech.id).one()
    clock.advance(timedelta(seconds=30))
    accepted_at = clock.now()
    offers.accept(db, offer, Actor(Channel.SMS, technician_id=county.tech.id))  # his "Y <code>"
    db.commit()
    clock.advance(timedelta(minutes=20))
    taken_back_at = clock.now()
    assert _assign(client, db, order, gao).status is Status.OFFERED
    rows = _section(_page(client, _fresh(db, order)), "offers").split("<tr")[2:]
    zhang = [re.sub(r"<[^>]+>", "|", row) for row in rows if "张师傅" in row]
    assert len(zhang) == 2, zhang
    back, accepted = zhang  # newest first
    assert "accepted" in accepted and clock.local(accepted_at).strftime("%Y-%m-%d %H:%M") in accepted
    assert "job taken back" in back and clock.local(taken_back_at).strftime("%Y-%m-%d %H:%M") in back
    assert "reassigned to another technician" in back


def test_messages_show_names_beside_numbers(client, auth, db, county, order):
    auth.login("disp")
    _assign(client, db, order, county.tech)
    thread = _section(_page(client, _fresh(db, order)), "sms-thread")
    assert "张师傅" in thread and county.tech.phone in thread


def test_one_load_on_the_list_the_page_and_the_candidates(client, auth, db, county, order):
    auth.login("disp")
    # One job in hand (accepted), one finished (does not count), one offer waiting (counts).
    busy = placed_order(county.org, lat=32.53, lon=112.37)
    transition(db, busy, "queue", Actor.system())
    done = placed_order(county.org, lat=32.54, lon=112.38)
    transition(db, done, "queue", Actor.system())
    db.commit()
    for job in (busy, done):
        client.post(
            f"/console/orders/{job.reference}/phone-acceptance",
            data={"technician": county.tech.id, "version": _fresh(db, job).version},
        )
    done = _fresh(db, done)
    transition(db, done, "complete", Actor.system())
    db.commit()
    second = make_technician(county.org, name="王师傅")
    db.commit()
    _assign(client, db, order, second)  # an offer waiting for 王师傅
    listing = client.get("/console/technicians", headers=EN).get_data(as_text=True)
    listing = listing[listing.index('id="technicians-table"') :]  # past the flash, which names 王师傅
    page = client.get(f"/console/technicians/{county.tech.id}", headers=EN).get_data(as_text=True)
    tech_row = listing[listing.index("张师傅") :]
    tech_row = tech_row[: tech_row.index("</tr>")]
    assert "1 / 3" in tech_row and "Load</dt><dd>1 / 3" in page.replace("\n", "")
    second_row = listing[listing.index("王师傅") :]
    assert "1 / 3" in second_row[: second_row.index("</tr>")]
    # The candidate list (of another queued order) counts the same: 张师傅 load 1.
    third = placed_order(county.org, lat=32.52, lon=112.36)
    transition(db, third, "queue", Actor.system())
    db.commit()
    candidates = _section(_page(client, third), "actions")
    mine = candidates[candidates.index("Assign 张师傅") :]
    assert "load 1" in mine[: mine.index("</form>")]


def test_a_finished_job_offers_no_reassign_hold_cancel_or_replanning(client, auth, db, county, order):
    auth.login("disp")
    client.post(
        f"/console/orders/{order.reference}/phone-acceptance",
        data={"technician": county.tech.id, "version": order.version},
    )
    fresh = _fresh(db, order)
    transition(db, fresh, "complete", Actor.system())
    db.commit()
    actions = _section(_page(client, _fresh(db, order)), "actions")
    for gone in ("Reassign", "Put on hold", "Cancel", "Reclassify", "Broadcast"):
        assert gone not in actions, gone
    location = _section(_page(client, _fresh(db, order)), "location")
    assert "Correct the location" not in location
    assert "Add a note" in actions  # what remains true of a finished job is still there


def test_chinese_pages_show_labels_not_codes(client, auth, db, county, order):
    auth.login("disp")
    _assign(client, db, order, county.tech)
    data = client.get("/console/map/data?bbox=111,31,114,34", headers=ZH).get_json()
    point = next(p for p in data["orders"]["points"] if p["ref"] == order.reference)
    assert point["status_label"] == "已派单" or re.search(r"[\u4e00-\u9fff]", point["status_label"])
    assert point["type_label"] != point["type"] and re.search(r"[\u4e00-\u9fff]", point["type_label"])
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", point["due_local"])
    assert "place" in point
    listing = client.get("/console/technicians", headers=ZH).get_data(as_text=True)
    assert "water" not in listing and "inspection" not in listing
    county.tech.last_position_source = "job_site"
    db.commit()
    listing = client.get("/console/technicians", headers=ZH).get_data(as_text=True)
    assert "job_site" not in listing


def test_english_words_for_a_chinese_reading_technician_are_flagged(client, auth, db, county, app):
    app.config["ASSIGN_AUTO_DISPATCH"] = False
    order = placed_order(county.org, description="Water pouring out of the pavement near the school")
    transition(db, order, "queue", Actor.system())
    db.commit()
    auth.login("disp")
    _assign(client, db, order, county.tech)
    html = _page(client, _fresh(db, order))
    assert 'id="language-notice"' in html and "reads Chinese" in html


def test_a_calendar_warning_is_shown_on_the_order(client, auth, db, county, order):
    auth.login("disp")
    fresh = _fresh(db, order)
    fresh.milestones[0].calendar_warning = True
    db.commit()
    assert "no official holiday schedule" in _section(_page(client, fresh), "milestones")


def test_the_favicon_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response.data[:4] == b"\x00\x00\x01\x00"


def test_the_sound_switch_says_state_and_action(client, auth, county):
    auth.login("disp")
    html = client.get("/console/", headers=EN).get_data(as_text=True)
    assert "Alert sound: on (click to mute)" in html and "Alert sound: off (click to turn on)" in html


def test_a_stored_language_over_the_browser_is_said_on_the_switch(client, auth, db, county):
    county.dispatcher.language = "zh_Hans_CN"
    db.commit()
    auth.login("disp")
    html = client.get("/console/", headers=EN).get_data(as_text=True)
    assert 'id="language-source"' in html and 'lang="zh-CN"' in html
    client.post("/language/en", data={"next": "/console/"})
    html = client.get("/console/", headers=EN).get_data(as_text=True)
    assert 'id="language-source"' not in html


def test_console_texts_count_as_delivered_on_the_simulator(client, auth, db, county, order, app):
    from dispatch.sms import outbox
    from dispatch.sms.console_gateway import ConsoleGateway

    auth.login("disp")
    _assign(client, db, order, county.tech)
    outbox.deliver_due(db, ConsoleGateway(), outbox.OutboxPolicy(), "test")
    html = client.get("/console/sms/simulator", headers=EN).get_data(as_text=True)
    assert "delivered (console)" in html


@pytest.mark.parametrize(
    "path", ["/console/", "/console/map", "/console/technicians", "/intake/phone", "/console/sms/simulator"]
)
def test_every_console_page_listens_for_live_updates(client, auth, county, path):
    auth.login("disp")
    html = client.get(path, headers=EN).get_data(as_text=True)
    assert 'id="live-default"' in html and "/console/live" in html and "js/console.js" in html
    assert "reload to see them" not in html


def test_lists_that_events_change_name_what_to_refresh(client, auth, county):
    auth.login("disp")
    technicians = client.get("/console/technicians", headers=EN).get_data(as_text=True)
    assert 'data-swap="#technicians-table"' in technicians and 'id="technicians-table"' in technicians
    simulator = client.get("/console/sms/simulator", headers=EN).get_data(as_text=True)
    assert 'data-swap="#texts-received,#texts-sent"' in simulator


def test_the_map_opens_on_the_organisations_area_with_named_sites(client, auth, db, county):
    auth.login("disp")
    html = client.get("/console/map", headers=EN).get_data(as_text=True)
    west, south, east, north = (float(v) for v in re.search(r'data-home="([^"]+)"', html).group(1).split(","))
    # The county's depots and built-up area, with a small margin — not a blob in a sea of grey.
    assert east - west < 1.5 and north - south < 1.5
    assert "depot" in html and "service station" in html and 'id="legend"' in html
    sites = client.get("/console/map/sites", headers=EN).get_json()
    assert sites["sites"] and all(s["name"] for s in sites["sites"])
    assert all(f["properties"]["name"] for f in sites["areas"]["features"])
    for page in ("/console/map", "/intake/phone"):
        assert "js/mapbits.js" in client.get(page, headers=EN).get_data(as_text=True)


def test_the_coach_map_frames_the_service_network(client, auth, db, county):
    auth.login("stranger")  # a dispatcher of the coach maker
    html = client.get("/console/map", headers=EN).get_data(as_text=True)
    west, south, east, north = (float(v) for v in re.search(r'data-home="([^"]+)"', html).group(1).split(","))
    sites = client.get("/console/map/sites", headers=EN).get_json()["sites"]
    stations = [s for s in sites if s["kind"] == "service_station"]
    assert stations and all(west <= s["lon"] <= east and south <= s["lat"] <= north for s in stations)


def test_a_landline_reporter_is_called_not_texted(client, auth, db, county, app):
    order = placed_order(county.org, reporter_phone="+8637766221750")
    db.commit()
    auth.login("disp")
    html = _page(client, order)
    assert 'id="must-call"' in html and "call them" in html
    assert "Send the customer a message" not in _section(html, "actions")
    response = client.post(f"/console/orders/{order.reference}/message", data={"body": "hello"}, headers=EN)
    assert response.status_code in (400, 422) and "landline" in response.get_data(as_text=True)


def test_no_page_carries_inline_script_or_handlers(client, auth, db, county, order):
    auth.login("disp")
    pages = ["/console/", "/console/map", "/console/technicians", "/intake/phone", "/console/sms/simulator"]
    pages += [f"/console/orders/{order.reference}", f"/console/orders/{order.reference}/ticket"]
    for path in pages:
        html = client.get(path, headers=EN).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", html), path
        assert not re.search(r"\son[a-z]+=", html), path
