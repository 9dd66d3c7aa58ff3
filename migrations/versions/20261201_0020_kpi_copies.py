"""KPI copies: each milestone carries its order's organisation, whether the order counts and
whether it is on hold; each service report and complaint whether its order counts, each complaint
when it was received; covering indexes so that each KPI is one index range scan

milestone.org_id / counted / order_held, service_report.counted, complaint.received_at / counted:
back-filled from work_order.
A plain ALTER TABLE … ADD COLUMN on both engines: a batch copy of `milestone`,
`service_report` or `complaint` would fail on SQLite while other tables' rows refer to them.

Revision ID: 0020
Revises: 0016
Create Date: 2026-12-01 07:10:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0020"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("milestone", sa.Column("org_id", sa.Integer(), nullable=True))
    op.add_column("milestone", sa.Column("counted", sa.Boolean(), server_default=sa.true(), nullable=False))
    op.add_column(
        "milestone", sa.Column("order_held", sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    op.add_column(
        "service_report", sa.Column("counted", sa.Boolean(), server_default=sa.true(), nullable=False)
    )
    op.add_column("complaint", sa.Column("received_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("complaint", sa.Column("counted", sa.Boolean(), server_default=sa.true(), nullable=False))
    op.execute(
        """
        UPDATE milestone SET
            org_id = (SELECT w.org_id FROM work_order w WHERE w.id = milestone.order_id),
            counted = (SELECT w.status <> 'CANCELLED' AND w.duplicate_of_id IS NULL
                       FROM work_order w WHERE w.id = milestone.order_id),
            order_held = (SELECT w.status = 'ON_HOLD' FROM work_order w WHERE w.id = milestone.order_id)
        """
    )
    op.execute(
        """
        UPDATE service_report SET
            counted = (SELECT w.status <> 'CANCELLED' AND w.duplicate_of_id IS NULL
                       FROM work_order w WHERE w.id = service_report.work_order_id)
        """
    )
    op.execute(
        """
        UPDATE complaint SET
            received_at = (SELECT w.reported_at FROM work_order w WHERE w.id = complaint.work_order_id),
            counted = (SELECT w.status <> 'CANCELLED' AND w.duplicate_of_id IS NULL
                       FROM work_order w WHERE w.id = complaint.work_order_id)
        """
    )
    op.create_index(
        "ix_complaint_kpi", "complaint", ["org_id", "received_at", "counted", "upheld", "classification"]
    )
    op.create_index(
        "ix_milestone_kpi", "milestone", ["org_id", "due_at", "counted", "order_held", "pausable", "met_at"]
    )
    op.create_index(
        "ix_service_report_kpi",
        "service_report",
        ["organisation_id", "rated_at", "counted", "state", "rating"],
    )
    op.create_index(
        "ix_work_order_kpi_closed",
        "work_order",
        ["org_id", "closed_at", "status", "type_code", "duplicate_of_id"],
    )


def downgrade():
    op.drop_index("ix_work_order_kpi_closed", table_name="work_order")
    op.drop_index("ix_service_report_kpi", table_name="service_report")
    op.drop_index("ix_milestone_kpi", table_name="milestone")
    op.drop_index("ix_complaint_kpi", table_name="complaint")
    op.execute("ALTER TABLE complaint DROP COLUMN counted")
    op.execute("ALTER TABLE complaint DROP COLUMN received_at")
    op.execute("ALTER TABLE service_report DROP COLUMN counted")
    op.execute("ALTER TABLE milestone DROP COLUMN order_held")
    op.execute("ALTER TABLE milestone DROP COLUMN counted")
    op.execute("ALTER TABLE milestone DROP COLUMN org_id")
