"""``dispatch sms templates check|export``: the template file against the kinds the system sends."""

from __future__ import annotations

import csv
import io
import json
import sys

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from dispatch.extensions import db
from dispatch.sms import templates
from dispatch.sms.models import OutboxMessage

EXPORT_FIELDS = (
    "organisation",
    "sign_name",
    "kind",
    "template_id",
    "text",
    "english",
    "params",
    "max_segments",
)


@click.group("sms")
def sms() -> None:
    """SMS gateways and their templates."""


@sms.group("templates")
def templates_group() -> None:
    """The approved templates of config/sms_templates.toml."""


def _sent_kinds() -> set[str]:
    """The kinds the code sends, and any other kind already in this deployment's outbox."""
    kinds = set(templates.SENT_KINDS)
    try:
        kinds |= set(db.session.scalars(sa.select(OutboxMessage.kind).distinct()))
        db.session.rollback()
    except sa.exc.SQLAlchemyError:  # no database yet: the code's kinds are enough to check
        db.session.rollback()
    return kinds - {"bench", "notice"}


@templates_group.command("check")
@with_appcontext
def check() -> None:
    """List kinds without a template and templates that break the provider's rules; exit 1 if any."""
    config = current_app.config
    problems = templates.check(
        templates.current(config), _sent_kinds(), str(config.get("TENCENT_SMS_SIGN_NAME") or "")
    )
    for problem in problems:
        click.echo(problem)
    if problems:
        sys.exit(1)
    click.echo("templates: ok")


@templates_group.command("export")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@click.option(
    "-o", "--output", type=click.File("w", encoding="utf-8"), default="-", help="File (default stdout)."
)
@with_appcontext
def export(fmt: str, output) -> None:
    """Write the list to submit for approval: per organisation, each template's signature, text
    with {1} {2} … parameters, parameter types and limits, and the most segments it can cost."""
    config = current_app.config
    rows = templates.export_rows(templates.current(config), str(config.get("TENCENT_SMS_SIGN_NAME") or ""))
    if fmt == "json":
        output.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=EXPORT_FIELDS)
    writer.writeheader()
    writer.writerows(rows)
    output.write(buffer.getvalue())
