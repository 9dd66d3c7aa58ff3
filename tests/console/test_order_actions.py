"""The assignment and deadline actions of the work-order page: each posts to a console endpoint
that calls the existing operation, scoped to the organisation and guarded by the order version."""

from datetime import timedelta

import pytest

from dispatch import clock
from dispatch.assign.models import Offer
from dispatch.assign.offers import OFFER_KIND
from dispatch.orders.lifecycle import Actor, transition
from dispatch.orders.models import Event, Status, WorkOrder
from dispatch.sms.models import OutboxMessage
from tests.console.conftest import placed_order
from tests.factories import make_technician

EN = {"Accept-Language": "en"}


@pytest.fixture
def order(app, db, county):
    app.config["ASSIGN_AUTO_DISPATCH"] = False  # the dispatcher assigns by hand
    order = placed_order(county.org, reporter_phone="+8613812345678", owner_id=county.dispatcher.id)
    transition(db, order, "queue", Actor.system())
    db.commit()
    return order


@pytest.fixture
def foreign(db, county):
    order = placed_order(county.other, type_code="water_leak")
    db.commit()
    return order


def _fresh(db, order) -> WorkOrder:
    db.rollback()
    return db.get(WorkOrder, order.id)


def _page(client, order) -> str:
    return client.get(f"/console/orders/{order.reference}", headers=EN).get_data(as_text=True)


def test_the_page_lists_ranked_candidates_with_eta_and_deadline(client, auth, db, county, order):
    make_technician(county.org, name="远处师傅", last_lat=32.9, last_lon=112.9)
    db.commit()
    auth.login("disp")
    html = _page(client, order)
    assert 'id="candidates"' in html and "张师傅" in html and "远处师傅" in html
    assert html.index("张师傅") < html.index("远处师傅")  # the nearer one first
    assert "ETA" in html and "makes the deadline" in html
    assert "Broadcast" in html and "Record an acceptance made by phone" in html
    assert "Reclassify" in html


def test_assign_offers_the_job_to_the_pick_who_accepts_by_sms(client, auth, db, county, order):
    auth.login("disp")
    response = client.post(
        f"/console/orders/{order.reference}/assign",
        data={"technician": county.tech.id, "version": order.version},
        headers=EN,
        follow_redirects=True,
    )
    assert response.status_code == 200 and "Offered by SMS" in response.get_data(as_text=True)
    fresh = _fresh(db, order)
    assert fresh.status is Status.OFFERED and fresh.assignee_id is None
    offer = db.query(Offer).filter_by(work_order_id=order.id).one()
    assert offer.technician_id == county.tech.id and not offer.broadcast
    assert db.query(OutboxMessage).filter_by(technician_id=county.tech.id, kind=OFFER_KIND).count() == 1
    again = client.post(
        f"/console/orders/{order.reference}/assign",
        data={"technician": county.tech.id, "version": fresh.version},
        headers=EN,
        follow_redirects=True,
    )
    assert "already been offered" in again.get_data(as_text=True)


def test_reassign_takes_the_job_back_and_offers_it_to_another(client, auth, db, county, order):
    other = make_technician(county.org, name="李师傅")
    db.commit()
    auth.login("disp")
    client.post(
        f"/console/orders/{order.reference}/phone-acceptance",
        data={"technician": county.tech.id, "version": order.version},
    )
    fresh = _fresh(db, order)
    assert fresh.status is Status.ACCEPTED
    assert "Reassign to" in _page(client, fresh)
    client.post(
        f"/console/orders/{order.reference}/assign",
        data={"technician": other.id, "version": fresh.version, "note": "closer"},
    )
    fresh = _fresh(db, order)
    assert fresh.status is Status.OFFERED and fresh.assignee_id is None
    assert db.query(OutboxMessage).filter_by(technician_id=county.tech.id, kind="unassigned").count() == 1
    assert db.query(OutboxMessage).filter_by(technician_id=other.id, kind=OFFER_KIND).count() == 1


def test_a_stale_version_is_a_409_that_says_so(client, auth, db, county, order):
    auth.login("disp")
    response = client.post(
        f"/console/orders/{order.reference}/assign",
        data={"technician": county.tech.id, "version": order.version - 1},
        headers=EN,
    )
    assert response.status_code == 409
    assert "changed this in the meantime" in response.get_data(as_text=True)
    assert _fresh(db, order).status is Status.QUEUED


@pytest.mark.parametrize(
    "path, data",
    [
        ("assign", {"technician": 0}),
        ("phone-acceptance", {"technician": 0}),
        ("broadcast", {}),
        ("deadline", {"milestone": "resolve", "due_at": "2030-01-01T10:00", "explanation": "x"}),
        ("reclassify", {"severity": "major", "needs_supplier": "keep", "reason": "x"}),
    ],
)
def test_another_organisations_order_is_not_found(client, auth, db, county, foreign, path, data):
    auth.login("disp")
    data = dict(data, version=foreign.version)
    if "technician" in data:
        data["technician"] = county.tech.id
    response = client.post(f"/console/orders/{foreign.reference}/{path}", data=data, headers=EN)
    assert response.status_code == 404
    assert len(_fresh(db, foreign).events) == len(foreign.events)


@pytest.mark.parametrize("path", ["assign", "phone-acceptance", "broadcast", "deadline", "reclassify"])
def test_every_action_checks_the_version(client, auth, db, county, order, path):
    auth.login("disp")
    data = {
        "version": order.version + 5,
        "technician": county.tech.id,
        "milestone": "resolve",
        "due_at": "2030-01-01T10:00",
        "explanation": "x",
        "severity": "major",
        "needs_supplier": "keep",
        "reason": "x",
    }
    response = client.post(f"/console/orders/{order.reference}/{path}", data=data, headers=EN)
    assert response.status_code == 409


def test_a_technician_on_leave_is_refused_with_a_clear_message(client, auth, db, county, order):
    away = make_technician(county.org, name="休假师傅", leave_until=clock.now() + timedelta(days=2))
    db.commit()
    auth.login("disp")
    response = client.post(
        f"/console/orders/{order.reference}/assign",
        data={"technician": away.id, "version": order.version},
        headers=EN,
        follow_redirects=True,
    )
    assert "cannot take this job now" in response.get_data(as_text=True)
    assert _fresh(db, order).status is Status.QUEUED


def test_another_organisations_technician_is_not_found(client, auth, db, county, order):
    stranger = make_technician(county.other, name="外单位")
    db.commit()
    auth.login("disp")
    response = client.post(
        f"/console/orders/{order.reference}/assign",
        data={"technician": stranger.id, "version": order.version},
        headers=EN,
    )
    assert response.status_code == 404
    assert _fresh(db, order).assignee_id is None


def test_phone_acceptance_is_recorded_as_such(client, auth, db, county, order):
    auth.login("disp")
    client.post(
        f"/console/orders/{order.reference}/phone-acceptance",
        data={"technician": county.tech.id, "version": order.version, "note": "rang back"},
        headers=EN,
    )
    fresh = _fresh(db, order)
    assert fresh.status is Status.ACCEPTED
    accept = [e for e in fresh.events if e.kind == "accept"][-1]
    assert accept.data["by_phone"] is True and accept.note == "rang back"


def test_broadcast_offers_the_job_and_names_whom(client, auth, db, county, order):
    make_technician(county.org, name="李师傅", last_lat=32.53, last_lon=112.37)
    db.commit()
    auth.login("disp")
    response = client.post(
        f"/console/orders/{order.reference}/broadcast",
        data={"version": order.version},
        headers=EN,
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert "Offered to 2 technicians at once" in html and "张师傅" in html and "李师傅" in html
    assert _fresh(db, order).status is Status.OFFERED
    assert db.query(Offer).filter_by(work_order_id=order.id).count() == 2


def test_a_broadcast_nobody_can_take_says_so_and_writes_nothing(client, auth, db, county, order):
    from dispatch.assign import offers
    from dispatch.assign.models import OfferState

    auth.login("disp")
    client.post(
        f"/console/orders/{order.reference}/broadcast", data={"version": order.version}, follow_redirects=True
    )
    offer = db.query(Offer).filter_by(work_order_id=order.id).one()
    offers.lapse(db, offer, OfferState.EXPIRED, "timeout", actor=Actor.system())  # nobody else to ask
    db.commit()
    fresh = _fresh(db, order)
    assert fresh.status is Status.QUEUED
    events, texts = len(fresh.events), db.query(OutboxMessage).count()
    response = client.post(
        f"/console/orders/{order.reference}/broadcast",
        data={"version": fresh.version},
        headers=EN,
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert '<p class="flash error">Nobody was offered the job' in html and 'class="flash ok"' not in html
    fresh = _fresh(db, order)
    assert fresh.status is Status.QUEUED and len(fresh.events) == events
    assert db.query(Offer).filter_by(work_order_id=order.id).count() == 1
    assert db.query(OutboxMessage).count() == texts


def test_an_incomplete_form_is_refused_plainly(client, auth, db, order):
    auth.login("disp")
    response = client.post(f"/console/orders/{order.reference}/broadcast", data={}, headers=EN)
    assert response.status_code == 302
    assert _fresh(db, order).status is Status.QUEUED


def test_set_a_deadline_by_hand_with_its_explanation(client, auth, db, county):
    hot = placed_order(county.org, type_code="hot_issue", reporter_phone="+8613812345678")
    db.commit()
    auth.login("disp")
    assert "Set a deadline by hand" in _page(client, hot)
    due = clock.local(clock.now() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        f"/console/orders/{hot.reference}/deadline",
        data={"version": hot.version, "milestone": "resolve", "due_at": due, "explanation": "需协调多个部门"},
        headers=EN,
        follow_redirects=True,
    )
    assert "Deadline set" in response.get_data(as_text=True)
    fresh = _fresh(db, hot)
    resolve = next(m for m in fresh.milestones if m.name == "resolve")
    assert clock.local(resolve.due_at).strftime("%Y-%m-%dT%H:%M") == due
    assert db.query(OutboxMessage).filter_by(work_order_id=hot.id, kind="deadline_set").count() == 1


def test_a_deadline_set_for_a_landline_caller_says_to_call_them(client, auth, db, county):
    hot = placed_order(county.org, type_code="hot_issue", reporter_phone="+8637766221750")
    db.commit()
    auth.login("disp")
    form = _page(client, hot)
    assert "explanation the caller receives" not in form and "tell the customer by phone" in form
    due = clock.local(clock.now() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        f"/console/orders/{hot.reference}/deadline",
        data={"version": hot.version, "milestone": "resolve", "due_at": due, "explanation": "需协调多个部门"},
        headers=EN,
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert "the caller is told why" not in html
    assert "No SMS reaches a landline: call the customer on 0377 6622 1750" in html
    assert db.query(OutboxMessage).filter_by(work_order_id=hot.id, kind="deadline_set").count() == 0
    moved = next(m for m in _fresh(db, hot).milestones if m.name == "resolve")
    assert clock.local(moved.due_at).strftime("%Y-%m-%dT%H:%M") == due


def test_a_deadline_in_the_past_or_unset_by_rule_is_refused(client, auth, db, county, order):
    auth.login("disp")
    assert "Set a deadline by hand" not in _page(client, order)  # water_leak: set by its rule
    response = client.post(
        f"/console/orders/{order.reference}/deadline",
        data={
            "version": order.version,
            "milestone": "resolve",
            "due_at": "2030-01-01T10:00",
            "explanation": "x",
        },
        headers=EN,
        follow_redirects=True,
    )
    assert "cannot be set by hand" in response.get_data(as_text=True)
    response = client.post(
        f"/console/orders/{order.reference}/deadline",
        data={"version": order.version, "milestone": "resolve", "due_at": "soon", "explanation": "x"},
        headers=EN,
        follow_redirects=True,
    )
    assert "date and time" in response.get_data(as_text=True)


def test_reclassify_to_major_moves_the_resolve_deadline(client, auth, db, county, order):
    before = {m.name: m.due_at for m in order.milestones}
    auth.login("disp")
    response = client.post(
        f"/console/orders/{order.reference}/reclassify",
        data={"version": order.version, "severity": "major", "needs_supplier": "keep", "reason": "主管破裂"},
        headers=EN,
        follow_redirects=True,
    )
    assert "Reclassified" in response.get_data(as_text=True)
    fresh = _fresh(db, order)
    assert fresh.severity == "major"
    assert {m.name: m.due_at for m in fresh.milestones}["resolve"] != before["resolve"]
    assert db.query(Event).filter_by(order_id=order.id, kind="reclassified").count() == 1


def test_reclassify_without_a_reason_is_refused(client, auth, db, order):
    auth.login("disp")
    client.post(
        f"/console/orders/{order.reference}/reclassify",
        data={"version": order.version, "severity": "major", "needs_supplier": "keep", "reason": " "},
        headers=EN,
    )
    assert _fresh(db, order).severity is None


def test_the_queue_shows_assignment_and_delivery_alerts(client, auth, db, county, order, foreign):
    from dispatch.assign.alerts import NO_CANDIDATES, raise_alert
    from dispatch.sms.alerts import DeliveryAlert

    transition(db, foreign, "queue", Actor.system())
    raise_alert(db, order, NO_CANDIDATES, "nobody free")
    raise_alert(db, foreign, NO_CANDIDATES, "nobody free")
    sms = OutboxMessage(recipient="+8613812345678", body="x", work_order_id=order.id, org_id=county.org.id)
    db.add(sms)
    db.flush()
    db.add(
        DeliveryAlert(
            org_id=county.org.id, outbox_message_id=sms.id, work_order_id=order.id,
            recipient=sms.recipient, reason="unreachable", error_code="30003",
        )
    )  # fmt: skip
    db.commit()
    auth.login("disp")
    html = client.get("/console/", headers=EN).get_data(as_text=True)
    assert 'id="alerts"' in html and "Nobody who may still be asked is free" in html
    assert "could not be delivered" in html and "30003" in html
    assert foreign.reference not in html
