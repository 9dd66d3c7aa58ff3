"""Short signing codes for template gateways: report_link.short_code and the refused tries

Revision ID: 0014
Revises: 0011
Create Date: 2026-12-01 04:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0014"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("report_link", schema=None) as batch_op:
        batch_op.add_column(sa.Column("short_code", sa.String(length=8), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_report_link_short_code"), ["short_code"])
    op.create_table(
        "short_code_try",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("tried_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_short_code_try")),
    )
    op.create_index("ix_short_code_try_address", "short_code_try", ["address", "tried_at"], unique=False)


def downgrade():
    op.drop_index("ix_short_code_try_address", table_name="short_code_try")
    op.drop_table("short_code_try")
    with op.batch_alter_table("report_link", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_report_link_short_code"), type_="unique")
        batch_op.drop_column("short_code")
