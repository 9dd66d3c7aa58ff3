"""Organisations placed on the shipped service area, and helpers to read deadlines in local time."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from dispatch import clock
from dispatch.geo.placing import sync_depots
from dispatch.orders.models import WorkOrder
from tests.factories import make_org

CST = ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime:
    """A local (Asia/Shanghai) time from ``2026-09-30T09:00``."""
    return datetime.fromisoformat(text).replace(tzinfo=CST)


def due(order: WorkOrder, name: str) -> str | None:
    """A milestone's due time as local ISO text without offset (``2026-09-30T10:00``), or None."""
    moment = milestones(order)[name].due_at
    return clock.local(moment).strftime("%Y-%m-%dT%H:%M") if moment else None


def milestones(order: WorkOrder) -> dict:
    return {m.name: m for m in order.milestones}


def kinds(order: WorkOrder) -> list[str]:
    return [e.kind for e in order.events]


@pytest.fixture
def county(db):
    org = make_org("xinye")
    sync_depots(db, {"xinye": org})
    return org


@pytest.fixture
def coach(db):
    org = make_org("zycoach")
    sync_depots(db, {"zycoach": org})
    return org
