"""What the planner keeps: each unstarted job's place in a technician's plan, the dispatcher's
pins, and one row per organisation of the plan's state (marked dirty, last improved, version).

``plan_entry`` is rewritten by every re-plan (the planner's answer); ``plan_pin`` is the
dispatcher's word and survives re-plans. Whoever re-plans an organisation first takes its planner
lock (``service._state``: an advisory lock on PostgreSQL, the writer transaction on SQLite), so
two workers never plan the same jobs at once.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from dispatch import clock
from dispatch.extensions import db


class PlanEntry(db.Model):
    """One unstarted job in one technician's plan, at a position (0 = go there next)."""

    __tablename__ = "plan_entry"
    __table_args__ = (sa.Index("ix_plan_entry_tech_position", "technician_id", "position"),)

    work_order_id: Mapped[int] = mapped_column(sa.ForeignKey("work_order.id"), primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    technician_id: Mapped[int] = mapped_column(sa.ForeignKey("technician.id"))
    position: Mapped[int]
    #: When the plan expects the technician on site, and whether that misses the job's deadline.
    eta_at: Mapped[datetime | None]
    at_risk: Mapped[bool] = mapped_column(default=False)
    planned_at: Mapped[datetime] = mapped_column(default=clock.now)


class PlanPin(db.Model):
    """A dispatcher's decision the planner plans around: this job stays with this technician
    (``technician_id``), and with ``first`` it is the next job he goes to."""

    __tablename__ = "plan_pin"

    work_order_id: Mapped[int] = mapped_column(sa.ForeignKey("work_order.id"), primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    technician_id: Mapped[int] = mapped_column(sa.ForeignKey("technician.id"))
    first: Mapped[bool] = mapped_column(default=False)
    by_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)


class PlanState(db.Model):
    """Per organisation: locked while re-planning; ``dirty_since`` asks the worker for a re-plan
    (set by the events that change what there is to plan, cleared by the re-plan)."""

    __tablename__ = "plan_state"

    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), primary_key=True)
    version: Mapped[int] = mapped_column(default=0)
    dirty_since: Mapped[datetime | None]
    #: When the worker last improved the plan (placing new reports does not count): the next
    #: improvement waits ``[plan] improve_every_s`` from it.
    planned_at: Mapped[datetime | None]
    #: Jobs moved to another technician by re-plans, counted since the organisation was created.
    moves: Mapped[int] = mapped_column(default=0)
