"""Scheduler heartbeats: each process running the jobs beats; /healthz reads the newest beat."""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from dispatch import clock
from dispatch.extensions import db


class WorkerHeartbeat(db.Model):
    __tablename__ = "worker_heartbeat"

    name: Mapped[str] = mapped_column(sa.String(120), primary_key=True)
    beat_at: Mapped[datetime]
    started_at: Mapped[datetime]


def process_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def beat(session: Session, name: str, started_at: datetime) -> None:
    row = session.get(WorkerHeartbeat, name)
    if row is None:
        session.add(WorkerHeartbeat(name=name, beat_at=clock.now(), started_at=started_at))
    else:
        row.beat_at = clock.now()


def scheduler_state(session: Session, interval_s: int) -> str:
    """ok: a scheduler beat within three intervals; stale: beats stopped; off: none ever ran."""
    newest = session.scalar(sa.select(sa.func.max(WorkerHeartbeat.beat_at)))
    if newest is None:
        return "off"
    age = clock.now() - newest
    return "ok" if age <= timedelta(seconds=3 * interval_s) else "stale"
