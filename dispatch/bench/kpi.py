"""`dispatch bench kpi`: the KPI dashboard's three figures for a month and for a year over N
closed work orders.

A fresh database (a temporary SQLite file, or ``--database-url``, which must be empty) gets the
demo organisations, then, in the county's organisation, N closed orders spread over the last two
years (written in bulk, not through intake: this measures the reading side), each with two
milestones (about 8 % missed), a service report rated 1–5 for about 70 % of them, and a complaint
order with its investigation record for about 2 % (half upheld as service conduct). Then it times
``kpi.measures.measure`` for the last full month and for the last twelve full months.

Not covered: the dashboard's breakdowns, the twelve-month series and the page rendering.
"""

from __future__ import annotations

import json
import os
import time
from datetime import date, timedelta

import click
import numpy as np

from dispatch.bench import bench

BATCH = 20_000


def fill(session, org_id: int, count: int, rng: np.random.Generator, today: date) -> None:
    import sqlalchemy as sa

    from dispatch import clock
    from dispatch.complaints.models import Classification, Complaint
    from dispatch.orders.models import Channel, Milestone, Status, WorkOrder
    from dispatch.reports.models import ReportState, ServiceReport, SurveyState

    start = clock.aware(date_time(today - timedelta(days=730)))
    first_id = (session.scalar(sa.select(sa.func.max(WorkOrder.id))) or 0) + 1
    next_id = first_id
    complaint_orders = []
    for offset in range(0, count, BATCH):
        n = min(BATCH, count - offset)
        minutes = rng.integers(0, 730 * 24 * 60, n)
        took = rng.integers(30, 48 * 60, n)
        late = rng.random(n) < 0.08
        rated = rng.random(n) < 0.7
        ratings = rng.choice([1, 2, 3, 4, 5], n, p=[0.03, 0.04, 0.08, 0.35, 0.5])
        complained = rng.random(n) < 0.02
        orders, milestones, reports = [], [], []
        for i in range(n):
            oid = next_id + i
            reported = start + timedelta(minutes=int(minutes[i]))
            closed = reported + timedelta(minutes=int(took[i]))
            orders.append(
                dict(
                    id=oid,
                    org_id=org_id,
                    reference=f"B-{oid:012d}",
                    type_code="water_leak",
                    channel=Channel.PHONE,
                    description="",
                    status=Status.CLOSED,
                    reported_at=reported,
                    created_at=reported,
                    updated_at=closed,
                    closed_at=closed,
                    version=1,
                    priority=3,
                    needs_supplier=False,
                )
            )
            due = reported + timedelta(hours=2)
            met = due + timedelta(minutes=30) if late[i] else due - timedelta(minutes=30)
            # The KPI copies (dispatch/kpi/counted.py) written as the session listener would.
            copies = dict(org_id=org_id, counted=True, order_held=False)
            milestones.append(dict(order_id=oid, name="arrive", due_at=due, met_at=met, **copies))
            milestones.append(
                dict(
                    order_id=oid,
                    name="resolve",
                    due_at=reported + timedelta(hours=48),
                    met_at=closed,
                    **copies,
                )
            )
            if rated[i]:
                reports.append(
                    dict(
                        work_order_id=oid,
                        organisation_id=org_id,
                        revision=1,
                        state=ReportState.APPROVED,
                        signature_required=False,
                        filled_via="sms",
                        survey_state=SurveyState.ANSWERED,
                        rating=int(ratings[i]),
                        rated_at=closed + timedelta(hours=2),
                        counted=True,
                        created_at=closed,
                        updated_at=closed,
                    )
                )
            if complained[i]:
                complaint_orders.append((oid, closed + timedelta(days=1)))
        session.execute(sa.insert(WorkOrder), orders)
        session.execute(sa.insert(Milestone), milestones)
        if reports:
            session.execute(sa.insert(ServiceReport), reports)
        session.commit()
        next_id += n
    rows, records = [], []
    for k, (about, received) in enumerate(complaint_orders):
        oid = next_id + k
        rows.append(
            dict(
                id=oid,
                org_id=org_id,
                reference=f"B-{oid:012d}",
                type_code="complaint",
                channel=Channel.PHONE,
                description="",
                status=Status.CLOSED,
                reported_at=received,
                created_at=received,
                updated_at=received,
                closed_at=received,
                version=1,
                priority=3,
                needs_supplier=False,
            )
        )
        upheld = k % 2 == 0
        records.append(
            dict(
                org_id=org_id,
                work_order_id=oid,
                concerns_order_id=about,
                upheld=upheld,
                classification=Classification.SERVICE_CONDUCT if upheld else Classification.PRODUCT_QUALITY,
                created_at=received,
                # The KPI copies (dispatch/kpi/counted.py) written as the session listener would.
                received_at=received,
                counted=True,
            )
        )
    if rows:
        session.execute(sa.insert(WorkOrder), rows)
        session.execute(sa.insert(Complaint), records)
    session.commit()


def date_time(day: date):
    from datetime import datetime, time

    return datetime.combine(day, time())


@bench.command("kpi")
@click.option("--orders", default=1_000_000, show_default=True, help="Closed work orders to fill.")
@click.option("--database-url", default=None, help="An empty database (default: a temporary SQLite file).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object of figures.")
def bench_kpi(orders: int, database_url: str | None, as_json: bool) -> None:
    """The three KPIs for a month and for a year over N closed work orders."""
    from dispatch import clock
    from dispatch.bench import analyze, demo_database
    from dispatch.extensions import db
    from dispatch.kpi.measures import Period, measure
    from dispatch.kpi.targets import targets

    app, org_id = demo_database(database_url)
    rng = np.random.default_rng(14)
    with app.app_context():
        today = clock.local(clock.now()).date()
        started = time.perf_counter()
        fill(db.session, org_id, orders, rng, today)
        fill_s = time.perf_counter() - started
        analyze()
        this_month = today.replace(day=1)
        last_month = Period((this_month - timedelta(days=1)).replace(day=1), this_month - timedelta(days=1))
        last_year = Period(this_month.replace(year=this_month.year - 1), this_month - timedelta(days=1))
        goals = targets(db.session, org_id)
        timings = {}
        for name, period in (("month_s", last_month), ("year_s", last_year)):
            t0 = time.perf_counter()
            figures = measure(db.session, org_id, period, goals)
            timings[name] = round(time.perf_counter() - t0, 3)
            db.session.rollback()
        db.session.remove()
    result = {"orders": orders, **timings}
    if as_json:
        click.echo(json.dumps(result))
        return
    where = database_url.split("@")[-1] if database_url else "a temporary SQLite file"
    click.echo(f"database: {where}  cores: {os.cpu_count()}")
    click.echo(f"filled {orders} closed orders in {fill_s:.1f} s")
    click.echo(f"KPIs of a month: {timings['month_s']} s; of a year: {timings['year_s']} s")
    click.echo(f"last year's figures: {json.dumps(figures)}")
    click.echo("not covered: the breakdowns, the twelve-month series, the page rendering")
