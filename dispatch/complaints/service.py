"""The complaint register: a complaint is a work order of type ``complaint`` (its deadlines come
from the rules like any order's) plus its investigation record (``Complaint``).

Registering goes through intake (reference, deadlines, acknowledgement); investigating, deciding
and telling the customer are timeline events; the customer's SMS goes through the outbox.
Operations flush; the request commits.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from dispatch import clock
from dispatch.assign.models import Technician
from dispatch.auth.models import Organisation, User
from dispatch.complaints.models import Classification, Complaint
from dispatch.errors import DomainError, NotFound
from dispatch.intake.service import take_report
from dispatch.orders import lifecycle
from dispatch.orders.lifecycle import Actor
from dispatch.orders.models import Channel, WorkOrder
from dispatch.sms import outbox

TYPE = "complaint"
#: Channels a complaint arrives by (R17): phone, SMS, web, letter, Open311.
CHANNELS = (Channel.PHONE, Channel.SMS, Channel.WEB, Channel.LETTER, Channel.OPEN311)
INVESTIGATION = (
    "classification",
    "root_cause",
    "responsible_department",
    "responsible_person",
    "corrective_action",
    "cost_cny",
    "cost_borne_by",
    "technician_id",
)


class ComplaintError(DomainError):
    status = 400


def register(
    session: Session,
    *,
    org: Organisation,
    channel: Channel,
    actor: Actor,
    statement: str,
    reporter_name: str | None = None,
    reporter_phone: str | None = None,
    concerns_reference: str | None = None,
    technician_id: int | None = None,
) -> Complaint:
    """A new complaint: its work order (through intake) and an empty investigation record."""
    concerns = None
    if concerns_reference:
        concerns = session.scalar(
            sa.select(WorkOrder).where(
                WorkOrder.org_id == org.id, WorkOrder.reference == concerns_reference.strip()
            )
        )
        if concerns is None:
            raise ComplaintError("No work order with this reference.", field="concerns")
    result = take_report(
        session,
        org=org,
        type_code=TYPE,
        channel=channel,
        actor=actor,
        description=statement,
        reporter_name=reporter_name,
        reporter_phone=reporter_phone,
        owner_id=actor.user_id,
    )
    technician_id = _own_technician(session, org.id, technician_id) if technician_id else None
    complaint = record_for(session, result.order)
    complaint.concerns_order_id = concerns.id if concerns else None
    complaint.technician_id = technician_id or (concerns.assignee_id if concerns else None)
    session.flush()
    return complaint


def _own_technician(session: Session, org_id: int, value: Any) -> int:
    """A technician of this organisation, by id; anyone else's is refused."""
    try:
        technician = session.get(Technician, int(value))
    except (TypeError, ValueError):
        technician = None
    if technician is None or technician.org_id != org_id:
        raise ComplaintError("No such staff member.", field="technician_id")
    return technician.id


def record_for(session: Session, order: WorkOrder) -> Complaint:
    """The investigation record of a complaint order (made on first use: complaints that came in
    by Open311 or SMS have none until someone opens them)."""
    if order.type_code != TYPE:
        raise ComplaintError("This work order is not a complaint.")
    complaint = session.scalar(sa.select(Complaint).where(Complaint.work_order_id == order.id))
    if complaint is None:
        complaint = Complaint(org_id=order.org_id, work_order_id=order.id)
        session.add(complaint)
        session.flush()
    return complaint


def get(session: Session, org_id: int, complaint_id: int) -> Complaint:
    complaint = session.get(Complaint, complaint_id)
    if complaint is None or complaint.org_id != org_id:
        raise NotFound("No such complaint.")
    return complaint


def investigate(session: Session, complaint: Complaint, actor: Actor, **fields: Any) -> Complaint:
    """Record the investigation (classification, root cause, responsibility, corrective action,
    cost and who bears it); blank fields are left as they were."""
    changed = {}
    for name in INVESTIGATION:
        value = fields.get(name)
        if value in (None, ""):
            continue
        if name == "classification":
            try:
                value = Classification(value)
            except ValueError:
                raise ComplaintError("Unknown classification.", field=name) from None
        elif name == "cost_cny":
            try:
                value = Decimal(str(value))
            except InvalidOperation:
                raise ComplaintError("The cost is a number of yuan.", field=name) from None
            if value < 0:
                raise ComplaintError("The cost is a number of yuan.", field=name)
        elif name == "technician_id":
            value = _own_technician(session, complaint.org_id, value)
        elif isinstance(value, str):
            value = value.strip()[:2000]
        setattr(complaint, name, value)
        changed[name] = str(value)
    session.flush()
    if changed:
        lifecycle.record(session, complaint.order, "complaint_investigated", actor, data=changed)
    return complaint


def decide(session: Session, complaint: Complaint, upheld: bool, user: User) -> Complaint:
    """Upheld or not, by a supervisor or administrator (the view checks the role)."""
    if complaint.classification is None:
        raise ComplaintError("Classify the complaint before deciding it.", field="classification")
    complaint.upheld, complaint.decided_at, complaint.decided_by_id = upheld, clock.now(), user.id
    session.flush()
    lifecycle.record(
        session,
        complaint.order,
        "complaint_decided",
        Actor(Channel.CONSOLE, user_id=user.id),
        data={"upheld": upheld, "classification": complaint.classification.value},
    )
    return complaint


def feed_back(session: Session, complaint: Complaint, text: str, actor: Actor) -> Complaint:
    """Tell the customer the result by SMS (through the outbox) and record what was said."""
    text = (text or "").strip()
    order = complaint.order
    if not text:
        raise ComplaintError("Write what the customer is told.", field="feedback")
    if not order.reporter_takes_sms:
        raise ComplaintError(
            "The customer has no mobile number: call them and note the call.", field="feedback"
        )
    body = f"{order.reference}: {text}"
    outbox.enqueue(
        session,
        to=order.reporter_phone,
        body=body,
        kind="complaint_result",
        org_id=order.org_id,
        work_order_id=order.id,
        language=order.reporter_language,
    )
    complaint.feedback, complaint.feedback_sent_at = text, clock.now()
    session.flush()
    lifecycle.record(session, order, "complaint_feedback", actor, note=text)
    return complaint


def register_list(session: Session, org_id: int, limit: int = 300) -> list[Complaint]:
    return list(
        session.scalars(
            sa.select(Complaint)
            .join(WorkOrder, WorkOrder.id == Complaint.work_order_id)
            .where(Complaint.org_id == org_id)
            .order_by(WorkOrder.reported_at.desc())
            .limit(limit)
        )
    )
