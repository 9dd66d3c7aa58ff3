"""Creating work orders and reading them within an organisation."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from dispatch import clock
from dispatch.errors import NotFound
from dispatch.orders.lifecycle import Actor, write_event
from dispatch.orders.models import Channel, ReferenceCounter, Status, WorkOrder


def next_reference(session: Session, at: datetime) -> str:
    """The next WO-YYYY-NNNNNN, numbered per year: one row per year in ``reference_counter``,
    bumped with UPDATE … RETURNING.

    On PostgreSQL the number is taken in a short transaction of its own, so that concurrent
    intakes do not queue on the year's row until each of them commits (a report whose
    transaction then fails leaves its number unused: references may have gaps, never doubles).
    SQLite has one writer anyway: there it is bumped in the caller's transaction."""
    year = clock.local(at).year
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        with bind.connect() as connection:
            number = _bump(connection, year)
            connection.commit()
    else:
        number = _bump(session.connection(), year)
    return f"WO-{year}-{number:06d}"


def _bump(connection: sa.Connection, year: int) -> int:
    table = ReferenceCounter.__table__
    bump = sa.update(table).where(table.c.year == year).values(last=table.c.last + 1).returning(table.c.last)
    number = connection.execute(bump).scalar()
    if number is None:
        # The year's first report: its row, unless another intake made it a moment ago.
        insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
        connection.execute(insert(table).values(year=year, last=0).on_conflict_do_nothing())
        number = connection.execute(bump).scalar()
    return number


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
        raise NotFound(_("No work order %(reference)s.", reference=reference), reference=reference)
    return order
