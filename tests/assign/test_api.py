"""The dispatcher's JSON API: candidates, assign / reassign, phone acceptance, broadcast, unassign,
alerts — authenticated, scoped to the organisation, and refusing stale versions."""

import pytest

from dispatch import clock
from dispatch.assign.models import DutyStatus, OfferState
from dispatch.auth.models import Role
from dispatch.auth.service import create_api_key
from dispatch.extensions import db as _db
from dispatch.orders.models import Status
from tests.assign.helpers import MORNING, TOWN, county, offers_of, outbox_to, report
from tests.factories import make_org, make_technician, make_user


def near(km_north: float) -> dict:
    return {"last_lat": TOWN[0] + km_north / 111.2, "last_lon": TOWN[1]}


@pytest.fixture
def setup(app, db):
    clock.freeze(MORNING)
    org = county(db)
    techs = [make_technician(org, **near(k)) for k in (1, 3, 20)]
    key = create_api_key(db, org, "console")
    order = report(db, org)
    db.commit()
    return org, techs, {"X-API-Key": key}, order


def test_candidates_ranked_with_eta_and_deadline(client, setup):
    org, techs, key, order = setup
    answer = client.get(f"/api/v1/orders/{order.reference}/candidates", headers=key)
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["target"]["milestone"] == "arrive"
    rows = body["candidates"]
    assert [r["technician_id"] for r in rows] == [t.id for t in techs]
    assert [r["can_meet"] for r in rows] == [True, True, False]
    assert rows[0]["eta_min"] == pytest.approx(1.0 * 1.3 / 25 * 60 + 5, abs=0.2)


def test_authentication_and_organisation_scope(client, db, setup):
    org, techs, key, order = setup
    assert client.get(f"/api/v1/orders/{order.reference}/candidates").status_code == 401
    assert (
        client.get(
            f"/api/v1/orders/{order.reference}/candidates", headers={"X-API-Key": "dk_nope"}
        ).status_code
        == 401
    )
    other = make_org()
    other_key = create_api_key(db, other, "theirs")
    make_user(org, Role.WAREHOUSE, username="store")
    db.commit()
    answer = client.get(f"/api/v1/orders/{order.reference}/candidates", headers={"X-API-Key": other_key})
    assert answer.status_code == 404
    client.post("/login", data={"username": "store", "password": "password123"})
    assert client.get(f"/api/v1/orders/{order.reference}/offers").status_code == 403


def test_assign_to_a_chosen_candidate_withdraws_the_open_offer(client, db, setup):
    org, techs, key, order = setup
    version = client.get(f"/api/v1/orders/{order.reference}/candidates", headers=key).get_json()["version"]
    answer = client.post(
        f"/api/v1/orders/{order.reference}/assign",
        json={"technician_id": techs[1].id, "version": version},
        headers=key,
    )
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["status"] == "accepted" and answer.get_json()["assignee_id"] == techs[1].id
    db.rollback()
    states = {o.technician_id: o.state for o in offers_of(db, order)}
    assert states == {techs[0].id: OfferState.WITHDRAWN, techs[1].id: OfferState.ACCEPTED}
    assert [m.kind for m in outbox_to(db, techs[0].phone)] == ["offer", "offer_withdrawn"]
    assert [m.kind for m in outbox_to(db, techs[1].phone)] == ["assignment"]
    # The version seen before is stale now: a second dispatcher's assign is a conflict.
    stale = client.post(
        f"/api/v1/orders/{order.reference}/assign",
        json={"technician_id": techs[2].id, "version": version},
        headers=key,
    )
    assert stale.status_code == 409


def test_reassign_unassign_and_phone_acceptance(client, db, setup):
    org, techs, key, order = setup

    def post(path, **body):
        return client.post(f"/api/v1/orders/{order.reference}/{path}", json=body, headers=key)

    assert post("assign", technician_id=techs[0].id).status_code == 200
    assert (
        post("assign", technician_id=techs[1].id, note="closer now").get_json()["assignee_id"] == techs[1].id
    )
    db.rollback()
    assert [m.kind for m in outbox_to(db, techs[0].phone)][-1] == "unassigned"
    assert post("unassign", reason="customer postponed").get_json()["status"] == "queued"
    answer = post("phone-acceptance", technician_id=techs[2].id)
    assert answer.status_code == 200 and answer.get_json()["assignee_id"] == techs[2].id
    db.rollback()
    assert order.events[-1].data["by_phone"] is True
    assert post("unassign").status_code == 200
    assert post("unassign").status_code == 409  # queued: nothing to take back


def test_on_leave_and_unknown_technicians_are_refused(client, db, setup):
    org, techs, key, order = setup
    techs[0].duty_status = DutyStatus.ON_LEAVE
    techs[0].substitute_id = techs[1].id
    stranger = make_technician(make_org())
    db.commit()
    post = lambda body: client.post(f"/api/v1/orders/{order.reference}/assign", json=body, headers=key)  # noqa: E731
    on_leave = post({"technician_id": techs[0].id})
    assert on_leave.status_code == 400 and techs[1].code in on_leave.get_json()["error"]
    assert post({"technician_id": stranger.id}).status_code == 404
    assert post({"technician": "x"}).status_code == 422
    db.rollback()
    assert order.status is Status.OFFERED


def test_broadcast_and_alerts(client, db, setup):
    org, techs, key, order = setup
    answer = client.post(f"/api/v1/orders/{order.reference}/broadcast", json={}, headers=key)
    assert answer.status_code == 200
    db.rollback()
    pending = [o for o in offers_of(db, order) if o.state is OfferState.PENDING]
    assert len(pending) == 3 and all(o.broadcast for o in pending)
    assert client.get("/api/v1/dispatch-alerts", headers=key).get_json()["alerts"] == []


def test_a_logged_in_dispatcher_needs_the_csrf_token_to_write(make_app, setup):
    org, techs, key, order = setup
    make_user(org, Role.DISPATCHER, username="wang")
    _db.session.commit()
    strict = make_app(WTF_CSRF_ENABLED=True)
    client = strict.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post("/login", data={"username": "wang", "password": "password123", "csrf_token": token})
    assert client.get(f"/api/v1/orders/{order.reference}/offers").status_code == 200
    answer = client.post(f"/api/v1/orders/{order.reference}/broadcast", json={})
    assert answer.status_code == 400
    answer = client.post(
        f"/api/v1/orders/{order.reference}/broadcast", json={}, headers={"X-CSRFToken": token}
    )
    assert answer.status_code == 200
    assert client.post(f"/api/v1/orders/{order.reference}/unassign", json={}, headers=key).status_code == 409
