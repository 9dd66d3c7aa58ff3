"""Service reports: the report per visit, its part lines, its one signature, its one-time links

Revision ID: 0009
Revises: 0006
Create Date: 2026-12-01 02:40:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "service_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("work_order_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "DRAFT",
                "COMPLETE",
                "SIGNED",
                "REFUSED",
                "APPROVED",
                "RETURNED",
                "VOID",
                name="reportstate",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("technician_id", sa.Integer(), nullable=True),
        sa.Column("signature_required", sa.Boolean(), nullable=False),
        sa.Column("filled_via", sa.String(length=20), nullable=False),
        sa.Column("arrived_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("departed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("heard", sa.Text(), nullable=True),
        sa.Column("seen", sa.Text(), nullable=True),
        sa.Column("checked", sa.Text(), nullable=True),
        sa.Column("cause", sa.Text(), nullable=True),
        sa.Column(
            "responsibility",
            sa.Enum(
                "PRODUCT_QUALITY",
                "CUSTOMER_USE",
                "THIRD_PARTY",
                "OTHER",
                name="responsibility",
                native_enum=False,
                length=20,
            ),
            nullable=True,
        ),
        sa.Column("work_done", sa.Text(), nullable=True),
        sa.Column("advice", sa.Text(), nullable=True),
        sa.Column("charges_cny", sa.Numeric(precision=10, scale=2), nullable=True),
        sa.Column("charges_approved_by_id", sa.Integer(), nullable=True),
        sa.Column("mileage_km", sa.Integer(), nullable=True),
        sa.Column("warranty", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=True),
        sa.Column("pdf", sa.LargeBinary(), nullable=True),
        sa.Column("refused_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refusal_reason", sa.Text(), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.Column("returned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("return_reason", sa.Text(), nullable=True),
        sa.Column("voided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("confirm_code", sa.String(length=8), nullable=True),
        sa.Column("confirm_phone", sa.String(length=20), nullable=True),
        sa.Column("confirm_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("rating_comment", sa.Text(), nullable=True),
        sa.Column("rating_source", sa.String(length=10), nullable=True),
        sa.Column("rated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "survey_state",
            sa.Enum(
                "NONE",
                "ASKED",
                "REMINDED",
                "ANSWERED",
                "NOT_ANSWERED",
                name="surveystate",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("survey_phone", sa.String(length=20), nullable=True),
        sa.Column("survey_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("survey_reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "rating IS NULL OR (rating BETWEEN 1 AND 5)", name=op.f("ck_service_report_rating_range")
        ),
        sa.ForeignKeyConstraint(
            ["approved_by_id"],
            ["user_account.id"],
            name=op.f("fk_service_report_approved_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["charges_approved_by_id"],
            ["user_account.id"],
            name=op.f("fk_service_report_charges_approved_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_service_report_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["technician_id"], ["technician.id"], name=op.f("fk_service_report_technician_id_technician")
        ),
        sa.ForeignKeyConstraint(
            ["work_order_id"], ["work_order.id"], name=op.f("fk_service_report_work_order_id_work_order")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_report")),
        sa.UniqueConstraint("work_order_id", "revision", name="uq_service_report_order_revision"),
    )
    with op.batch_alter_table("service_report", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_service_report_work_order_id"), ["work_order_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_service_report_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_service_report_state"), ["state"], unique=False)

    op.create_table(
        "service_report_part",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("part_number", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("old_part_returns", sa.Boolean(), nullable=False),
        sa.Column("serial_fitted", sa.String(length=60), nullable=True),
        sa.Column("serial_removed", sa.String(length=60), nullable=True),
        sa.ForeignKeyConstraint(
            ["report_id"], ["service_report.id"], name=op.f("fk_service_report_part_report_id_service_report")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_report_part")),
    )
    with op.batch_alter_table("service_report_part", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_service_report_part_report_id"), ["report_id"], unique=False)

    op.create_table(
        "service_report_signature",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column(
            "method",
            sa.Enum("SCREEN", "SMS", "PAPER", name="signaturemethod", native_enum=False, length=10),
            nullable=False,
        ),
        sa.Column("signer_name", sa.String(length=120), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("client_address", sa.String(length=64), nullable=True),
        sa.Column("evidence", sa.LargeBinary(), nullable=True),
        sa.Column("evidence_mime", sa.String(length=40), nullable=True),
        sa.Column("evidence_sha256", sa.String(length=64), nullable=False),
        sa.Column("inbound_message_id", sa.Integer(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["inbound_message_id"],
            ["inbound_message.id"],
            name=op.f("fk_service_report_signature_inbound_message_id_inbound_message"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["user_account.id"],
            name=op.f("fk_service_report_signature_recorded_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["service_report.id"],
            name=op.f("fk_service_report_signature_report_id_service_report"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_report_signature")),
        sa.UniqueConstraint("report_id", name=op.f("uq_service_report_signature_report_id")),
    )

    op.create_table(
        "report_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=10), nullable=False),
        sa.Column("nonce", sa.String(length=32), nullable=False),
        sa.Column("sent_to", sa.String(length=20), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["report_id"], ["service_report.id"], name=op.f("fk_report_link_report_id_service_report")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_link")),
        sa.UniqueConstraint("nonce", name=op.f("uq_report_link_nonce")),
    )
    with op.batch_alter_table("report_link", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_report_link_report_id"), ["report_id"], unique=False)


def downgrade():
    with op.batch_alter_table("report_link", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_link_report_id"))
    op.drop_table("report_link")
    op.drop_table("service_report_signature")
    with op.batch_alter_table("service_report_part", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_report_part_report_id"))
    op.drop_table("service_report_part")
    with op.batch_alter_table("service_report", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_report_state"))
        batch_op.drop_index(batch_op.f("ix_service_report_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_service_report_work_order_id"))
    op.drop_table("service_report")
