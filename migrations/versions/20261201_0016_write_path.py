"""Write path and console at scale: an order's next due time kept on the order, the indexes the
queue, the map and duplicate detection probe

``work_order.next_due_at`` / ``next_warn_at`` are the earliest due and warning times of the
order's running, unmet milestones (None once it is closed or cancelled), kept by the deadline
engine; they are back-filled here from the milestones.

Revision ID: 0016
Revises: 0018
Create Date: 2026-12-01 06:00:00

"""

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "0016"
down_revision = "0018"
branch_labels = None
depends_on = None

FINAL = ("closed", "cancelled")


def upgrade():
    with op.batch_alter_table("work_order", schema=None) as batch_op:
        batch_op.add_column(sa.Column("next_due_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("next_warn_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(
            "ix_work_order_queue", ["org_id", "next_due_at", "reported_at", "id"], unique=False
        )
        batch_op.create_index(
            "ix_work_order_queue_type", ["org_id", "type_code", "next_due_at"], unique=False
        )
        batch_op.create_index(
            "ix_work_order_map",
            ["org_id", "lat", "lon", "status", "next_due_at", "next_warn_at"],
            unique=False,
        )
        batch_op.create_index(
            "ix_work_order_nearby", ["org_id", "type_code", "lat", "lon", "reported_at"], unique=False
        )
    running = (
        "FROM milestone m WHERE m.order_id = work_order.id AND m.met_at IS NULL AND m.due_at IS NOT NULL"
    )
    op.execute(
        f"UPDATE work_order SET next_due_at = (SELECT min(m.due_at) {running}), "
        f"next_warn_at = (SELECT min(m.warn_at) {running}) "
        f"WHERE status NOT IN {FINAL!r}"
    )


def downgrade():
    with op.batch_alter_table("work_order", schema=None) as batch_op:
        batch_op.drop_index("ix_work_order_nearby")
        batch_op.drop_index("ix_work_order_map")
        batch_op.drop_index("ix_work_order_queue_type")
        batch_op.drop_index("ix_work_order_queue")
        batch_op.drop_column("next_warn_at")
        batch_op.drop_column("next_due_at")
