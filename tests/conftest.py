"""Shared fixtures: the app on a database built by the migrations, a client, logins, factories.

Every test runs on SQLite; with TEST_DATABASE_URL set (CI sets it) the same tests run on
PostgreSQL. The schema is built once per run by the Alembic migrations (never create_all, which
would hide a broken migration); each test starts from empty tables.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import settings as hypothesis_settings
from sqlalchemy.orm import Session

from dispatch import clock, create_app
from dispatch.extensions import db as _db
from tests.fake_twilio import fake_twilio  # noqa: F401  (fixture)

hypothesis_settings.register_profile("ci", max_examples=100, deadline=None, derandomize=True)
hypothesis_settings.register_profile("dev", max_examples=200, deadline=None)
hypothesis_settings.load_profile("ci" if os.environ.get("CI") else "dev")

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")


def pytest_report_header(config):
    return (
        f"database: {'PostgreSQL ' + TEST_DATABASE_URL if TEST_DATABASE_URL else 'SQLite (temporary file)'}"
    )


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    """A migrated, empty database for this run."""
    if TEST_DATABASE_URL:
        url = TEST_DATABASE_URL
        engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
        engine.dispose()
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    app = create_app(_test_config(url))
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        _db.engine.dispose()
    return url


def _test_config(url: str, **extra) -> dict:
    config = {
        "TESTING": True,
        "DATABASE_URL": url,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "WTF_CSRF_ENABLED": False,
        "SMS_BACKEND": "console",
        "PUBLIC_BASE_URL": "http://testserver.local",
        "RATELIMIT_ENABLED": False,
        "DEMO_LOAD_WHEN_EMPTY": False,
        "SERVER_NAME": None,
    }
    config.update(extra)
    return config


def _empty_all_tables(engine: sa.Engine) -> None:
    tables = [t.name for t in reversed(_db.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                conn.execute(sa.text(f'DELETE FROM "{name}"'))


@pytest.fixture
def make_app(database_url):
    """Build further apps on the test database (e.g. with CSRF on); they share its tables."""

    built = []

    def build(**extra):
        built.append(create_app(_test_config(database_url, **extra)))
        return built[-1]

    yield build
    for other in built:
        with other.app_context():
            _db.session.remove()
            _db.engine.dispose()


@pytest.fixture
def app(make_app):
    app = make_app()
    with app.app_context():
        yield app
        _db.session.remove()
        _empty_all_tables(_db.engine)
    clock.unfreeze()


@pytest.fixture(autouse=True)
def plan_worker(request, monkeypatch):
    """The worker's plan job woken by a commit, as in ``dispatch serve``, but run at once in the
    committing thread (in a session of its own): it places and offers the new reports, so a test
    sees the offer right after the report's commit. A test marked ``no_plan_worker`` sees what
    the request path alone does."""
    if request.node.get_closest_marker("no_plan_worker"):
        return
    from dispatch import worker
    from dispatch.db import sqlite_writer
    from dispatch.plan import service

    woken = worker.wake

    def wake(job_id: str) -> None:
        if job_id == "plan":
            return None  # the improvement: tests call it themselves
        if job_id != "place":
            return woken(job_id)
        token = sqlite_writer.set(True)
        try:
            with Session(_db.engine) as session:
                service.place_all(session)
        finally:
            sqlite_writer.reset(token)

    monkeypatch.setattr(worker, "wake", wake)


@pytest.fixture
def db(app):
    return _db.session


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class AuthActions:
    def __init__(self, client):
        self.client = client

    def login(self, username: str, password: str = "password123"):
        return self.client.post("/login", data={"username": username, "password": password})

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent


def pytest_collection_modifyitems(config, items):
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL: set TEST_DATABASE_URL")
    for item in items:
        if "postgres_only" in item.keywords and not TEST_DATABASE_URL:
            item.add_marker(skip_pg)


@pytest.fixture
def demo(db, monkeypatch):
    """The shipped demo without its sample reports (organisations, users with password
    demo-pass, depots, registry), committed. ``demo.xinye``, ``demo.users["dispatcher"]``, …

    The demo users' passwords are hashed with a single PBKDF2 round here: a test has no use for
    a slow hash, and eight scrypt hashes per test add up."""
    from functools import partial
    from types import SimpleNamespace

    from werkzeug.security import generate_password_hash

    from dispatch.auth import models as auth_models
    from dispatch.auth.models import Organisation, User
    from dispatch.demo import load_demo

    monkeypatch.setattr(
        auth_models, "generate_password_hash", partial(generate_password_hash, method="pbkdf2:sha256:1")
    )
    load_demo(db, with_reports=False)
    db.commit()
    orgs = {o.code: o for o in db.scalars(sa.select(Organisation))}
    users = {u.username: u for u in db.scalars(sa.select(User))}
    return SimpleNamespace(orgs=orgs, users=users, xinye=orgs["xinye"], zycoach=orgs["zycoach"])


@pytest.fixture
def outbox_of(db):
    """outbox_of(to=None, kind=None) → the outbox messages, oldest first (after a rollback)."""
    from dispatch.sms.models import OutboxMessage

    def read(to: str | None = None, kind: str | None = None):
        db.rollback()
        query = sa.select(OutboxMessage).order_by(OutboxMessage.id)
        if to:
            query = query.where(OutboxMessage.recipient == to)
        if kind:
            query = query.where(OutboxMessage.kind == kind)
        return list(db.scalars(query))

    return read


@pytest.fixture(autouse=True)
def _fresh_rosters():
    """Assignment may reuse a technician roster for a few seconds; each test starts without."""
    from dispatch.assign.ranking import forget_rosters

    forget_rosters()
    yield
    forget_rosters()
