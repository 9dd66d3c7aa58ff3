"""``dispatch parts …``: checks of the spare-parts ledger from the command line."""

from __future__ import annotations

import sys

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from dispatch.auth.models import Organisation
from dispatch.extensions import db


@click.group("parts")
def parts() -> None:
    """The spare-parts ledger."""


@parts.command("check-balances")
@click.option("--org", "org_code", help="Organisation code (default: every organisation).")
@with_appcontext
def check_balances_command(org_code: str | None) -> None:
    """Prove that every kept stock balance equals the sum of its movements.

    Prints each (place, part) that differs and exits 1; prints a count and exits 0 when they all
    agree; an unknown organisation exits 2."""
    from dispatch.parts import ledger
    from dispatch.parts.models import Part, StockLocation

    org_id = None
    if org_code:
        org_id = db.session.scalar(sa.select(Organisation.id).where(Organisation.code == org_code))
        if org_id is None:
            click.echo(f"unknown organisation: {org_code!r}", err=True)
            sys.exit(2)
    differences = ledger.check_balances(db.session, org_id)
    if not differences:
        click.echo("stock balances agree with the movements")
        return
    places = dict(db.session.execute(sa.select(StockLocation.id, StockLocation.code)).all())
    numbers = dict(db.session.execute(sa.select(Part.id, Part.number)).all())
    click.echo("location\tpart\tbalance\tmovements")
    for d in differences:
        click.echo(
            f"{places.get(d.location_id, d.location_id)}\t{numbers.get(d.part_id, d.part_id)}\t"
            f"{d.balance}\t{d.movements}"
        )
    click.echo(f"{len(differences)} balance(s) differ from the sum of their movements", err=True)
    sys.exit(1)
