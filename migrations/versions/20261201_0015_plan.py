"""The planner: each unstarted job's place in a technician's plan, pins, re-plan state

Revision ID: 0015
Revises: 0013
Create Date: 2026-12-01 06:00:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'plan_entry',
        sa.Column('work_order_id', sa.Integer(), nullable=False),
        sa.Column('org_id', sa.Integer(), nullable=False),
        sa.Column('technician_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('eta_at', sa.DateTime(), nullable=True),
        sa.Column('at_risk', sa.Boolean(), nullable=False),
        sa.Column('planned_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], name=op.f('fk_plan_entry_org_id_organisation')),
        sa.ForeignKeyConstraint(['technician_id'], ['technician.id'], name=op.f('fk_plan_entry_technician_id_technician')),
        sa.ForeignKeyConstraint(['work_order_id'], ['work_order.id'], name=op.f('fk_plan_entry_work_order_id_work_order')),
        sa.PrimaryKeyConstraint('work_order_id', name=op.f('pk_plan_entry')),
    )
    with op.batch_alter_table('plan_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_entry_org_id'), ['org_id'], unique=False)
        batch_op.create_index('ix_plan_entry_tech_position', ['technician_id', 'position'], unique=False)
    op.create_table(
        'plan_pin',
        sa.Column('work_order_id', sa.Integer(), nullable=False),
        sa.Column('org_id', sa.Integer(), nullable=False),
        sa.Column('technician_id', sa.Integer(), nullable=False),
        sa.Column('first', sa.Boolean(), nullable=False),
        sa.Column('by_user_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['by_user_id'], ['user_account.id'], name=op.f('fk_plan_pin_by_user_id_user_account')),
        sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], name=op.f('fk_plan_pin_org_id_organisation')),
        sa.ForeignKeyConstraint(['technician_id'], ['technician.id'], name=op.f('fk_plan_pin_technician_id_technician')),
        sa.ForeignKeyConstraint(['work_order_id'], ['work_order.id'], name=op.f('fk_plan_pin_work_order_id_work_order')),
        sa.PrimaryKeyConstraint('work_order_id', name=op.f('pk_plan_pin')),
    )
    with op.batch_alter_table('plan_pin', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_pin_org_id'), ['org_id'], unique=False)
    op.create_table(
        'plan_state',
        sa.Column('org_id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('dirty_since', sa.DateTime(), nullable=True),
        sa.Column('planned_at', sa.DateTime(), nullable=True),
        sa.Column('moves', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], name=op.f('fk_plan_state_org_id_organisation')),
        sa.PrimaryKeyConstraint('org_id', name=op.f('pk_plan_state')),
    )


def downgrade():
    op.drop_table('plan_state')
    with op.batch_alter_table('plan_pin', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_pin_org_id'))
    op.drop_table('plan_pin')
    with op.batch_alter_table('plan_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_plan_entry_tech_position')
        batch_op.drop_index(batch_op.f('ix_plan_entry_org_id'))
    op.drop_table('plan_entry')
