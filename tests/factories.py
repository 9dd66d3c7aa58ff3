"""Factories for the domain objects (each flushes; the test commits when it needs to)."""

from __future__ import annotations

import itertools

from dispatch.assign.models import AssigneeKind, DutyStatus, Technician
from dispatch.auth.models import Organisation, Role, User
from dispatch.auth.service import create_user
from dispatch.extensions import db
from dispatch.orders.lifecycle import Actor
from dispatch.orders.models import Channel, WorkOrder
from dispatch.orders.service import create_order

_seq = itertools.count(1)


def make_org(code: str | None = None, **fields) -> Organisation:
    n = next(_seq)
    code = code or f"org{n}"
    org = Organisation(
        code=code,
        name_zh=fields.pop("name_zh", f"单位{n}"),
        name_en=fields.pop("name_en", f"Org {n}"),
        jurisdiction_id=fields.pop("jurisdiction_id", f"{code}.example"),
        **fields,
    )
    db.session.add(org)
    db.session.flush()
    return org


def make_user(
    org: Organisation,
    role: Role = Role.DISPATCHER,
    username: str | None = None,
    password: str = "password123",
    **fields,
) -> User:
    return create_user(
        db.session, org=org, username=username or f"user{next(_seq)}", password=password, role=role, **fields
    )


def make_technician(org: Organisation, **fields) -> Technician:
    n = next(_seq)
    values = dict(
        org_id=org.id,
        code=f"T{n:04d}",
        kind=AssigneeKind.TECHNICIAN,
        name=f"Tech {n}",
        phone=f"+86138{n:08d}",
        language="zh",
        skills=["water"],
        duty_status=DutyStatus.ON_DUTY,
        last_lat=32.52,
        last_lon=112.36,
    )
    values.update(fields)
    tech = Technician(**values)
    db.session.add(tech)
    db.session.flush()
    return tech


def make_order(
    org: Organisation,
    type_code: str = "water_leak",
    channel: Channel = Channel.PHONE,
    actor: Actor | None = None,
    **fields,
) -> WorkOrder:
    fields.setdefault("description", "Water running across the road")
    return create_order(
        db.session,
        org_id=org.id,
        type_code=type_code,
        channel=channel,
        actor=actor or Actor.system(),
        **fields,
    )
