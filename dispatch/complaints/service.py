"""The complaint register: a complaint is a work order of type ``complaint`` (its deadlines come
from the rules like any order's) plus its investigation record (``Complaint``).

Registering goes through intake (reference, deadlines, acknowledgement); investigating, deciding
and telling the customer are timeline events; the customer's SMS goes through the outbox. Telling
the customer meets the ``reply`` deadline; closing (once decided and told) takes the work order
to ``closed`` through the lifecycle and meets the ``resolve`` deadline.
Operations flush; the request commits.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from dispatch import clock
from dispatch.assign.models import Technician
from dispatch.auth.models import Organisation, User
from dispatch.complaints.models import Classification, Complaint
from dispatch.errors import DomainError, NotFound, TransitionError
from dispatch.intake.service import take_report
from dispatch.orders import lifecycle
from dispatch.orders.lifecycle import Actor
from dispatch.orders.models import Channel, Status, WorkOrder
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
            raise ComplaintError(_("No work order with this reference."), field="concerns")
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
        raise ComplaintError(_("No such staff member."), field="technician_id")
    return technician.id


def record_for(session: Session, order: WorkOrder) -> Complaint:
    """The investigation record of a complaint order (made on first use: complaints that came in
    by Open311 or SMS have none until someone opens them)."""
    if order.type_code != TYPE:
        raise ComplaintError(_("This work order is not a complaint."))
    complaint = session.scalar(sa.select(Complaint).where(Complaint.work_order_id == order.id))
    if complaint is None:
        complaint = Complaint(org_id=order.org_id, work_order_id=order.id)
        session.add(complaint)
        session.flush()
    return complaint


def get(session: Session, org_id: int, complaint_id: int) -> Complaint:
    complaint = session.get(Complaint, complaint_id)
    if complaint is None or complaint.org_id != org_id:
        raise NotFound(_("No such complaint."))
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
                raise ComplaintError(_("Unknown classification."), field=name) from None
        elif name == "cost_cny":
            value = _cost(value)
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


#: The largest cost the record holds (Numeric(10, 2)).
MAX_COST = Decimal("99999999.99")


def _cost(value: Any) -> Decimal:
    """A cost in yuan from what was typed: a number, not negative, at most ``MAX_COST``."""
    try:
        cost = Decimal(str(value).strip())
    except InvalidOperation:
        cost = None
    if cost is None or not cost.is_finite():
        raise ComplaintError(_("The cost is a number of yuan."), field="cost_cny")
    if cost < 0:
        raise ComplaintError(_("The cost cannot be negative."), field="cost_cny")
    if cost > MAX_COST:
        raise ComplaintError(
            _("The cost is too large: at most %(max)s yuan.", max=f"{MAX_COST:,}"), field="cost_cny"
        )
    return cost.quantize(Decimal("0.01"))


def decide(session: Session, complaint: Complaint, upheld: bool, user: User) -> Complaint:
    """Upheld or not, by a supervisor or administrator (the view checks the role)."""
    if complaint.classification is None:
        raise ComplaintError(_("Classify the complaint before deciding it."), field="classification")
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


def feed_back(
    session: Session, complaint: Complaint, text: str, actor: Actor, *, by_call: bool = False
) -> Complaint:
    """Tell the customer the result and record what was said: by SMS (through the outbox) to a
    mobile, or — ``by_call``, for a customer without a mobile — as a call made and noted.

    Either way the customer has been answered: the ``complaint_feedback`` event meets the
    complaint's ``reply`` deadline (config/sla.toml), as a message from the console does."""
    text = (text or "").strip()
    order = complaint.order
    if not text:
        raise ComplaintError(_("Write what the customer is told."), field="feedback")
    if by_call and order.reporter_takes_sms:
        raise ComplaintError(_("The customer has a mobile number: send the result by SMS."), field="feedback")
    if not by_call and not order.reporter_takes_sms:
        raise ComplaintError(
            _("The customer has no mobile number: call them and note the call."), field="feedback"
        )
    data: dict[str, Any] = {"via": "call" if by_call else "sms"}
    if not by_call:
        message = outbox.enqueue(
            session,
            to=order.reporter_phone,
            body=f"{order.reference}: {text}",
            kind="complaint_result",
            org_id=order.org_id,
            work_order_id=order.id,
            language=order.reporter_language,
        )
        data["outbox_id"] = message.id
    complaint.feedback, complaint.feedback_sent_at = text, clock.now()
    session.flush()
    lifecycle.record(session, order, "complaint_feedback", actor, note=text, data=data)
    return complaint


def is_closed(complaint: Complaint) -> bool:
    return complaint.order.status is Status.CLOSED


def close(session: Session, complaint: Complaint, user: User) -> Complaint:
    """Close a decided complaint whose customer has been told the result (the view checks that
    ``user`` is a supervisor or administrator). Its work order goes to ``closed`` through the
    lifecycle, which meets the ``resolve`` deadline now. Raises ComplaintError when it is not
    decided, the customer not told, or it is closed already."""
    order = complaint.order
    if is_closed(complaint):
        raise ComplaintError(_("This complaint is closed already."))
    if complaint.upheld is None:
        raise ComplaintError(_("Decide whether the complaint is upheld before closing it."), field="close")
    if complaint.feedback_sent_at is None:
        raise ComplaintError(_("Tell the customer the result before closing the complaint."), field="close")
    actor = Actor(Channel.CONSOLE, user_id=user.id)
    # Worked through to the end like any order (done, then closed), or settled at the desk.
    action = "close" if order.status in lifecycle.TRANSITIONS["close"].sources else "close_at_desk"
    try:
        lifecycle.transition(session, order, action, actor, data={"upheld": complaint.upheld})
    except TransitionError:
        raise ComplaintError(
            _("The complaint's work order cannot be closed in its present state: see the work order."),
            field="close",
        ) from None
    session.flush()
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
