"""delivery alerts: one row per outbound SMS given up, shown to dispatchers until resolved

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-29 10:36:13.313342

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('delivery_alert',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=True),
    sa.Column('outbox_message_id', sa.Integer(), nullable=False),
    sa.Column('work_order_id', sa.Integer(), nullable=True),
    sa.Column('technician_id', sa.Integer(), nullable=True),
    sa.Column('recipient', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('error_code', sa.String(length=20), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], name=op.f('fk_delivery_alert_org_id_organisation')),
    sa.ForeignKeyConstraint(['outbox_message_id'], ['outbox_message.id'], name=op.f('fk_delivery_alert_outbox_message_id_outbox_message')),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['user_account.id'], name=op.f('fk_delivery_alert_resolved_by_id_user_account')),
    sa.ForeignKeyConstraint(['technician_id'], ['technician.id'], name=op.f('fk_delivery_alert_technician_id_technician')),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_order.id'], name=op.f('fk_delivery_alert_work_order_id_work_order')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delivery_alert')),
    sa.UniqueConstraint('outbox_message_id', name=op.f('uq_delivery_alert_outbox_message_id'))
    )
    with op.batch_alter_table('delivery_alert', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delivery_alert_org_id'), ['org_id'], unique=False)



def downgrade():
    with op.batch_alter_table('delivery_alert', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_delivery_alert_org_id'))

    op.drop_table('delivery_alert')
