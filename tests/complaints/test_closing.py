"""Answering and closing a complaint: the result told to the customer meets the reply deadline;
a supervisor closes a decided, answered complaint, which stops its deadlines."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from dispatch import clock
from dispatch.complaints.models import Complaint
from dispatch.extensions import db
from dispatch.orders.models import Status
from dispatch.sms.models import OutboxMessage

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-CN"}


def _complaint(client, served, phone="13812345678") -> Complaint:
    client.post(
        "/complaints/",
        data={
            "channel": "phone",
            "name": "Zhang",
            "phone": phone,
            "concerns": served.reference,
            "statement": "The plumber was rude and left the mess.",
        },
    )
    complaint = db.session.scalar(sa.select(Complaint))
    client.get(f"/complaints/{complaint.id}")  # the "registered" notice, shown once
    return complaint


def _decide(client, complaint):
    url = f"/complaints/{complaint.id}"
    client.post(f"{url}/investigation", data={"classification": "service_conduct"})
    assert client.post(f"{url}/decision", data={"upheld": "yes"}).status_code == 302


def _milestones(complaint_id: int) -> dict:
    db.session.expire_all()
    wo = db.session.get(Complaint, complaint_id).order
    return {m.name: m for m in wo.milestones}


def test_telling_the_customer_by_sms_meets_the_reply_deadline(county, client, auth):
    _org, _tech, served = county
    auth.login("desk")
    complaint = _complaint(client, served)
    assert _milestones(complaint.id)["reply"].met_at is None

    client.post(f"/complaints/{complaint.id}/feedback", data={"feedback": "We apologise."})

    sms = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.kind == "complaint_result"))
    assert sms.recipient == "+8613812345678" and "We apologise." in sms.body
    milestones = _milestones(complaint.id)
    assert milestones["reply"].met_at is not None and milestones["resolve"].met_at is None
    kinds = [e.kind for e in db.session.get(Complaint, complaint.id).order.events]
    assert kinds.count("complaint_feedback") == 1 and "customer_replied" not in kinds  # told once
    page = client.get(f"/complaints/{complaint.id}", headers=EN).get_data(as_text=True)
    assert "We apologise." in page


def test_a_decided_answered_complaint_is_closed_and_its_deadlines_stop(county, client, auth):
    _org, _tech, served = county
    auth.login("boss")
    complaint = _complaint(client, served)
    _decide(client, complaint)
    client.post(f"/complaints/{complaint.id}/feedback", data={"feedback": "We apologise."})
    clock.freeze(clock.now() + timedelta(hours=3))

    response = client.post(f"/complaints/{complaint.id}/close", follow_redirects=True, headers=EN)

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f"Complaint {complaint.order.reference} closed." in page
    assert 'id="complaint-close"' not in page  # nothing left to close
    db.session.expire_all()
    wo = db.session.get(Complaint, complaint.id).order
    assert wo.status is Status.CLOSED and wo.closed_at == clock.now()
    assert wo.next_due_at is None
    resolve = _milestones(complaint.id)["resolve"]
    assert resolve.met_at == clock.now() and resolve.breached_at is None
    register = client.get("/complaints/", headers=EN).get_data(as_text=True)
    assert "closed" in register.split(wo.reference, 1)[1].split("</tr>", 1)[0]


def test_a_complaint_cannot_be_closed_before_it_is_decided(county, client, auth):
    _org, _tech, served = county
    auth.login("boss")
    complaint = _complaint(client, served)

    response = client.post(f"/complaints/{complaint.id}/close", headers=EN)

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Decide whether the complaint is upheld before closing it." in page
    assert 'id="complaint-investigation"' in page  # the complaint's page, not a bare error
    db.session.expire_all()
    assert db.session.get(Complaint, complaint.id).order.status is Status.QUEUED


def test_a_complaint_cannot_be_closed_before_the_customer_is_told(county, client, auth):
    _org, _tech, served = county
    auth.login("boss")
    complaint = _complaint(client, served)
    _decide(client, complaint)

    response = client.post(f"/complaints/{complaint.id}/close", headers=EN)

    assert response.status_code == 400
    assert "Tell the customer the result before closing the complaint." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Complaint, complaint.id).order.status is Status.QUEUED


def test_a_customer_without_a_mobile_is_called_and_the_call_noted(county, client, auth):
    _org, _tech, served = county
    auth.login("boss")
    complaint = _complaint(client, served, phone="0377-6221750")
    _decide(client, complaint)
    page = client.get(f"/complaints/{complaint.id}", headers=EN).get_data(as_text=True)
    assert "Note the call" in page and "Send by SMS" not in page

    client.post(
        f"/complaints/{complaint.id}/feedback",
        data={"feedback": "Told on the phone: the team was spoken to.", "by_call": "1"},
    )
    assert client.post(f"/complaints/{complaint.id}/close").status_code == 302

    assert db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.kind == "complaint_result")) is None
    milestones = _milestones(complaint.id)
    assert milestones["reply"].met_at is not None and milestones["resolve"].met_at is not None
    assert db.session.get(Complaint, complaint.id).order.status is Status.CLOSED


def test_dispatchers_do_not_close_complaints(county, client, auth):
    _org, _tech, served = county
    auth.login("desk")
    complaint = _complaint(client, served)
    assert client.post(f"/complaints/{complaint.id}/close").status_code == 403
    assert 'id="complaint-close"' not in client.get(f"/complaints/{complaint.id}").get_data(as_text=True)


def test_the_refusal_to_close_is_said_in_chinese(county, client, auth):
    """Passes once the catalog has the translation."""
    _org, _tech, served = county
    auth.login("boss")
    complaint = _complaint(client, served)
    response = client.post(f"/complaints/{complaint.id}/close", headers=ZH)
    assert response.status_code == 400
    assert "请先作出是否成立的结论，再办结投诉。" in response.get_data(as_text=True)
