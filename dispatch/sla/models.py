"""The supervisor's review queue of moved deadlines."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dispatch import clock
from dispatch.extensions import db


class DueChange(db.Model):
    """A due time that changed (recomputed, reclassified, set by hand), until a supervisor reviews it.

    The order's timeline holds the same change as a ``due_changed`` event (``event_id``): the
    event is the history, this row is the queue. It is unreviewed while ``reviewed_at`` is empty.
    """

    __tablename__ = "due_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"))
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("work_order.id"), index=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("event.id"), unique=True)
    milestone: Mapped[str] = mapped_column(sa.String(30))
    #: None: the milestone had no due time (it is new in the order's rule).
    old_due_at: Mapped[datetime | None]
    #: None: the milestone was dropped (the order's rule no longer has it).
    new_due_at: Mapped[datetime | None]
    #: Why, as a code: placed, reclassified, set_by_hand, paused, rules.
    reason: Mapped[str] = mapped_column(sa.String(30))
    #: The words of whoever moved it (the reclassification's reason, the explanation to the citizen).
    note: Mapped[str | None] = mapped_column(sa.Text)
    actor_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    reviewed_at: Mapped[datetime | None]
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    order = relationship("WorkOrder")
    event = relationship("Event")

    __table_args__ = (sa.Index("ix_due_change_org_reviewed", "org_id", "reviewed_at"),)
