"""Timeline events numbered in the order their transactions commit.

An event's ``id`` is taken when it is inserted, but transactions commit in another order: on
PostgreSQL an event with id 10 can become visible after id 11 was already read, and a reader
that resumes "after 11" would never see it. So every committing transaction that wrote events
numbers them last thing before its commit from one counter row (``event_clock``): the row's lock
is held until the commit, so a transaction can only take higher numbers after every transaction
that took lower ones has committed (PostgreSQL makes a commit visible before it releases its
locks). Readers that follow the timeline (the console's live stream) go by ``Event.seq``; an
event with no number yet belongs to a transaction that has not committed.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Mapped, Session, mapped_column

from dispatch.db import on_transaction
from dispatch.extensions import db
from dispatch.orders.models import Event

_PENDING = "commit_order_events"
_SAVEPOINT_UNDONE = "commit_order_savepoint_undone"


class EventClock(db.Model):
    """One row: the last commit-order number handed to a timeline event."""

    __tablename__ = "event_clock"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(sa.BigInteger, default=0)


@sa_event.listens_for(Session, "after_flush")
def _collect_new_events(session: Session, _flush_context) -> None:
    new = [obj.id for obj in session.new if isinstance(obj, Event)]
    if new:
        session.info.setdefault(_PENDING, []).extend(new)


@on_transaction("before_commit")  # a savepoint's are numbered when the transaction commits
def _number_events(session: Session) -> None:
    session.flush()  # events still pending are inserted (and collected) first
    ids = session.info.pop(_PENDING, None)
    if session.info.pop(_SAVEPOINT_UNDONE, False) and ids:
        # A savepoint rolled back some of them: number only the events still there.
        table = Event.__table__
        ids = list(session.connection().scalars(sa.select(table.c.id).where(table.c.id.in_(set(ids)))))
    if not ids:
        return
    ids = sorted(set(ids))
    clock = EventClock.__table__
    last = (
        session.connection()
        .execute(
            clock.update().where(clock.c.id == 1).values(last=clock.c.last + len(ids)).returning(clock.c.last)
        )
        .scalar()
    )
    if last is None:  # an empty table (tests empty every table): the first number is 1
        session.connection().execute(clock.insert().values(id=1, last=len(ids)))
        last = len(ids)
    first = last - len(ids) + 1
    table = Event.__table__
    session.connection().execute(
        table.update().where(table.c.id == sa.bindparam("event_id")).values(seq=sa.bindparam("number")),
        [{"event_id": event_id, "number": first + n} for n, event_id in enumerate(ids)],
    )


@sa_event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    if session.in_nested_transaction():
        # Only the savepoint's work is undone: the events written before it keep their turn.
        session.info[_SAVEPOINT_UNDONE] = True
        return
    session.info.pop(_PENDING, None)
    session.info.pop(_SAVEPOINT_UNDONE, None)
