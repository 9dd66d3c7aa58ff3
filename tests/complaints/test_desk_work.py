"""Complaints and callback appointments are desk work: taken without a place, they wait in the
queue (never for a pin), their acknowledgement asks for no address, and every page that shows a
place copes without one."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from dispatch.complaints.models import Complaint
from dispatch.errors import TransitionError
from dispatch.extensions import db
from dispatch.intake.service import take_report
from dispatch.orders import lifecycle
from dispatch.orders.lifecycle import Actor
from dispatch.orders.models import Channel, Status
from dispatch.sms.models import OutboxMessage
from tests.factories import make_order

EN = {"Accept-Language": "en"}


def _register(client, served, **fields):
    data = {
        "channel": "phone",
        "name": "Zhang",
        "phone": "13812345678",
        "concerns": served.reference,
        "statement": "The plumber was rude and left the mess.",
    }
    data.update(fields)
    return client.post("/complaints/", data=data)


def test_a_complaint_waits_in_the_queue_not_for_a_place(county, client, auth):
    _org, _tech, served = county
    auth.login("boss")
    assert _register(client, served).status_code == 302
    complaint = db.session.scalar(sa.select(Complaint))
    client.get(f"/complaints/{complaint.id}")  # shows the "registered" notice, once
    wo = complaint.order
    assert wo.status is Status.QUEUED and wo.lat is None
    assert [e.kind for e in wo.events if e.to_status is not None] == ["created", "queue_at_desk"]

    ack = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.kind == "ack"))
    assert ack.recipient == "+8613812345678"
    assert "地址" not in ack.body and "标志性建筑" not in ack.body and "位置" not in ack.body

    waiting = client.get("/console/needs-location", headers=EN).get_data(as_text=True)
    assert wo.reference not in waiting
    queue = client.get("/console/", headers=EN)
    assert queue.status_code == 200 and wo.reference in queue.get_data(as_text=True)
    page = client.get(f"/console/orders/{wo.reference}", headers=EN)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "The plumber was rude" in html
    # Nobody is asked to pin a desk job, nor offered a service report for it.
    assert "Desk work: no place is needed" in html and "No location yet" not in html
    assert f"/console/orders/{wo.reference}/report" not in html
    row = client.get(f"/console/orders/{wo.reference}/row", headers=EN)
    assert row.status_code == 200
    assert client.get(f"/complaints/{complaint.id}", headers=EN).status_code == 200
    data = client.get("/console/map/data?bbox=110,30,115,35", headers=EN)
    assert data.status_code == 200 and wo.reference not in data.get_data(as_text=True)


def test_a_complaint_given_a_place_keeps_it(county):
    org, _tech, _served = county
    result = take_report(
        db.session,
        org=org,
        type_code="complaint",
        channel=Channel.PHONE,
        actor=Actor(Channel.CONSOLE),
        description="Noise from the pumping station at night",
        lat=32.52,
        lon=112.36,
    )
    assert result.order.status is Status.QUEUED
    assert (result.order.lat, result.order.lon) == (32.52, 112.36)


def test_a_callback_appointment_is_queued_without_a_place(county):
    org, _tech, _served = county
    result = take_report(
        db.session,
        org=org,
        type_code="callback",
        channel=Channel.PHONE,
        actor=Actor(Channel.CONSOLE),
        description="Please call me about my bill",
        reporter_phone="13812345678",
        language="en",
    )
    assert result.order.status is Status.QUEUED and result.order.lat is None
    assert "address" not in result.ack_text and "landmark" not in result.ack_text


def test_work_on_site_is_never_queued_without_a_place(county):
    org, _tech, _served = county
    leak = make_order(org, type_code="water_leak")
    with pytest.raises(TransitionError):
        lifecycle.transition(db.session, leak, "queue_at_desk", Actor.system())
    assert leak.status is Status.NEW


def test_a_machine_client_may_send_a_complaint_without_a_place(county):
    org, _tech, _served = county
    result = take_report(
        db.session,
        org=org,
        type_code="complaint",
        channel=Channel.OPEN311,
        actor=Actor(Channel.OPEN311),
        description="Nobody answers the hotline",
        require_place=True,
    )
    assert result.order.status is Status.QUEUED and result.order.lat is None
