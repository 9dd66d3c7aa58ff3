"""What a dispatcher does with a job: assign or reassign it, record an acceptance made by phone,
broadcast it, take it back. The console and the JSON API call these.

Each takes the order version the dispatcher saw (``expected_version``): a job someone else (or a
technician's SMS) changed in the meantime is a ConflictError, never a silent overwrite. Open
offers of the job are closed and their technicians told; the technician who gets the job is told
by SMS. Operations flush, never commit.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from dispatch import clock
from dispatch.assign import offers, texts
from dispatch.assign.models import Offer, OfferState, Technician
from dispatch.assign.ranking import is_away, target_milestone
from dispatch.errors import DomainError, NotFound, TransitionError
from dispatch.orders import lifecycle
from dispatch.orders.lifecycle import Actor
from dispatch.orders.models import Status, WorkOrder
from dispatch.sms import outbox

#: States from which a job can be given to a technician (reassigning goes through unassign first).
ASSIGNABLE = (Status.QUEUED, Status.OFFERED)
REASSIGNABLE = (Status.ACCEPTED, Status.EN_ROUTE)


def technician_in_org(session: Session, org_id: int, technician_id: int) -> Technician:
    tech = session.get(Technician, technician_id)
    if tech is None or tech.org_id != org_id:
        raise NotFound(_("No such technician."), technician_id=technician_id)
    return tech


def _notify(
    session: Session,
    order: WorkOrder,
    tech: Technician,
    body: str,
    kind: str,
    params: dict[str, str] | None = None,
) -> None:
    outbox.send(
        session,
        kind,
        to=tech.phone,
        text=body,
        params=params,
        order=order,
        technician_id=tech.id,
        language=tech.language,
    )


def assign(
    session: Session,
    order: WorkOrder,
    technician_id: int,
    actor: Actor,
    *,
    expected_version: int | None = None,
    by_phone: bool = False,
    note: str | None = None,
    now: datetime | None = None,
) -> WorkOrder:
    """Give the job to a technician of the organisation (a queued or offered job; an accepted or
    en-route one is reassigned: taken off its technician first, who is told).

    ``by_phone``: the technician accepted on the phone — recorded as such, and his open offer of
    this job, if any, is the one accepted. Refuses a technician on leave (the answer names his
    substitute). Returns the order.
    """
    now = now or clock.now()
    lifecycle.ensure_version(order, expected_version)
    tech = technician_in_org(session, order.org_id, technician_id)
    if is_away(tech, now):
        sub = tech.substitute
        hint = f" His substitute is {sub.name} ({sub.code})." if sub is not None else ""
        raise DomainError(f"{tech.name} is on leave.{hint}", technician_id=tech.id)
    if order.status in REASSIGNABLE:
        if order.assignee_id == tech.id:
            raise TransitionError(f"{order.reference} is already assigned to {tech.name}.")
        unassign(session, order, actor, reason=note or "reassigned", now=now)
    if order.status not in ASSIGNABLE:
        raise TransitionError(
            f"Cannot assign {order.reference}: it is {order.status.value}.",
            reference=order.reference,
            status=order.status.value,
        )
    code = offers.job_code(session, order)
    mine = next((o for o in offers.pending_offers(session, order) if o.technician_id == tech.id), None)
    if mine is not None:
        mine.state, mine.answered_at = OfferState.ACCEPTED, now
    else:
        session.add(
            Offer(
                org_id=order.org_id,
                work_order_id=order.id,
                technician_id=tech.id,
                state=OfferState.ACCEPTED,
                created_at=now,
                expires_at=now,
                answered_at=now,
                reason="by phone" if by_phone else "assigned by the dispatcher",
            )
        )
    offers.close_others(session, order, keep=mine, state=OfferState.WITHDRAWN, now=now)
    order.assignee_id = tech.id
    lifecycle.transition(
        session,
        order,
        "accept",
        actor,
        note=note,
        data={"technician_id": tech.id, "by_phone": by_phone, "by_dispatcher": True, "code": code},
    )
    target = target_milestone(order)
    _notify(
        session,
        order,
        tech,
        texts.assigned_text(order, code, tech.language, due_at=target.due_at if target else None),
        "assignment",
        texts.job_params(order, code, due_at=target.due_at if target else None),
    )
    session.flush()
    return order


def record_phone_acceptance(
    session: Session,
    order: WorkOrder,
    technician_id: int,
    actor: Actor,
    *,
    expected_version: int | None = None,
    note: str | None = None,
) -> WorkOrder:
    """A technician accepted the job by phone: the same as assigning it, recorded as such."""
    return assign(
        session, order, technician_id, actor, expected_version=expected_version, by_phone=True, note=note
    )


def unassign(
    session: Session,
    order: WorkOrder,
    actor: Actor,
    *,
    reason: str | None = None,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> WorkOrder:
    """Take an accepted (or en-route) job back from its technician, who is told; it is queued."""
    now = now or clock.now()
    lifecycle.ensure_version(order, expected_version)
    previous = order.assignee
    if order.status not in REASSIGNABLE:
        raise TransitionError(
            f"Cannot unassign {order.reference}: it is {order.status.value}.",
            reference=order.reference,
            status=order.status.value,
        )
    lifecycle.transition(
        session,
        order,
        "unassign",
        actor,
        note=reason,
        data={"technician_id": previous.id if previous else None},
    )
    if previous is not None:
        _notify(
            session,
            order,
            previous,
            texts.withdrawn_text(order.job_code or "?", previous.language),
            "unassigned",
            {"code": order.job_code or ""},
        )
    session.flush()
    return order


def broadcast(
    session: Session,
    order: WorkOrder,
    actor: Actor,
    *,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> list[Offer]:
    """Offer the job at once to the top N candidates not offered it yet; the first to accept wins.

    A job already offered keeps its open offers and gains the new ones. Returns the new offers.
    """
    now = now or clock.now()
    lifecycle.ensure_version(order, expected_version)
    if order.status not in ASSIGNABLE:
        raise TransitionError(
            f"Cannot broadcast {order.reference}: it is {order.status.value}.",
            reference=order.reference,
            status=order.status.value,
        )
    made = offers.dispatch_order(session, order, actor, broadcast=True, now=now)
    for offer in offers.pending_offers(session, order):
        offer.broadcast = True
    return made


def offer_to(
    session: Session,
    order: WorkOrder,
    technician_id: int,
    actor: Actor,
    *,
    note: str | None = None,
    now: datetime | None = None,
) -> list[Offer]:
    """Offer ``order`` by SMS to the technician a dispatcher picked among its candidates; the job
    is theirs when they answer. A job already accepted is taken back first (reassignment); other
    open offers of it are withdrawn. Raises DomainError when that technician cannot take it now.
    Flushes."""
    now = now or clock.now()
    tech = technician_in_org(session, order.org_id, technician_id)
    if order.status in REASSIGNABLE:
        if order.assignee_id == tech.id:
            raise DomainError(_("%(name)s already has this job.", name=tech.name))
        unassign(session, order, actor, reason=note or "reassigned", now=now)
    if order.status not in ASSIGNABLE:
        raise DomainError(_("This order cannot be assigned now."))
    pick = next((c for c in offers.ranked(session, order, now=now) if c.technician_id == tech.id), None)
    if pick is None:
        raise DomainError(
            _("%(name)s cannot take this job now (skills, duty, leave or load).", name=tech.name)
        )
    if any(o.technician_id == tech.id for o in offers.pending_offers(session, order)):
        raise DomainError(_("%(name)s has already been offered this job.", name=tech.name))
    offers.close_others(session, order, keep=None, state=OfferState.WITHDRAWN, now=now)
    _ranking, policy = offers.policies()
    return offers.make_offers(session, order, [pick], actor, broadcast=False, now=now, policy=policy)
