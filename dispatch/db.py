"""Database foundations: the declarative base, the UTC datetime type, engine tuning, row claiming."""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, registry

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(sa.types.TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out — on SQLite too, which stores them naive."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; use dispatch.clock.aware()")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    registry = registry(
        metadata=sa.MetaData(naming_convention=NAMING),
        type_annotation_map={datetime: UTCDateTime(), dict[str, Any]: sa.JSON(), list[str]: sa.JSON()},
    )


#: Set for the duration of a unit of work that will write (a POST request, a scheduled job):
#: on SQLite its transaction then starts with BEGIN IMMEDIATE, taking the single write lock up
#: front. A deferred transaction that reads first and writes later can otherwise fail at once
#: with "database is locked" when another writer committed in between; IMMEDIATE waits instead.
sqlite_writer: contextvars.ContextVar[bool] = contextvars.ContextVar("sqlite_writer", default=False)


def on_transaction(name: str) -> Callable:
    """Register a hook for the Session event ``name`` ("before_commit", "after_commit",
    "after_rollback") of a transaction itself. SQLAlchemy fires these for savepoints too, but a
    savepoint's release is not a commit, nor its rollback the transaction's: a hook that wakes
    workers or numbers events at a savepoint would act on what is not committed yet."""

    def register(hook: Callable[[Session], None]) -> Callable[[Session], None]:
        def listener(session: Session) -> None:
            if not session.in_nested_transaction():
                hook(session)

        event.listen(Session, name, listener)
        return hook

    return register


def notify_on_commit(session: Session, channel: str, payload: str = "") -> None:
    """PostgreSQL: ``NOTIFY channel`` when, and only if, this transaction commits. All of a
    transaction's notifications go in one statement just before its commit (a report wakes the
    outbox, the planner and the console: one round trip, not three, and none before the
    report's rows are flushed). Elsewhere nothing: SQLite's processes look on their own."""
    if session.get_bind().dialect.name == "postgresql":
        session.info.setdefault("notify", {})[(channel, payload)] = None


@on_transaction("before_commit")
def _notify_before_commit(session: Session) -> None:
    pending = list(session.info.pop("notify", {}))
    if pending:
        calls = ", ".join(f"pg_notify(:channel{n}, :payload{n})" for n in range(len(pending)))
        params = {}
        for n, (channel, payload) in enumerate(pending):
            params[f"channel{n}"], params[f"payload{n}"] = channel, payload
        session.execute(sa.text(f"SELECT {calls}"), params)


@on_transaction("after_rollback")
def _forget_notifications(session: Session) -> None:
    session.info.pop("notify", None)


def engine_options(config: dict[str, Any], uri: str) -> dict[str, Any]:
    """Engine options from ``[db]``: connect, pool and (PostgreSQL) statement timeouts and TCP
    keepalives, so that a database that stops answering fails requests instead of hanging them."""
    options: dict[str, Any] = {"pool_pre_ping": True}
    if not uri.startswith("postgresql"):
        return options
    statement_ms = int(float(config.get("DB_STATEMENT_TIMEOUT_S", 30)) * 1000)
    idle_s = int(config.get("DB_KEEPALIVE_IDLE_S", 30))
    options["pool_timeout"] = float(config.get("DB_POOL_TIMEOUT_S", 10))
    options["connect_args"] = {
        "connect_timeout": max(1, round(float(config.get("DB_CONNECT_TIMEOUT_S", 5)))),
        "options": f"-c statement_timeout={statement_ms}",
        "keepalives": 1,
        "keepalives_idle": idle_s,
        "keepalives_interval": max(1, idle_s // 3),
        "keepalives_count": 3,
    }
    return options


def tune_engine(engine: Engine) -> None:
    """SQLite: WAL, a busy timeout, foreign keys on, and transactions we begin ourselves."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not the driver, decide when a transaction begins (the driver's own
        # implicit BEGIN cannot be made IMMEDIATE).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE" if sqlite_writer.get() else "BEGIN")


def claim(
    session: Session,
    model: type,
    where: Sequence[sa.ColumnElement[bool]],
    values: dict[str, Any],
    *,
    order_by: Sequence[Any] = (),
    limit: int = 50,
) -> list[int]:
    """Atomically take up to ``limit`` due rows of ``model`` for this worker and mark them.

    PostgreSQL: ``SELECT … FOR UPDATE SKIP LOCKED`` then ``UPDATE``, so concurrent workers each
    get different rows without waiting on each other. SQLite: one ``UPDATE … WHERE id IN (…)
    RETURNING id`` inside a ``BEGIN IMMEDIATE`` transaction (the caller's session must be a
    writer), so the claim and the mark are one step under the write lock. The caller commits.
    Returns the ids claimed.
    """
    pk = model.id
    pick = sa.select(pk).where(*where).order_by(*order_by).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        ids = list(session.scalars(pick.with_for_update(skip_locked=True)))
        if ids:
            session.execute(
                sa.update(model).where(pk.in_(ids)).values(**values),
                execution_options={"synchronize_session": False},
            )
        return ids
    stmt = sa.update(model).where(pk.in_(pick)).values(**values).returning(pk)
    return list(session.scalars(stmt, execution_options={"synchronize_session": False}))
