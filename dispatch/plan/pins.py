"""A dispatcher's pins: this job stays with this technician (and, with ``first``, is the next job
he goes to). The planner plans every other job around them; a pin holds until it is removed or
the job is started, put on hold, done or cancelled. Each pin and unpin is on the order's timeline and asks for
a re-plan. Operations flush, never commit."""

from __future__ import annotations

from sqlalchemy.orm import Session

from dispatch import clock
from dispatch.assign.dispatcher import technician_in_org
from dispatch.auth.models import User
from dispatch.errors import DomainError
from dispatch.orders import lifecycle
from dispatch.orders.lifecycle import Actor
from dispatch.orders.models import Channel, WorkOrder
from dispatch.plan import service
from dispatch.plan.models import PlanPin
from dispatch.plan.problem import PLANNABLE


def _actor(user: User | None) -> Actor:
    return Actor(Channel.CONSOLE, user_id=user.id if user is not None else None)


def pin(session: Session, order: WorkOrder, technician_id: int, *, first: bool, user: User | None) -> PlanPin:
    """Pin ``order`` to a technician of its organisation (to first place with ``first``)."""
    if order.status not in PLANNABLE:
        raise DomainError("Only a job nobody has set off for yet can be pinned.")
    tech = technician_in_org(session, order.org_id, technician_id)
    held = session.get(PlanPin, order.id)
    if held is None:
        held = PlanPin(work_order_id=order.id, org_id=order.org_id)
        session.add(held)
    held.technician_id, held.first = tech.id, bool(first)
    held.by_user_id, held.created_at = (user.id if user is not None else None), clock.now()
    lifecycle.record(
        session,
        order,
        "plan_pinned",
        _actor(user),
        data={"technician_id": tech.id, "first": bool(first)},
    )
    service.mark_dirty(session, order.org_id)
    session.flush()
    return held


def unpin(session: Session, order: WorkOrder, user: User | None) -> bool:
    """Remove the order's pin; returns whether there was one."""
    held = session.get(PlanPin, order.id)
    if held is None:
        return False
    session.delete(held)
    lifecycle.record(
        session, order, "plan_unpinned", _actor(user), data={"technician_id": held.technician_id}
    )
    service.mark_dirty(session, order.org_id)
    session.flush()
    return True
