"""KPI targets per organisation, complaints' investigation records, staff warnings

Revision ID: 0012
Revises: 0014
Create Date: 2026-12-01 04:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('kpi_target',
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('timeliness', sa.Numeric(precision=5, scale=4), nullable=False),
    sa.Column('satisfaction', sa.Numeric(precision=5, scale=4), nullable=False),
    sa.Column('complaint_rate', sa.Numeric(precision=5, scale=4), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], name=op.f('fk_kpi_target_org_id_organisation')),
    sa.PrimaryKeyConstraint('org_id', name=op.f('pk_kpi_target'))
    )
    op.create_table('complaint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('work_order_id', sa.Integer(), nullable=False),
    sa.Column('concerns_order_id', sa.Integer(), nullable=True),
    sa.Column('technician_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('classification', sa.Enum('PRODUCT_QUALITY', 'CUSTOMER_USE', 'SERVICE_CONDUCT', name='classification', native_enum=False, length=20), nullable=True),
    sa.Column('root_cause', sa.Text(), nullable=True),
    sa.Column('responsible_department', sa.String(length=120), nullable=True),
    sa.Column('responsible_person', sa.String(length=120), nullable=True),
    sa.Column('corrective_action', sa.Text(), nullable=True),
    sa.Column('cost_cny', sa.Numeric(precision=10, scale=2), nullable=True),
    sa.Column('cost_borne_by', sa.String(length=120), nullable=True),
    sa.Column('feedback', sa.Text(), nullable=True),
    sa.Column('feedback_sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('upheld', sa.Boolean(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['concerns_order_id'], ['work_order.id'], name=op.f('fk_complaint_concerns_order_id_work_order')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_complaint_decided_by_id_user_account')),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], name=op.f('fk_complaint_org_id_organisation')),
    sa.ForeignKeyConstraint(['technician_id'], ['technician.id'], name=op.f('fk_complaint_technician_id_technician')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_complaint_user_id_user_account')),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_order.id'], name=op.f('fk_complaint_work_order_id_work_order')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint')),
    sa.UniqueConstraint('work_order_id', name=op.f('uq_complaint_work_order_id'))
    )
    op.create_index(op.f('ix_complaint_org_id'), 'complaint', ['org_id'], unique=False)
    op.create_index(op.f('ix_complaint_concerns_order_id'), 'complaint', ['concerns_order_id'], unique=False)
    op.create_index(op.f('ix_complaint_technician_id'), 'complaint', ['technician_id'], unique=False)
    op.create_table('staff_warning',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('technician_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.Enum('ORAL', 'WRITTEN', name='warningkind', native_enum=False, length=10), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('issued_by_id', sa.Integer(), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('self_examination', sa.Text(), nullable=True),
    sa.Column('self_examination_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['issued_by_id'], ['user_account.id'], name=op.f('fk_staff_warning_issued_by_id_user_account')),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], name=op.f('fk_staff_warning_org_id_organisation')),
    sa.ForeignKeyConstraint(['technician_id'], ['technician.id'], name=op.f('fk_staff_warning_technician_id_technician')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_staff_warning_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_warning'))
    )
    op.create_index(op.f('ix_staff_warning_org_id'), 'staff_warning', ['org_id'], unique=False)
    op.create_index(op.f('ix_staff_warning_technician_id'), 'staff_warning', ['technician_id'], unique=False)
    # The timeliness KPI reads milestones by due time; the complaint rate reads orders by closing time.
    op.create_index('ix_milestone_due_at', 'milestone', ['due_at'], unique=False)
    op.create_index('ix_work_order_org_closed', 'work_order', ['org_id', 'closed_at'], unique=False)


def downgrade():
    op.drop_index('ix_work_order_org_closed', table_name='work_order')
    op.drop_index('ix_milestone_due_at', table_name='milestone')
    op.drop_table('staff_warning')
    op.drop_table('complaint')
    op.drop_table('kpi_target')
