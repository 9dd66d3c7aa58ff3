"""offers, job codes and dispatch alerts (assignment by SMS)

Revision ID: 0005
Revises: 0003
Create Date: 2026-11-29 10:40:21.713382

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('dispatch_alert',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('work_order_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('message', sa.String(length=300), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['acknowledged_by_id'], ['user_account.id'], name=op.f('fk_dispatch_alert_acknowledged_by_id_user_account')),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], name=op.f('fk_dispatch_alert_org_id_organisation')),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_order.id'], name=op.f('fk_dispatch_alert_work_order_id_work_order')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dispatch_alert')),
    sa.UniqueConstraint('work_order_id', 'kind', name='uq_dispatch_alert_order_kind')
    )
    with op.batch_alter_table('dispatch_alert', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dispatch_alert_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dispatch_alert_work_order_id'), ['work_order_id'], unique=False)

    op.create_table('job_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=8), nullable=False),
    sa.Column('work_order_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], name=op.f('fk_job_code_org_id_organisation')),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_order.id'], name=op.f('fk_job_code_work_order_id_work_order')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_code')),
    sa.UniqueConstraint('org_id', 'code', name='uq_job_code_org_code'),
    sa.UniqueConstraint('work_order_id', name=op.f('uq_job_code_work_order_id'))
    )
    op.create_table('offer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('work_order_id', sa.Integer(), nullable=False),
    sa.Column('technician_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.Enum('PENDING', 'ACCEPTED', 'DECLINED', 'EXPIRED', 'TAKEN', 'WITHDRAWN', 'UNDELIVERED', name='offerstate', native_enum=False, length=20), nullable=False),
    sa.Column('broadcast', sa.Boolean(), nullable=False),
    sa.Column('stands_in_for_id', sa.Integer(), nullable=True),
    sa.Column('distance_km', sa.Double(), nullable=True),
    sa.Column('eta_min', sa.Double(), nullable=True),
    sa.Column('can_meet', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reason', sa.String(length=200), nullable=True),
    sa.Column('outbox_message_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], name=op.f('fk_offer_org_id_organisation')),
    sa.ForeignKeyConstraint(['outbox_message_id'], ['outbox_message.id'], name=op.f('fk_offer_outbox_message_id_outbox_message')),
    sa.ForeignKeyConstraint(['stands_in_for_id'], ['technician.id'], name=op.f('fk_offer_stands_in_for_id_technician')),
    sa.ForeignKeyConstraint(['technician_id'], ['technician.id'], name=op.f('fk_offer_technician_id_technician')),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_order.id'], name=op.f('fk_offer_work_order_id_work_order')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_offer'))
    )
    with op.batch_alter_table('offer', schema=None) as batch_op:
        batch_op.create_index('ix_offer_due', ['state', 'expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_offer_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_offer_outbox_message_id'), ['outbox_message_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_offer_technician_id'), ['technician_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_offer_work_order_id'), ['work_order_id'], unique=False)
        batch_op.create_index('uq_offer_one_accepted', ['work_order_id'], unique=True, sqlite_where=sa.text("state = 'ACCEPTED'"), postgresql_where=sa.text("state = 'ACCEPTED'"))



def downgrade():
    with op.batch_alter_table('offer', schema=None) as batch_op:
        batch_op.drop_index('uq_offer_one_accepted', sqlite_where=sa.text("state = 'ACCEPTED'"), postgresql_where=sa.text("state = 'ACCEPTED'"))
        batch_op.drop_index(batch_op.f('ix_offer_work_order_id'))
        batch_op.drop_index(batch_op.f('ix_offer_technician_id'))
        batch_op.drop_index(batch_op.f('ix_offer_outbox_message_id'))
        batch_op.drop_index(batch_op.f('ix_offer_org_id'))
        batch_op.drop_index('ix_offer_due')

    op.drop_table('offer')
    op.drop_table('job_code')
    with op.batch_alter_table('dispatch_alert', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dispatch_alert_work_order_id'))
        batch_op.drop_index(batch_op.f('ix_dispatch_alert_org_id'))

    op.drop_table('dispatch_alert')
