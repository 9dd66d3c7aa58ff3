"""The work-order page says what a dispatcher must know: a landline caller must be called, the
asset of a coach order, a place by name."""

import sqlalchemy as sa

from dispatch.sms.models import OutboxMessage as Outbox
from tests.console.conftest import placed_order

EN = {"Accept-Language": "en"}


def test_a_landline_caller_is_flagged_to_be_called_and_no_text_is_queued(client, auth, db, county):
    order = placed_order(county.org, reporter_phone="+8637766221750", owner_id=county.dispatcher.id)
    mobile = placed_order(county.org, reporter_phone="+8613812345678", owner_id=county.dispatcher.id)
    db.commit()
    auth.login("disp")
    page = client.get(f"/console/orders/{order.reference}", headers=EN).get_data(as_text=True)
    assert 'id="must-call"' in page and "call them" in page
    other = client.get(f"/console/orders/{mobile.reference}", headers=EN).get_data(as_text=True)
    assert 'id="must-call"' not in other
    page = client.get(f"/console/orders/{order.reference}", headers=EN).get_data(as_text=True)
    csrf = page.split('name="csrf_token" value="')[1].split('"')[0]
    client.post(
        f"/console/orders/{order.reference}/message",
        data={"csrf_token": csrf, "body": "hello", "version": order.version},
        headers=EN,
    )
    db.rollback()
    assert db.scalars(sa.select(Outbox).where(Outbox.recipient == "+8637766221750")).all() == []


def test_the_order_page_shows_the_coach_it_is_about(client, auth, db, county):
    from dispatch.geo.models import AssetKind, Customer

    coach = Customer(
        org_id=county.org.id, kind=AssetKind.VEHICLE, account="LZYB908DXLZ123332", holder="南阳捷运",
        model="ZK6908H", mileage_km=363350, base_city="南阳", lat=32.52, lon=112.36,
    )  # fmt: skip
    db.add(coach)
    db.flush()
    order = placed_order(county.org, customer_id=coach.id, owner_id=county.dispatcher.id)
    db.commit()
    auth.login("disp")
    page = client.get(f"/console/orders/{order.reference}", headers=EN).get_data(as_text=True)
    asset = page.split('id="asset">')[1].split("</dd>")[0]
    assert (
        "LZYB908DXLZ123332" in asset and "ZK6908H" in asset and "南阳捷运" in asset and "363,350 km" in asset
    )


def test_a_coach_order_whose_only_deadline_is_a_reply_shows_no_make_or_miss(app, client, auth, db, county):
    from dispatch.orders.lifecycle import Actor, transition
    from tests.factories import make_technician

    app.config["ASSIGN_AUTO_DISPATCH"] = False
    # Xinyang, far beyond 100 km of any service station: the rule is a reply within 12 h.
    order = placed_order(county.other, lat=32.0798, lon=114.1802, type_code="vehicle_body_fault")
    transition(db, order, "queue", Actor.system())
    make_technician(county.other, name="服务工程师", skills=["vehicle_body"], last_lat=32.0, last_lon=114.0)
    db.commit()
    assert [m.name for m in order.milestones] == ["reply"] and order.zone is None
    auth.login("stranger")
    page = client.get(f"/console/orders/{order.reference}", headers=EN).get_data(as_text=True)
    assert "服务工程师" in page
    assert "makes the deadline" not in page and "would be late" not in page
    assert "outside the built-up area" not in page


def test_one_load_on_the_technicians_list_his_page_and_the_candidates(app, client, auth, db, county):
    from dispatch import clock
    from dispatch.assign.models import Offer
    from dispatch.orders.models import Status

    app.config["ASSIGN_AUTO_DISPATCH"] = False
    tech = county.tech
    held = placed_order(county.org, assignee_id=tech.id)
    held.status = Status.ACCEPTED
    done = placed_order(county.org, assignee_id=tech.id)
    done.status = Status.WORK_DONE
    offered = placed_order(county.org)
    offered.status = Status.OFFERED
    db.flush()
    db.add(
        Offer(org_id=county.org.id, work_order_id=offered.id, technician_id=tech.id, expires_at=clock.now())
    )
    job = placed_order(county.org, owner_id=county.dispatcher.id)
    job.status = Status.QUEUED
    db.commit()
    auth.login("disp")
    listing = client.get("/console/technicians", headers=EN).get_data(as_text=True)
    assert f"2 / {tech.max_load}" in listing
    page = client.get(f"/console/technicians/{tech.id}", headers=EN).get_data(as_text=True)
    assert f"2 / {tech.max_load}" in page
    found = client.get(f"/api/v1/orders/{job.reference}/candidates").get_json()["candidates"]
    assert [c["load"] for c in found if c["technician_id"] == tech.id] == [2]


def test_the_coach_queue_offers_no_built_up_area_filter(client, auth, db, county):
    auth.login("stranger")  # the coach maker's dispatcher
    coach = client.get("/console/", headers=EN).get_data(as_text=True)
    assert 'name="zone"' not in coach and "built-up area" not in coach
    auth.logout()
    auth.login("disp")
    assert 'name="zone"' in client.get("/console/", headers=EN).get_data(as_text=True)


def test_a_linked_duplicate_shows_the_originals_promise_and_no_clock_of_its_own(client, auth, db, county):
    original = placed_order(county.org, owner_id=county.dispatcher.id)
    dup = placed_order(county.org, owner_id=county.dispatcher.id)
    dup.duplicate_of_id = original.id
    dup.milestones.clear()
    db.commit()
    auth.login("disp")
    page = client.get(f"/console/orders/{dup.reference}", headers=EN).get_data(as_text=True)
    assert "the original's apply" in page and 'class="countdown"' not in page
    # The original's promise, not none at all.
    assert "Promised to the customer" in page and original.reference in page
