"""The `dispatch` command: serve, worker, demo, user, apikey (and what later packages add)."""

from __future__ import annotations

import logging
import os
import sys

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from dispatch.auth.models import Role
from dispatch.errors import DomainError
from dispatch.extensions import db


def _create_app(*_args, **_kwargs) -> Flask:
    from dispatch import create_app

    return create_app()


def main() -> None:
    cli = FlaskGroup(
        create_app=_create_app,
        add_default_commands=True,
        add_version_option=False,
        help="dispatch — field-service dispatch.",
    )
    cli.main(prog_name="dispatch")


def upgrade_database() -> None:
    from flask_migrate import upgrade

    upgrade()


def database_is_empty() -> bool:
    import sqlalchemy as sa

    from dispatch.auth.models import Organisation

    return db.session.scalar(sa.select(sa.func.count(Organisation.id))) == 0


def _plan_wake(wake) -> dict:
    """The planner's channel for the listener: a new report wakes the placing job at once (which
    wakes the re-plan job when it placed something)."""
    from dispatch.plan.service import PLAN_CHANNEL

    return {PLAN_CHANNEL: lambda: wake("place")}


#: ``public_base_url`` as shipped in config/settings.toml.
DEFAULT_BASE_URL = "http://127.0.0.1:5000"


def served_base_url(configured: str, host: str, port: int, environ) -> str:
    """The public address for ``dispatch serve``: the configured one, or — when nothing was
    configured — this very server, so that the links in texts (signing, reports) work on another
    port too."""
    if "PUBLIC_BASE_URL" in environ or configured != DEFAULT_BASE_URL:
        return configured
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104  (a comparison)
    return f"http://{shown}:{port}"


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option(
    "--port", type=int, default=lambda: int(os.environ.get("PORT", 5000)), show_default="5000 or $PORT"
)
@click.option(
    "--no-scheduler", is_flag=True, help="Serve only; run the jobs in a separate `dispatch worker`."
)
@with_appcontext
def serve(host: str, port: int, no_scheduler: bool) -> None:
    """The embedded single-process mode: migrate, load the demo when empty, serve web + jobs."""
    from dispatch.demo import load_demo
    from dispatch.sms.wakeup import start_listener
    from dispatch.worker import build_scheduler, wake

    app = current_app._get_current_object()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app.config["PUBLIC_BASE_URL"] = served_base_url(app.config["PUBLIC_BASE_URL"], host, port, os.environ)
    upgrade_database()
    if app.config["DEMO_LOAD_WHEN_EMPTY"] and database_is_empty():
        click.echo("Empty database: loading the demo data …")
        load_demo(db.session)
        db.session.commit()
    db.session.remove()
    if not no_scheduler:
        build_scheduler(app, blocking=False).start()
        start_listener(app.config["SQLALCHEMY_DATABASE_URI"], lambda: wake("outbox"), also=_plan_wake(wake))
    click.echo(f"dispatch serving on http://{host}:{port}/ (SMS backend: {app.config['SMS_BACKEND']})")
    from werkzeug.serving import run_simple

    run_simple(host, port, app, threaded=True, use_reloader=False, use_debugger=False)


@click.command("worker")
@with_appcontext
def worker() -> None:
    """Run the scheduled jobs (outbox, deadlines, offers) — beside gunicorn in production."""
    from dispatch.sms.wakeup import start_listener
    from dispatch.worker import build_scheduler, wake

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = current_app._get_current_object()
    click.echo(f"dispatch worker started (SMS backend: {app.config['SMS_BACKEND']})")
    scheduler = build_scheduler(app, blocking=True)
    # On PostgreSQL a queued message wakes the outbox job at once (LISTEN dispatch_outbox), a new
    # report the placing job (LISTEN dispatch_plan).
    start_listener(app.config["SQLALCHEMY_DATABASE_URI"], lambda: wake("outbox"), also=_plan_wake(wake))
    scheduler.start()


@click.command("demo")
@click.option("--force", is_flag=True, help="Load even when the database already has organisations.")
@with_appcontext
def demo(force: bool) -> None:
    """Load the demo data (two organisations, staff, technicians, registry, sample orders)."""
    from dispatch.demo import load_demo

    upgrade_database()
    if not force and not database_is_empty():
        click.echo("The database already has data; use --force to load the demo anyway.", err=True)
        sys.exit(1)
    load_demo(db.session)
    db.session.commit()
    click.echo("Demo data loaded.")


@click.group("user")
def user() -> None:
    """Manage users."""


@user.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--org", "org_code", required=True, help="Organisation code, e.g. xinye.")
@click.option("--name", "full_name", default=None)
@click.option("--language", type=click.Choice(["zh_Hans_CN", "en"]), default=None)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@with_appcontext
def user_create(username, role, org_code, full_name, language, password) -> None:
    """Create a user. The password is asked for (or given with --password)."""
    from dispatch.auth.service import create_user, organisation

    try:
        create_user(
            db.session,
            org=organisation(db.session, org_code),
            username=username,
            password=password,
            role=Role(role),
            full_name=full_name,
            language=language,
        )
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    db.session.commit()
    click.echo(f"User {username} created ({role}, {org_code}).")


def _named_user(username: str):
    import sqlalchemy as sa

    from dispatch.auth.models import User

    found = db.session.scalar(sa.select(User).where(User.username == username))
    if found is None:
        raise click.ClickException(f"No user named {username!r}.")
    return found


@user.command("password")
@click.argument("username")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@with_appcontext
def user_password(username, password) -> None:
    """Set a user's password; every session of the user ends."""
    from dispatch.auth.sessions import end_sessions

    if len(password) < 8:
        raise click.ClickException("A password needs at least 8 characters.")
    found = _named_user(username)
    found.set_password(password)
    end_sessions(db.session, found)
    db.session.commit()
    click.echo(f"Password of {username} changed; its sessions are signed out.")


@user.command("signout")
@click.argument("username")
@with_appcontext
def user_signout(username) -> None:
    """Sign a user out everywhere (and lift a login lockout)."""
    from dispatch.auth.sessions import end_sessions
    from dispatch.auth.throttle import record_success

    found = _named_user(username)
    end_sessions(db.session, found)
    record_success(found)
    db.session.commit()
    click.echo(f"{username} is signed out everywhere.")


@user.command("failed-logins")
@click.option("--limit", default=50, show_default=True)
@with_appcontext
def user_failed_logins(limit) -> None:
    """The latest failed logins, newest first: time, username, address, reason."""
    from dispatch import clock
    from dispatch.auth.throttle import recent_failures

    for row in recent_failures(db.session, limit=limit):
        at = clock.local(row.at).isoformat(timespec="seconds")
        click.echo(f"{at}\t{row.username}\t{row.remote_addr or '-'}\t{row.reason}")


@click.group("apikey")
def apikey() -> None:
    """Manage API keys (the JSON API's X-API-Key and Open311's api_key)."""


@apikey.command("create")
@click.argument("name")
@click.option("--org", "org_code", default=None, help="Organisation code; optional when there is only one.")
@with_appcontext
def apikey_create(name: str, org_code: str | None) -> None:
    """Create a key and print it alone on one line (it is shown only this once)."""
    import sqlalchemy as sa

    from dispatch.auth.models import Organisation
    from dispatch.auth.service import create_api_key, organisation

    try:
        if org_code:
            org = organisation(db.session, org_code)
        else:
            orgs = db.session.scalars(sa.select(Organisation)).all()
            if len(orgs) != 1:
                codes = ", ".join(o.code for o in orgs) or "none"
                raise click.UsageError(f"Several organisations (or none): choose one with --org ({codes}).")
            org = orgs[0]
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    key = create_api_key(db.session, org, name)
    db.session.commit()
    click.echo(key)


@apikey.command("revoke")
@click.argument("prefix")
@click.option("--org", "org_code", required=True)
@with_appcontext
def apikey_revoke(prefix: str, org_code: str) -> None:
    """Revoke the keys starting with PREFIX (the first 10 characters shown in listings)."""
    from dispatch.auth.service import organisation, revoke_api_key

    count = revoke_api_key(db.session, organisation(db.session, org_code), prefix)
    db.session.commit()
    click.echo(f"{count} key(s) revoked.")


def _commands() -> list[click.Command]:
    from dispatch.bench import assign as _assign_bench  # noqa: F401  (adds `bench assign`)
    from dispatch.bench import bench
    from dispatch.bench import console as _console_bench  # noqa: F401  (adds `bench console`)
    from dispatch.bench import intake as _bench_intake  # noqa: F401  (adds `bench intake`)
    from dispatch.bench import kpi as _kpi_bench  # noqa: F401  (adds `bench kpi`)
    from dispatch.bench import parts as _parts_bench  # noqa: F401  (adds `bench parts`)
    from dispatch.bench import quality as _quality_bench  # noqa: F401  (adds `bench quality`)
    from dispatch.bench import sms as _sms_bench  # noqa: F401  (adds `bench sms`)
    from dispatch.bench import storm as _storm_bench  # noqa: F401  (adds `bench storm`)
    from dispatch.kpi.cli import kpi
    from dispatch.parts.cli import parts
    from dispatch.sla.cli import sla
    from dispatch.sms.cli import sms

    return [serve, worker, demo, user, apikey, bench, sla, sms, kpi, parts]


def register(app: Flask) -> None:
    for command in _commands():
        app.cli.add_command(command)
