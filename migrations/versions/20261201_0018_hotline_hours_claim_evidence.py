"""Each organisation's own supervision hotline hours; evidence files of supplier-claim lines

organisation.supervision_day_from / _until: the hours of the day number (empty: the settings').
claim_evidence: photographs and PDF documents behind a claim line, stored under the instance
folder; the row keeps the original name, the kind read from the file and its size.

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
    op.create_table(
        "claim_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("line_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=60), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("stored_name", sa.String(length=80), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["line_id"], ["supplier_claim_line.id"], name=op.f("fk_claim_evidence_line_id_supplier_claim_line")),
        sa.ForeignKeyConstraint(["org_id"], ["organisation.id"], name=op.f("fk_claim_evidence_org_id_organisation")),
        sa.ForeignKeyConstraint(["uploaded_by_id"], ["user_account.id"], name=op.f("fk_claim_evidence_uploaded_by_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_evidence")),
        sa.UniqueConstraint("stored_name", name=op.f("uq_claim_evidence_stored_name")),
    )
    with op.batch_alter_table("claim_evidence", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_claim_evidence_line_id"), ["line_id"], unique=False)


def downgrade():
    op.drop_table("claim_evidence")
    # Plain DROP COLUMN (SQLite 3.35+ and PostgreSQL): a batch copy of `organisation` would
    # fail on SQLite while other tables' rows refer to it.
    op.execute("ALTER TABLE organisation DROP COLUMN supervision_day_until")
    op.execute("ALTER TABLE organisation DROP COLUMN supervision_day_from")
