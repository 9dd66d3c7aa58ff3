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


def next_reference(session: Session, at: datetime) -> str | sa.ColumnElement[str]:
    """The next WO-YYYY-NNNNNN, numbered per year.

    On PostgreSQL a SQL expression over the year's sequence (``work_order_ref_YYYY``), computed
    by the order's own INSERT and read back by its RETURNING: no round trip of its own, and no
    row lock that serialises concurrent intakes. Elsewhere (SQLite, where writers are serialised
    anyway and a statement is a function call, not a round trip) one row per year in
    ``reference_counter``, bumped with UPDATE … RETURNING."""
    year = clock.local(at).year
    if session.get_bind().dialect.name == "postgresql":
        sequence = reference_sequence(session, year)
        return sa.literal(f"WO-{year}-", sa.String) + sa.func.lpad(
            sa.cast(sa.func.nextval(sequence), sa.Text), 6, "0"
        )
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


#: (database, year) pairs whose reference sequence is known to exist in this process.
_SEQUENCES: set[tuple[str, int]] = set()


def reference_sequence(session: Session, year: int) -> str:
    """The name of ``year``'s reference sequence on PostgreSQL, created the first time a year
    is used (starting after the year's ``reference_counter`` row, so numbers handed out before
    are never handed out again). Checked once per process and year."""
    name = f"work_order_ref_{year}"
    engine = session.get_bind()
    key = (engine.url.render_as_string(hide_password=True), year)
    if key in _SEQUENCES:
        return name
    # Outside the caller's transaction: the sequence must exist whatever becomes of the order.
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        if conn.scalar(sa.select(sa.func.to_regclass(name))) is None:
            last = conn.scalar(sa.select(ReferenceCounter.last).where(ReferenceCounter.year == year)) or 0
            try:
                # Owned by the column: dropped with it, and restarted by TRUNCATE … RESTART IDENTITY.
                conn.exec_driver_sql(
                    f"CREATE SEQUENCE IF NOT EXISTS {name} START {int(last) + 1}"
                    " OWNED BY work_order.reference"
                )
            except sa.exc.DBAPIError:
                # Created by another process at the same moment: it exists, which is all we need.
                if conn.scalar(sa.select(sa.func.to_regclass(name))) is None:
                    raise
    _SEQUENCES.add(key)
    return name


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
