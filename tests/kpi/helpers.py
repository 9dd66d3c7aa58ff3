"""A hand-made set of orders for the KPI tests: every field that puts a row in or out is set here."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from dispatch.complaints.models import Classification, Complaint
from dispatch.extensions import db
from dispatch.orders.models import Milestone, Status
from dispatch.reports.models import ReportState, ServiceReport
from tests.factories import make_order

CST = ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime:
    """A local (Asia/Shanghai) time from ``2026-11-10T09:00``."""
    return datetime.fromisoformat(text).replace(tzinfo=CST)


def order(org, status=Status.CLOSED, closed=None, type_code="water_leak", **fields):
    wo = make_order(
        org, type_code=type_code, reported_at=fields.pop("reported_at", at("2026-11-01T08:00")), **fields
    )
    wo.milestones.clear()
    wo.status = status
    wo.closed_at = at(closed) if closed else None
    db.session.flush()
    return wo


def milestone(wo, name, due, met=None, **fields):
    db.session.add(
        Milestone(
            order=wo, name=name, due_at=at(due) if due else None, met_at=at(met) if met else None, **fields
        )
    )
    db.session.flush()


def rated(wo, rating, when, state=ReportState.APPROVED, revision=1):
    db.session.add(
        ServiceReport(
            work_order_id=wo.id,
            organisation_id=wo.org_id,
            revision=revision,
            state=state,
            rating=rating,
            rated_at=at(when),
        )
    )
    db.session.flush()


def complaint(org, concerns, received, upheld, classification, status=Status.CLOSED):
    wo = order(org, status=status, type_code="complaint", reported_at=at(received), closed=received)
    db.session.add(
        Complaint(
            org_id=org.id,
            work_order_id=wo.id,
            concerns_order_id=concerns.id if concerns else None,
            upheld=upheld,
            classification=classification,
        )
    )
    db.session.flush()
    return wo


SERVICE = Classification.SERVICE_CONDUCT


def november(org):
    """The worked example of the README, period 2026-11-01..2026-11-30 (local), seen on 12-01 noon.

    Timeliness: counted A1 met, A2 late, B hand-set missed, C paused-and-extended met, F2 met on
    the last evening, G2 missed → 3 met of 6 = 0.5. Left out: D (cancelled), E (duplicate), F1
    (due the day before), F3 (due the day after), G1 (pausable, on hold now), H (no due time).

    Satisfaction: A 5, B 3, F 4 counted → 2 of 3. Left out: C (rated the evening before), the
    void revision, D (cancelled).

    Complaint rate: completed A, B, C, F → 4; upheld service-conduct complaint received in the
    period → 1 → 0.25. Left out: E (duplicate), D (cancelled), K (closed after midnight), the
    complaint orders themselves, a product-quality, an unfounded, an undecided and an October one.
    """
    a = order(org, closed="2026-11-10T15:00")
    milestone(a, "arrive", "2026-11-10T10:00", met="2026-11-10T09:00")
    milestone(a, "resolve", "2026-11-10T12:00", met="2026-11-10T13:00")
    b = order(org, closed="2026-11-16T10:00")
    milestone(b, "resolve", "2026-11-15T18:00", manual=True)
    c = order(org, closed="2026-11-20T10:00")
    milestone(c, "resolve", "2026-11-20T09:00", met="2026-11-19T17:00", pausable=True)
    d = order(org, status=Status.CANCELLED, closed="2026-11-12T10:00")
    milestone(d, "arrive", "2026-11-12T10:00")
    e = order(org, duplicate_of_id=a.id, closed="2026-11-10T15:00")
    milestone(e, "arrive", "2026-11-12T10:00")
    f = order(org, closed="2026-11-30T23:50")
    milestone(f, "reply", "2026-10-31T23:30", met="2026-11-01T01:00")
    milestone(f, "arrive", "2026-11-30T23:30", met="2026-11-30T23:00")
    milestone(f, "resolve", "2026-12-01T00:30", met="2026-11-30T23:40")
    g = order(org, status=Status.ON_HOLD)
    milestone(g, "resolve", "2026-11-25T10:00", pausable=True)
    milestone(g, "arrive", "2026-11-25T09:00")
    h = order(org, status=Status.QUEUED)
    milestone(h, "resolve", None)
    k = order(org, closed="2026-12-01T00:10")

    rated(a, 5, "2026-11-05T10:00")
    rated(b, 3, "2026-11-06T10:00")
    rated(f, 4, "2026-11-30T23:00")
    rated(c, 2, "2026-10-31T23:59")
    rated(b, 5, "2026-11-07T10:00", state=ReportState.VOID, revision=2)
    rated(d, 5, "2026-11-08T10:00")

    complaint(org, a, "2026-11-11T09:00", True, SERVICE)
    complaint(org, b, "2026-11-12T09:00", True, Classification.PRODUCT_QUALITY)
    complaint(org, c, "2026-11-13T09:00", False, SERVICE)
    complaint(org, c, "2026-11-14T09:00", None, None, status=Status.QUEUED)
    complaint(org, f, "2026-10-31T23:00", True, SERVICE)
    return dict(a=a, b=b, c=c, d=d, e=e, f=f, g=g, h=h, k=k)
