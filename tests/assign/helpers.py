"""Building orders the way intake does, and texting as a technician the way the webhook does."""

from __future__ import annotations

import itertools
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from dispatch.assign.models import Offer, OfferState
from dispatch.geo.placing import sync_depots
from dispatch.intake.placing import place_order
from dispatch.orders import lifecycle
from dispatch.orders.lifecycle import Actor
from dispatch.orders.models import Channel, WorkOrder
from dispatch.orders.service import create_order
from dispatch.sla.service import apply_rules
from dispatch.sms import inbound
from dispatch.sms.models import OutboxMessage
from tests.factories import make_org

CST = ZoneInfo("Asia/Shanghai")
#: A weekday morning in the county, 09:00 local.
MORNING = datetime(2026, 11, 4, 9, 0, tzinfo=CST)
#: 汉城路 in the county town (built-up area), about 1.5 km from the central depot.
TOWN = (32.5340, 112.3560)
HOTLINE = "+8637766221750"
CITIZEN = "+8613912345678"

_sids = itertools.count(1)


def county(db):
    org = make_org("xinye")
    sync_depots(db, {"xinye": org})
    return org


def report(
    db,
    org,
    type_code: str = "water_leak",
    *,
    at: tuple[float, float] = TOWN,
    address: str = "汉城路与书院路交叉口",
    reporter_phone: str | None = CITIZEN,
    reporter_language: str | None = "zh",
    reported_at: datetime | None = None,
) -> WorkOrder:
    """A report as intake makes it: created, deadlines, placed, queued (auto-dispatch follows)."""
    actor = Actor(Channel.PHONE)
    order = create_order(
        db,
        org_id=org.id,
        type_code=type_code,
        channel=Channel.PHONE,
        actor=actor,
        reported_at=reported_at,
        description="自来水管爆了",
        reporter_phone=reporter_phone,
        reporter_language=reporter_language,
    )
    apply_rules(db, order)
    place_order(db, order, *at, source="gazetteer", precision="intersection", actor=actor, address=address)
    lifecycle.transition(db, order, "queue", actor)
    return order


def text(db, sender: str, body: str) -> str | None:
    """The reply a technician gets to ``body`` (through the inbound pipe, as the webhook calls it)."""
    message = inbound.receive(
        db, provider_id=f"SMtest{next(_sids):028d}", sender=sender, recipient=HOTLINE, body=body
    )
    db.rollback()
    return message.reply


def offers_of(db, order) -> list[Offer]:
    db.rollback()
    return list(db.scalars(sa.select(Offer).where(Offer.work_order_id == order.id).order_by(Offer.id)))


def pending(db, order) -> list[Offer]:
    return [o for o in offers_of(db, order) if o.state is OfferState.PENDING]


def outbox_to(db, phone: str) -> list[OutboxMessage]:
    return list(
        db.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.recipient == phone).order_by(OutboxMessage.id)
        )
    )
