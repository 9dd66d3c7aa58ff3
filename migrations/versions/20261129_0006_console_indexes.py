"""Console: an index for an order's next unmet deadline

The queue and the map sort thousands of open orders by their next due milestone: a correlated
MIN(due_at), MIN(warn_at) per order read from this covering index, never a scan of every unmet
milestone per order.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 11:12:19.524149

"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("milestone", schema=None) as batch_op:
        batch_op.create_index("ix_milestone_order_open_due", ["order_id", "met_at", "due_at", "warn_at"], unique=False)


def downgrade():
    with op.batch_alter_table("milestone", schema=None) as batch_op:
        batch_op.drop_index("ix_milestone_order_open_due")
