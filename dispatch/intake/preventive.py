"""Scheduled preventive work: the yearly drain dredging before the rainy season, and any other
plan in config/preventive.toml.

The worker job creates each plan's orders once a year — one per place, from the plan's start
date until its season begins — through the same intake operation as any report. A row in
``scheduled_work`` per (organisation, plan, year, place) makes the job idempotent: running it
again, or in two workers at once, creates nothing more.
"""

from __future__ import annotations

import logging
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dispatch import clock
from dispatch.auth.models import Organisation
from dispatch.db import sqlite_writer
from dispatch.extensions import db
from dispatch.intake.models import ScheduledWork
from dispatch.intake.service import take_report
from dispatch.orders.lifecycle import Actor
from dispatch.orders.models import Channel, WorkOrder
from dispatch.settings import CONFIG_DIR

log = logging.getLogger(__name__)
ACTOR = Actor(Channel.SCHEDULED)


@dataclass(frozen=True)
class Plan:
    code: str
    org: str
    type: str
    month: int
    day: int
    until_month: int
    places: tuple[str, ...]
    description_zh: str
    description_en: str

    def active_on(self, today: date) -> bool:
        start = date(today.year, self.month, self.day)
        until = (
            date(today.year, self.until_month, 1)
            if self.until_month > self.month
            else date(today.year, 12, 31)
        )
        return start <= today < until


def load_plans(path: Path | None = None) -> list[Plan]:
    path = path or CONFIG_DIR / "preventive.toml"
    if not path.exists():
        return []
    with open(path, "rb") as fh:
        data = tomllib.load(fh)
    plans = []
    for raw in data.get("plans", []):
        try:
            plans.append(
                Plan(
                    code=raw["code"],
                    org=raw["org"],
                    type=raw["type"],
                    month=int(raw["month"]),
                    day=int(raw.get("day", 1)),
                    until_month=int(raw.get("until_month", 13)),
                    places=tuple(raw.get("places", [])),
                    description_zh=raw.get("description_zh", raw["code"]),
                    description_en=raw.get("description_en", raw["code"]),
                )
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{path}: plan {raw.get('code', '?')}: {exc}") from None
    return plans


def create_due(session: Session, plans: list[Plan] | None = None) -> list[WorkOrder]:
    """Create the orders of every plan active today that are not there yet. Flushes."""
    today = clock.local(clock.now()).date()
    created = []
    for plan in load_plans() if plans is None else plans:
        if not plan.active_on(today):
            continue
        org = session.scalar(sa.select(Organisation).where(Organisation.code == plan.org))
        if org is None:
            continue
        done = set(
            session.scalars(
                sa.select(ScheduledWork.place).where(
                    ScheduledWork.org_id == org.id,
                    ScheduledWork.plan == plan.code,
                    ScheduledWork.year == today.year,
                )
            )
        )
        for place in plan.places:
            if place in done:
                continue
            try:
                with session.begin_nested():
                    result = take_report(
                        session,
                        org=org,
                        type_code=plan.type,
                        channel=Channel.SCHEDULED,
                        actor=ACTOR,
                        description=f"{plan.description_zh} / {plan.description_en}: {place}",
                        address=place,
                        language="zh",
                    )
                    session.add(
                        ScheduledWork(
                            org_id=org.id,
                            plan=plan.code,
                            year=today.year,
                            place=place,
                            work_order_id=result.order.id,
                        )
                    )
                    session.flush()
            except IntegrityError:
                # Another worker created this one first.
                continue
            created.append(result.order)
    return created


def run(app: Flask, worker: str) -> int:
    """The worker job: create what is due, commit."""
    token = sqlite_writer.set(True)
    try:
        created = create_due(db.session)
        db.session.commit()
        if created:
            log.info("preventive work: %d orders created", len(created))
        return len(created)
    finally:
        sqlite_writer.reset(token)
