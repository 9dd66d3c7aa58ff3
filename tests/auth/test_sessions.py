"""Sessions end on the server: a cookie copied before a logout, a password change or an
administrator's "sign out everywhere" opens nothing afterwards; idle and absolute lifetimes."""

import time
from datetime import timedelta

import pytest

from dispatch import clock
from dispatch.auth.models import Role
from tests.factories import make_org, make_user


@pytest.fixture
def county(db):
    org = make_org("county")
    make_user(org, Role.DISPATCHER, username="disp")
    make_user(org, Role.ADMIN, username="root")
    db.commit()
    return org


def _cookie(client) -> str:
    return client.get_cookie("session").value


def _other_browser(app, cookie: str):
    other = app.test_client()
    other.set_cookie("session", cookie)
    return other


def test_a_cookie_saved_before_logout_no_longer_opens_the_console(app, client, auth, county):
    auth.login("disp")
    saved = _cookie(client)
    assert _other_browser(app, saved).get("/console/").status_code == 200
    auth.logout()
    assert _other_browser(app, saved).get("/console/").status_code == 302  # to the login page


def test_a_password_change_signs_out_every_other_session(app, client, auth, county):
    auth.login("disp")
    elsewhere = _other_browser(app, _cookie(client))
    response = client.post(
        "/account/password", data={"current": "password123", "new": "new-secret-9", "confirm": "new-secret-9"}
    )
    assert response.status_code == 302
    assert client.get("/console/").status_code == 200  # the browser that changed it stays in
    assert elsewhere.get("/console/").status_code == 302
    auth.logout()
    assert auth.login("disp", "new-secret-9").status_code == 302


def test_an_administrator_signs_a_user_out_everywhere(app, client, auth, county, db):
    from dispatch.auth.models import User

    auth.login("disp")
    dispatcher_browser = _other_browser(app, _cookie(client))
    auth.logout()
    auth.login("root")
    target = db.query(User).filter_by(username="disp").one()
    assert client.get("/admin/security").status_code == 200
    dispatcher_browser = app.test_client()
    dispatcher_browser.post("/login", data={"username": "disp", "password": "password123"})
    assert dispatcher_browser.get("/console/").status_code == 200
    client.post(f"/admin/users/{target.id}/sign-out")
    assert dispatcher_browser.get("/console/").status_code == 302


def test_only_an_administrator_sees_the_sign_ins(client, auth, county):
    auth.login("disp")
    assert client.get("/admin/security").status_code == 403


def _age(client, **seconds_ago):
    """Make the browser's session look as if it logged in / was last seen that long ago."""
    with client.session_transaction() as session:
        for key, ago in seconds_ago.items():
            session[key] = time.time() - ago


def test_a_session_ends_when_idle_and_at_its_absolute_lifetime(app, client, auth, county):
    idle_s = app.config["AUTH_SESSION_IDLE_MIN"] * 60
    auth.login("disp")
    _age(client, seen_at=idle_s - 120)
    assert client.get("/console/").status_code == 200
    _age(client, seen_at=idle_s + 60)
    assert client.get("/console/").status_code == 302

    auth.login("disp")  # busy all day, never idle, but logged in too long ago
    _age(client, login_at=app.config["AUTH_SESSION_MAX_H"] * 3600 + 60, seen_at=60)
    assert client.get("/console/").status_code == 302


def test_the_business_clock_moving_on_signs_nobody_out(client, auth, county):
    auth.login("disp")
    clock.freeze(clock.now() + timedelta(days=9))
    assert client.get("/console/").status_code == 200
