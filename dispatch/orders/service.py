"""Creating work orders and reading them within an organisation."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dispatch import clock
from dispatch.errors import NotFound
from dispatch.orders.lifecycle import Actor, write_event
from dispatch.orders.models import Channel, ReferenceCounter, Status, WorkOrder


def next_reference(session: Session, at: datetime) -> str:
    """The next WO-YYYY-NNNNNN, numbered per year: one row per year in ``reference_counter``,
    bumped with UPDATE … RETURNING (one statement; concurrent intakes queue on the row for the
    rest of their transaction, which is short)."""
    year = clock.local(at).year
    stmt = (
        sa.update(ReferenceCounter)
        .where(ReferenceCounter.year == year)
        .values(last=ReferenceCounter.last + 1)
        .returning(ReferenceCounter.last)
    )
    number = session.scalar(stmt, execution_options={"synchronize_session": False})
    if number is None:
        try:
            with session.begin_nested():
                session.add(ReferenceCounter(year=year, last=1))
            number = 1
        except IntegrityError:
            # Another intake created the year's row first: take the next number from it.
            number = session.scalar(stmt, execution_options={"synchronize_session": False})
    return f"WO-{year}-{number:06d}"


def create_order(
    session: Session,
    *,
    org_id: int,
    type_code: str,
    channel: Channel,
    actor: Actor,
    reported_at: datetime | None = None,
    owner_id: int | None = None,
    flush: bool = True,
    **fields: Any,
) -> WorkOrder:
    """A new order in state ``new`` with its reference and a ``created`` event. Flushes
    (its id and reference are known on return) unless ``flush`` is False: then the order, its
    events and its milestones are inserted together by the caller's next flush — one INSERT
    each, no UPDATE — and the caller must flush before it needs the id or (on PostgreSQL, where
    the INSERT numbers it) the reference."""
    reported_at = reported_at or clock.now()
    order = WorkOrder(
        org_id=org_id,
        reference=next_reference(session, reported_at),
        # Known to be empty: no lazy load when the deadline engine first looks at them.
        milestones=[],
        events=[],
        type_code=type_code,
        channel=channel,
        status=Status.NEW,
        reported_at=reported_at,
        owner_id=owner_id,
        **fields,
    )
    session.add(order)
    if flush:
        session.flush()
    write_event(session, order, "created", actor, None, {"channel": channel.value}, None, Status.NEW)
    return order


def get_order(session: Session, org_id: int, reference: str) -> WorkOrder:
    """The order with this reference in this organisation; another organisation's is NotFound."""
    order = session.scalar(
        sa.select(WorkOrder).where(WorkOrder.org_id == org_id, WorkOrder.reference == reference)
    )
    if order is None:
        raise NotFound(f"No work order {reference}.", reference=reference)
    return order
