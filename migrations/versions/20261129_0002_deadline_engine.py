"""deadline engine: what meets each milestone, which ones pause, and the review queue of moved deadlines

Revision ID: 0002
Revises: 0004
Create Date: 2026-11-29 10:36:54.658297

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('due_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('milestone', sa.String(length=30), nullable=False),
    sa.Column('old_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('new_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reason', sa.String(length=30), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('actor_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['actor_user_id'], ['user_account.id'], name=op.f('fk_due_change_actor_user_id_user_account')),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_due_change_event_id_event')),
    sa.ForeignKeyConstraint(['order_id'], ['work_order.id'], name=op.f('fk_due_change_order_id_work_order')),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], name=op.f('fk_due_change_org_id_organisation')),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['user_account.id'], name=op.f('fk_due_change_reviewed_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_due_change')),
    sa.UniqueConstraint('event_id', name=op.f('uq_due_change_event_id'))
    )
    with op.batch_alter_table('due_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_due_change_order_id'), ['order_id'], unique=False)
        batch_op.create_index('ix_due_change_org_reviewed', ['org_id', 'reviewed_at'], unique=False)

    with op.batch_alter_table('milestone', schema=None) as batch_op:
        batch_op.add_column(sa.Column('met_by', sa.String(length=40), nullable=True))
        # Existing milestones get false; the next recompute of their order sets the rule's value.
        batch_op.add_column(sa.Column('pausable', sa.Boolean(), nullable=False, server_default=sa.false()))



def downgrade():
    with op.batch_alter_table('milestone', schema=None) as batch_op:
        batch_op.drop_column('pausable')
        batch_op.drop_column('met_by')

    with op.batch_alter_table('due_change', schema=None) as batch_op:
        batch_op.drop_index('ix_due_change_org_reviewed')
        batch_op.drop_index(batch_op.f('ix_due_change_order_id'))

    op.drop_table('due_change')
