"""Each organisation's own supervision hotline hours (day from / until), else the settings'

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01 06:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("supervision_day_from", sa.String(length=5), nullable=True))
        batch_op.add_column(sa.Column("supervision_day_until", sa.String(length=5), nullable=True))


def downgrade():
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.drop_column("supervision_day_until")
        batch_op.drop_column("supervision_day_from")
