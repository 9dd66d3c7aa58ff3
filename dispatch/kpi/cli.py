"""``dispatch kpi``: the three KPIs of an organisation over a period, and its targets.

stdout carries the JSON and nothing else; an unknown organisation or a bad date exits with
status 2 and a message on stderr.
"""

from __future__ import annotations

import json
import sys
from datetime import date

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from dispatch.auth.models import Organisation
from dispatch.extensions import db
from dispatch.kpi.measures import Period, measure
from dispatch.kpi.targets import set_targets, targets


def _org(code: str) -> Organisation:
    org = db.session.scalar(sa.select(Organisation).where(Organisation.code == code))
    if org is None:
        click.echo(f"unknown organisation: {code!r}", err=True)
        sys.exit(2)
    return org


def _date(_ctx, _param, value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"not a date (YYYY-MM-DD): {value!r}") from None


@click.group("kpi", invoke_without_command=True)
@click.option("--org", "org_code", help="Organisation code.")
@click.option("--from", "first", callback=lambda c, p, v: v and _date(c, p, v), help="First day, YYYY-MM-DD.")
@click.option("--to", "last", callback=lambda c, p, v: v and _date(c, p, v), help="Last day (inclusive).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (the only output there is).")
@click.pass_context
@with_appcontext
def kpi(ctx, org_code, first, last, as_json) -> None:
    """Timeliness, satisfaction and complaint rate over a period (dates inclusive, local time)."""
    if ctx.invoked_subcommand is not None:
        return
    if not (org_code and first and last):
        raise click.UsageError("--org, --from and --to are required")
    if last < first:
        raise click.BadParameter("--to is before --from")
    org = _org(org_code)
    result = measure(db.session, org.id, Period(first, last), targets(db.session, org.id))
    click.echo(json.dumps(result, indent=2 if not as_json else None))


@kpi.command("targets")
@click.option("--org", "org_code", required=True)
@click.option("--timeliness", type=click.FloatRange(0, 1))
@click.option("--satisfaction", type=click.FloatRange(0, 1))
@click.option("--complaint-rate", "complaint_rate", type=click.FloatRange(0, 1))
@with_appcontext
def targets_command(org_code, timeliness, satisfaction, complaint_rate) -> None:
    """Show, or set, an organisation's KPI targets (fractions)."""
    org = _org(org_code)
    if any(v is not None for v in (timeliness, satisfaction, complaint_rate)):
        set_targets(
            db.session,
            org.id,
            timeliness=timeliness,
            satisfaction=satisfaction,
            complaint_rate=complaint_rate,
        )
        db.session.commit()
    click.echo(json.dumps(targets(db.session, org.id)))
