"""Covering indexes for a month's reconciliation of the parts ledger

The jobs that moved parts in a month are read from (org_id, booked_on, work_order_id), and
every movement of those jobs up to the month's end from (work_order_id, booked_on, document_id,
part_id, quantity): both from the index alone, without visiting the table.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 04:05:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('stock_move', schema=None) as batch_op:
        batch_op.drop_index('ix_stock_move_org_booked')
        batch_op.drop_index('ix_stock_move_work_order_id')
        batch_op.create_index('ix_stock_move_org_booked_job', ['org_id', 'booked_on', 'work_order_id'], unique=False)
        batch_op.create_index('ix_stock_move_job', ['work_order_id', 'booked_on', 'document_id', 'part_id', 'quantity'], unique=False)


def downgrade():
    with op.batch_alter_table('stock_move', schema=None) as batch_op:
        batch_op.drop_index('ix_stock_move_job')
        batch_op.drop_index('ix_stock_move_org_booked_job')
        batch_op.create_index('ix_stock_move_work_order_id', ['work_order_id'], unique=False)
        batch_op.create_index('ix_stock_move_org_booked', ['org_id', 'booked_on'], unique=False)
