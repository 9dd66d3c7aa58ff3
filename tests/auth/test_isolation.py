"""Users see and change only their own organisation's work orders; roles guard every page."""

import pytest

from dispatch.auth.models import Role
from dispatch.orders.models import Status, WorkOrder
from tests.factories import make_order, make_org, make_user


@pytest.fixture
def two_orgs(db):
    county, coach = make_org("county"), make_org("coach")
    make_user(county, Role.DISPATCHER, username="county.dispatcher")
    make_user(coach, Role.DISPATCHER, username="coach.dispatcher")
    make_user(county, Role.TECHNICIAN, username="county.tech")
    county_order = make_order(county, description="Leak at the county hospital")
    coach_order = make_order(coach, type_code="vehicle_body_fault", description="Coach door jammed")
    db.commit()
    return county_order, coach_order


def test_a_user_sees_only_their_organisations_orders(client, auth, two_orgs):
    county_order, coach_order = two_orgs
    auth.login("county.dispatcher")
    page = client.get("/console/").get_data(as_text=True)
    assert county_order.reference in page
    assert coach_order.reference not in page and "Coach door jammed" not in page


def test_another_organisations_order_is_not_found(client, auth, two_orgs):
    _, coach_order = two_orgs
    auth.login("county.dispatcher")
    assert client.get(f"/console/orders/{coach_order.reference}").status_code == 404


def test_another_organisations_order_cannot_be_changed(client, auth, db, two_orgs):
    _, coach_order = two_orgs
    auth.login("county.dispatcher")
    response = client.post(f"/console/orders/{coach_order.reference}/transition", data={"action": "cancel"})
    assert response.status_code == 404
    db.rollback()  # end the read snapshot: see what the others committed
    assert db.get(WorkOrder, coach_order.id).status is Status.NEW


def test_console_needs_login(client, two_orgs):
    response = client.get("/console/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_technician_account_cannot_use_the_console(client, auth, two_orgs):
    county_order, _ = two_orgs
    auth.login("county.tech")
    assert client.get("/console/").status_code == 403
    assert (
        client.post(
            f"/console/orders/{county_order.reference}/transition", data={"action": "cancel"}
        ).status_code
        == 403
    )


def test_wrong_password_is_refused(client, auth, two_orgs):
    response = auth.login("county.dispatcher", "not-the-password")
    assert response.status_code == 200 and "用户名或密码错误" in response.get_data(as_text=True)
    english = client.post(
        "/login",
        data={"username": "county.dispatcher", "password": "nope"},
        headers={"Accept-Language": "en"},
    )
    assert "Wrong username or password" in english.get_data(as_text=True)
    assert client.get("/console/").status_code == 302


def test_login_next_never_redirects_off_site(client, two_orgs):
    response = client.post(
        "/login?next=https://evil.example/", data={"username": "county.dispatcher", "password": "password123"}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/console/"


def test_forms_are_refused_without_a_csrf_token(make_app, db, two_orgs):
    county_order, _ = two_orgs
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    assert (
        client.post("/login", data={"username": "county.dispatcher", "password": "password123"}).status_code
        == 400
    )
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post(
        "/login", data={"username": "county.dispatcher", "password": "password123", "csrf_token": token}
    )
    assert response.status_code == 302
    forged = client.post(f"/console/orders/{county_order.reference}/transition", data={"action": "cancel"})
    assert forged.status_code == 400
    db.rollback()  # end the read snapshot: see what the others committed
    assert db.get(WorkOrder, county_order.id).status is Status.NEW
