"""``dispatch sla explain``: what the deadline rules promise, to check a rule change before it goes live.

stdout carries the JSON and nothing else, laid out as the rule book's documentation shows it
(one milestone a line); an unknown type or a bad argument exits with status 2 and a message on
stderr. With ``--lat/--lon`` the zone and the distance to the nearest depot (nearest service
station for vehicle types) come from config/service_area.geojson, as for a real order.
"""

from __future__ import annotations

import json
import math
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from dispatch import clock
from dispatch.sla.explain import explain as explain_rules
from dispatch.sla.rules import SEVERITIES, ZONES, NoMatchingRule, UnknownType
from dispatch.sla.service import rulebook, work_calendar


@click.group("sla")
def sla() -> None:
    """Deadline rules (config/sla.toml, config/holidays.toml)."""


def _at(_ctx, _param, value: str):
    try:
        return clock.parse(value)
    except clock.DateOutOfRange as exc:
        raise click.BadParameter(f"{value!r}: {exc}") from None
    except ValueError:
        raise click.BadParameter(f"not an ISO 8601 time: {value!r}") from None


def _finite(_ctx, _param, value: float | None):
    if value is not None and not math.isfinite(value):
        raise click.BadParameter("must be a finite number")
    return value


@sla.command("explain")
@click.argument("type_code", metavar="TYPE")
@click.option("--at", "at", required=True, callback=_at, help="Report time, ISO 8601 (no offset: local).")
@click.option(
    "--lat",
    type=click.FloatRange(-90, 90),
    default=None,
    callback=_finite,
    help="Latitude (WGS-84) of the report.",
)
@click.option(
    "--lon", type=click.FloatRange(-180, 180), default=None, callback=_finite, help="Longitude (WGS-84)."
)
@click.option(
    "--distance-km",
    type=click.FloatRange(min=0),
    default=None,
    callback=_finite,
    help="Distance to the nearest site.",
)
@click.option("--zone", type=click.Choice(ZONES), default=None)
@click.option("--severity", type=click.Choice(SEVERITIES), default=None)
@click.option("--needs-supplier", is_flag=True, help="A supplier must be involved (vehicle faults).")
@click.option("--org", "org_code", default=None, help="Organisation code (for --lat/--lon).")
@with_appcontext
def explain(type_code, at, lat, lon, distance_km, zone, severity, needs_supplier, org_code) -> None:
    """Print the rule chosen for TYPE and each milestone's due time for a report taken --at."""
    book = rulebook()
    try:
        type_def = book.type(type_code)
    except UnknownType:
        known = ", ".join(book.types)
        raise click.UsageError(f"unknown type {type_code!r}; known types: {known}") from None
    if org_code is not None and org_code not in type_def.orgs:
        raise click.UsageError(f"{type_code} is not a type of organisation {org_code!r}")
    if (lat is None) != (lon is None):
        raise click.UsageError("give --lat and --lon together")
    if lat is not None:
        if distance_km is not None or zone is not None:
            raise click.UsageError(
                "--lat/--lon compute the zone and distance: leave out --zone/--distance-km"
            )
        zone, distance_km = _place(type_code, type_def.orgs, org_code, lat, lon)
    try:
        result = explain_rules(
            book,
            work_calendar(),
            type_code,
            at,
            zone=zone,
            distance_km=distance_km,
            severity=severity,
            needs_supplier=needs_supplier,
            tz=current_app.config["TIMEZONE"],
        )
    except NoMatchingRule as exc:
        raise click.UsageError(f"no rule of {type_code} fits: {exc}") from None
    click.echo(layout(result))


def _place(type_code: str, orgs: tuple[str, ...], org_code: str | None, lat: float, lon: float):
    from dispatch.geo.placing import whereabouts

    if org_code is None:
        if len(orgs) > 1:
            raise click.UsageError(f"{type_code} is offered by {', '.join(orgs)}: choose one with --org")
        org_code = orgs[0]
    # The same computation as placing an order: zone, and the nearest site the type is served from.
    where = whereabouts(org_code, lat, lon, rulebook().type(type_code).served_from)
    return where.zone, where.distance_km


def layout(result: dict[str, Any]) -> str:
    """The explain JSON with one milestone a line — valid JSON, and diff-friendly for rule reviews."""
    head = json.dumps({k: v for k, v in result.items() if k != "milestones"}, ensure_ascii=False)
    lines = ",\n".join("  " + json.dumps(m, ensure_ascii=False) for m in result["milestones"])
    return f'{head[:-1]}, "milestones": [\n{lines}]}}'
