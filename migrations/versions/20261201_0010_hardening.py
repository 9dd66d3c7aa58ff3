"""Hardening: commit-ordered timeline events, sessions that end on the server, login throttle

- ``event.seq``: each event's place in commit order, from the one-row ``event_clock`` taken
  just before the commit (the live stream resumes by it; ids can commit out of order).
- ``user_account.session_generation``: bumped by logout, a password change and "sign out
  everywhere"; a session carrying an older generation is refused.
- ``user_account.failed_logins`` / ``login_locked_until``: the per-account throttle.
- ``failed_login``: every failed login, for the administrator.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 02:40:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seq", sa.BigInteger(), nullable=True))
        batch_op.create_index("ix_event_seq", ["seq"], unique=False)
    op.execute("UPDATE event SET seq = id")
    op.create_table(
        "event_clock",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_clock")),
    )
    op.execute("INSERT INTO event_clock (id, last) SELECT 1, COALESCE(MAX(id), 0) FROM event")

    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_generation", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("login_locked_until", sa.DateTime(timezone=True), nullable=True))

    op.create_table(
        "failed_login",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("remote_addr", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_failed_login_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_failed_login")),
    )
    with op.batch_alter_table("failed_login", schema=None) as batch_op:
        batch_op.create_index("ix_failed_login_at", ["at"], unique=False)
        batch_op.create_index("ix_failed_login_user_id", ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("failed_login", schema=None) as batch_op:
        batch_op.drop_index("ix_failed_login_user_id")
        batch_op.drop_index("ix_failed_login_at")
    op.drop_table("failed_login")
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("login_locked_until")
        batch_op.drop_column("failed_logins")
        batch_op.drop_column("session_generation")
    op.drop_table("event_clock")
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_index("ix_event_seq")
        batch_op.drop_column("seq")
