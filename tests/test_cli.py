"""The `dispatch` command as users and scripts call it."""

import re

import sqlalchemy as sa

from dispatch.auth.models import ApiKey, Role, User
from dispatch.auth.service import check_api_key
from tests.factories import make_org


def test_apikey_create_prints_the_key_alone_on_one_line(runner, db):
    org = make_org("xinye")
    db.commit()
    result = runner.invoke(args=["apikey", "create", "fixmystreet", "--org", "xinye"])
    assert result.exit_code == 0, result.output
    assert re.fullmatch(r"dk_[A-Za-z0-9_-]{40,}\n", result.output)
    key = result.output.strip()
    db.rollback()
    stored = db.scalar(sa.select(ApiKey))
    assert stored.org_id == org.id and stored.key_hash != key  # only the hash is kept
    assert check_api_key(db, key).id == stored.id


def test_apikey_create_without_org_needs_a_single_organisation(runner, db):
    make_org("a"), make_org("b")
    db.commit()
    result = runner.invoke(args=["apikey", "create", "x"])
    assert result.exit_code != 0 and "--org" in result.output


def test_revoked_key_no_longer_works(runner, db):
    make_org("xinye")
    db.commit()
    key = runner.invoke(args=["apikey", "create", "k", "--org", "xinye"]).output.strip()
    assert runner.invoke(args=["apikey", "revoke", key[:10], "--org", "xinye"]).exit_code == 0
    db.rollback()
    assert check_api_key(db, key) is None


def test_user_create(runner, db):
    make_org("xinye")
    db.commit()
    result = runner.invoke(
        args=["user", "create", "wang", "--role", "dispatcher", "--org", "xinye", "--password", "s3cret-pass"]
    )
    assert result.exit_code == 0, result.output
    db.rollback()
    user = db.scalar(sa.select(User).where(User.username == "wang"))
    assert user.role is Role.DISPATCHER and user.check_password("s3cret-pass")


def test_user_create_refuses_a_short_password_and_a_taken_name(runner, db):
    make_org("xinye")
    db.commit()
    short = runner.invoke(
        args=["user", "create", "li", "--role", "admin", "--org", "xinye", "--password", "x"]
    )
    assert short.exit_code != 0 and "8 characters" in short.output
    args = ["user", "create", "li", "--role", "admin", "--org", "xinye", "--password", "long-enough"]
    assert runner.invoke(args=args).exit_code == 0
    again = runner.invoke(args=args)
    assert again.exit_code != 0 and "taken" in again.output


def test_unknown_organisation_is_a_clear_error(runner, db):
    result = runner.invoke(args=["apikey", "create", "k", "--org", "nowhere"])
    assert result.exit_code != 0 and "nowhere" in result.output


def test_serve_links_texts_to_its_own_port_unless_an_address_is_configured():
    from dispatch.cli import DEFAULT_BASE_URL, served_base_url

    assert served_base_url(DEFAULT_BASE_URL, "127.0.0.1", 5077, {}) == "http://127.0.0.1:5077"
    assert served_base_url(DEFAULT_BASE_URL, "0.0.0.0", 8000, {}) == "http://127.0.0.1:8000"  # noqa: S104
    configured = "https://dispatch.example.org"
    assert served_base_url(configured, "127.0.0.1", 5077, {}) == configured
    given = {"PUBLIC_BASE_URL": DEFAULT_BASE_URL}
    assert served_base_url(DEFAULT_BASE_URL, "127.0.0.1", 5077, given) == DEFAULT_BASE_URL
