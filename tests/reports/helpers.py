"""A vehicle job at the coach maker and a street leak at the county, taken to the point where the
technician is on site; texting as technician or customer through the inbound pipe."""

from __future__ import annotations

import base64
import io
import itertools
import re

import sqlalchemy as sa
from PIL import Image, ImageDraw

from dispatch.assign.models import Technician
from dispatch.geo.models import Customer
from dispatch.orders import lifecycle
from dispatch.orders.lifecycle import Actor
from dispatch.orders.models import Channel, WorkOrder
from dispatch.reports.models import ServiceReport
from dispatch.sms import inbound
from dispatch.sms.models import OutboxMessage
from tests.factories import make_order

DRIVER = "+8613700001111"
VIN = "LZYB908DXLZ123332"
OWNER_PHONE = "+8615586577177"
_sids = itertools.count(1)


def technician(db, code: str) -> Technician:
    return db.scalar(sa.select(Technician).where(Technician.code == code))


def vehicle(db, vin: str = VIN) -> Customer:
    return db.scalar(sa.select(Customer).where(Customer.account == vin))


def on_site(
    db,
    demo,
    *,
    type_code="vehicle_body_fault",
    tech_code="ZY-T01",
    org=None,
    customer=True,
    reporter_phone=DRIVER,
    language="zh",
    job_code="321",
) -> WorkOrder:
    """An order accepted by ``tech_code`` and on site (no SMS sent yet but the lifecycle's)."""
    org = org or demo.zycoach
    tech = technician(db, tech_code)
    order = make_order(
        org,
        type_code,
        reporter_phone=reporter_phone,
        reporter_language=language,
        reporter_name="王师傅",
        customer_id=vehicle(db).id if customer else None,
        address="南阳市卧龙路 88 号",
    )
    actor = Actor(Channel.CONSOLE)
    lifecycle.transition(db, order, "locate", actor)
    lifecycle.transition(db, order, "queue", actor)
    order.assignee_id = tech.id
    order.job_code = job_code
    lifecycle.transition(db, order, "accept", actor)
    lifecycle.transition(db, order, "arrive", Actor(Channel.SMS, technician_id=tech.id))
    db.commit()
    return order


def text(db, sender: str, body: str) -> str | None:
    message = inbound.receive(
        db, provider_id=f"SMrep{next(_sids):029d}", sender=sender, recipient="+8640060001", body=body
    )
    db.rollback()
    return message.reply


def report_of(db, order: WorkOrder) -> ServiceReport:
    db.rollback()
    return db.scalar(
        sa.select(ServiceReport)
        .where(ServiceReport.work_order_id == order.id)
        .order_by(ServiceReport.revision.desc())
    )


def sent_to(db, phone: str, kind: str | None = None) -> list[OutboxMessage]:
    db.rollback()
    query = sa.select(OutboxMessage).where(OutboxMessage.recipient == phone).order_by(OutboxMessage.id)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    return list(db.scalars(query))


def link_in(body: str) -> str:
    match = re.search(r"https?://\S+", body)
    assert match, body
    return match.group(0)


def path_of(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def signature_png(blank: bool = False, size=(300, 120)) -> str:
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    if not blank:
        ImageDraw.Draw(image).line([(10, 60), (120, 20), (250, 90)], fill=(16, 32, 64, 255), width=3)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def finish_by_sms(db, order: WorkOrder, tech_phone: str) -> str:
    """DONE with a note, then cause and responsibility by SMS; returns the last reply."""
    text(db, tech_phone, "完成 更换左前门铰链")
    text(db, tech_phone, "原因 铰链螺栓松动断裂")
    return text(db, tech_phone, "责任 1")


def last_error(db) -> str | None:
    from dispatch.sms.models import InboundMessage

    return db.scalar(sa.select(InboundMessage.error).order_by(InboundMessage.id.desc()).limit(1))
