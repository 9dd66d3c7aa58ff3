"""Guessing one account's password from many addresses is slowed down per account, with growing
delays kept in the database; every failed login is recorded for the administrator."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from dispatch import clock
from dispatch.auth.models import Role, User
from dispatch.auth.security_models import FailedLogin
from tests.factories import make_org, make_user


@pytest.fixture
def county(db):
    org = make_org("county")
    make_user(org, Role.DISPATCHER, username="disp")
    make_user(org, Role.ADMIN, username="root")
    db.commit()
    return org


def _try(app, password: str, address: str):
    """A login from a fresh browser at ``address``: did it get in?"""
    browser = app.test_client()
    browser.post(
        "/login", data={"username": "disp", "password": password}, environ_base={"REMOTE_ADDR": address}
    )
    return browser.get("/console/").status_code == 200


def test_guesses_from_many_addresses_lock_the_account_with_growing_delays(app, county, db):
    clock.freeze(clock.now())
    after, base = app.config["AUTH_LOCKOUT_AFTER"], app.config["AUTH_LOCKOUT_BASE_S"]
    for n in range(after):
        assert not _try(app, f"guess-{n}", f"10.0.0.{n}")
    # Locked: even the right password is refused, from any address.
    assert not _try(app, "password123", "10.0.1.1")
    clock.advance(timedelta(seconds=base + 1))
    assert not _try(app, "still-wrong", "10.0.1.2")  # one more failure: twice as long now
    clock.advance(timedelta(seconds=base + 1))
    assert not _try(app, "password123", "10.0.1.3")
    clock.advance(timedelta(seconds=base + 1))
    assert _try(app, "password123", "10.0.1.4")
    db.rollback()
    user = db.scalar(sa.select(User).where(User.username == "disp"))
    assert user.failed_logins == 0 and user.login_locked_until is None


def test_failed_logins_are_recorded_and_shown_to_the_administrator(app, client, auth, county, db):
    _try(app, "wrong", "192.0.2.7")
    app.test_client().post("/login", data={"username": "nobody", "password": "x"})
    db.rollback()
    rows = db.scalars(sa.select(FailedLogin).order_by(FailedLogin.id)).all()
    assert [(r.username, r.reason) for r in rows] == [("disp", "password"), ("nobody", "password")]
    assert rows[0].remote_addr == "192.0.2.7"

    auth.login("root")
    page = client.get("/admin/security").get_data(as_text=True)
    assert "192.0.2.7" in page
    assert "nobody" not in page  # not one of this organisation's accounts


def test_the_failed_logins_command_lists_them(app, runner, county):
    _try(app, "wrong", "192.0.2.8")
    result = runner.invoke(args=["user", "failed-logins"])
    assert result.exit_code == 0 and "disp" in result.output and "192.0.2.8" in result.output
