"""The queue: open orders by next deadline, states, filters, search, paging, one organisation."""

from datetime import timedelta

from dispatch import clock
from dispatch.console.queue import QueueFilter, queue_page
from dispatch.orders.lifecycle import Actor, transition
from tests.console.conftest import placed_order
from tests.factories import make_order, make_technician


def test_sorted_by_the_next_due_milestone_with_states(db, county):
    clock.freeze(clock.now())
    leak = placed_order(
        county.org, reported_at=clock.now() - timedelta(minutes=50)
    )  # on site in 1 h: at risk
    accident = placed_order(county.org, type_code="safety_accident")  # 30 min
    old = placed_order(county.org, reported_at=clock.now() - timedelta(hours=2))  # breached
    waiting = make_order(county.org, type_code="water_leak")  # unplaced: strictest deadlines from now
    page = queue_page(db, county.org.id, QueueFilter())
    refs = [r.order.reference for r in page.rows]
    assert refs == [old.reference, leak.reference, accident.reference, waiting.reference]
    states = [r.state(clock.now()) for r in page.rows]
    assert states == ["breached", "at_risk", "on_track", "on_track"]
    assert page.rows[0].next_name == "arrive"


def test_closed_orders_and_other_organisations_are_not_in_the_queue(db, county):
    mine = placed_order(county.org)
    transition(db, placed_order(county.org), "cancel", Actor.system())
    placed_order(county.other, type_code="vehicle_body_fault")
    assert [r.order.id for r in queue_page(db, county.org.id, QueueFilter()).rows] == [mine.id]


def test_filters_and_at_risk_only(db, county):
    clock.freeze(clock.now())
    leak = placed_order(
        county.org, reported_at=clock.now() - timedelta(minutes=55), assignee_id=county.tech.id
    )
    accident = placed_order(county.org, type_code="safety_accident", lat=32.9, lon=112.9)
    assert [
        r.order.id for r in queue_page(db, county.org.id, QueueFilter(type_code="safety_accident")).rows
    ] == [accident.id]
    assert [r.order.id for r in queue_page(db, county.org.id, QueueFilter(at_risk_only=True)).rows] == [
        leak.id
    ]
    assert [
        r.order.id for r in queue_page(db, county.org.id, QueueFilter(technician_id=county.tech.id)).rows
    ] == [leak.id]
    assert queue_page(db, county.org.id, QueueFilter(zone="outside")).rows[0].order.id == accident.id
    assert queue_page(db, county.org.id, QueueFilter(status="queued")).total == 0


def test_search_by_reference_phone_or_address(db, county):
    a = placed_order(county.org, reporter_phone="+8613812345678", address="新华路12号")
    b = placed_order(county.org, reporter_phone="+8613900000000", address="Hanhua Road 100%")
    assert [r.order.id for r in queue_page(db, county.org.id, QueueFilter(search="13812345678")).rows] == [
        a.id
    ]
    assert [r.order.id for r in queue_page(db, county.org.id, QueueFilter(search="新华路")).rows] == [a.id]
    assert [r.order.id for r in queue_page(db, county.org.id, QueueFilter(search=b.reference)).rows] == [b.id]
    # LIKE wildcards typed by a user are taken literally.
    assert [r.order.id for r in queue_page(db, county.org.id, QueueFilter(search="100%")).rows] == [b.id]
    assert queue_page(db, county.org.id, QueueFilter(search="_")).total == 0


def test_digits_of_a_reference_number_find_that_reference_not_every_phone(db, county):
    orders = [
        placed_order(county.org, reporter_phone=f"+861391234{n:04d}", address=f"人民路{n}号")
        for n in range(12)
    ]
    third = orders[2]
    number = third.reference.rsplit("-", 1)[1]  # e.g. 000003
    for typed in (number, number.lstrip("0"), "0" + number.lstrip("0")):
        found = [r.order.id for r in queue_page(db, county.org.id, QueueFilter(search=typed)).rows]
        assert found == [third.id], typed
    year = third.reference.split("-")[1]
    assert queue_page(db, county.org.id, QueueFilter(search=year)).total == 0  # no phone or address has it
    # Digits no open order is numbered are a phone number's (or an address's) digits.
    for typed in ("340011", "13912340011"):
        found = [r.order.id for r in queue_page(db, county.org.id, QueueFilter(search=typed)).rows]
        assert found == [orders[11].id], typed
    assert [r.order.id for r in queue_page(db, county.org.id, QueueFilter(search="人民路11号")).rows] == [
        orders[11].id
    ]


def test_the_technician_filter_includes_the_jobs_offered_to_him(client, auth, db, county, app):
    from dispatch.assign import dispatcher

    app.config["ASSIGN_AUTO_DISPATCH"] = False
    gao = make_technician(county.org, name="高峰")
    offered = placed_order(county.org)
    held = placed_order(county.org, assignee_id=gao.id)
    placed_order(county.org)  # nobody's
    transition(db, offered, "queue", Actor.system())
    dispatcher.offer_to(db, offered, gao.id, Actor.system())
    db.commit()
    found = queue_page(db, county.org.id, QueueFilter(technician_id=gao.id))
    assert {r.order.id for r in found.rows} == {offered.id, held.id} and found.total == 2
    auth.login("disp")
    html = client.get(f"/console/?technician={gao.id}", headers={"Accept-Language": "en"}).get_data(True)
    assert '<span class="muted count" id="queue-count">2</span>' in html
    assert "offered to 高峰" in html and "No open work orders" not in html


def test_pages(db, county):
    for _ in range(5):
        placed_order(county.org)
    first = queue_page(db, county.org.id, QueueFilter(), page=1, per_page=2)
    last = queue_page(db, county.org.id, QueueFilter(), page=99, per_page=2)
    assert (first.total, first.pages, len(first.rows), first.has_next) == (5, 3, 2, True)
    assert (last.page, len(last.rows), last.has_next, last.has_prev) == (3, 1, False, True)


def test_queue_page_renders_countdowns_type_names_and_escapes_text(client, auth, db, county):
    order = placed_order(county.org, address="<script>alert('x')</script>")
    auth.login("disp")
    html = client.get("/console/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert (
        order.reference in html
        and 'class="countdown"' in html
        and "Water leak" in html.replace("water leak", "Water leak")
    )
    assert "<script>alert('x')</script>" not in html and "&lt;script&gt;" in html
    zh = client.get("/console/?q=" + order.reference, headers={"Accept-Language": "zh-CN"}).get_data(
        as_text=True
    )
    assert "供水管网" in zh


def test_needs_location_queue_lists_unplaced_orders(client, auth, db, county):
    unplaced = make_order(county.org)
    transition(db, unplaced, "need_location", Actor.system())
    placed = placed_order(county.org)
    db.commit()
    auth.login("disp")
    html = client.get("/console/needs-location").get_data(as_text=True)
    assert unplaced.reference in html and placed.reference not in html


def test_bad_filter_values_are_ignored(client, auth, county):
    auth.login("disp")
    assert client.get("/console/?status=bogus&zone=mars&technician=x&page=-3").status_code == 200
