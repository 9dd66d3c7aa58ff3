"""Per-place, per-part stock balance kept by the ledger, back-filled from the movements

On-hand of a place was a sum over stock_move; the busiest place (the central warehouse) touches
about half of all movements, so that sum grew with the ledger. stock_balance holds the sum per
(location, part), written by the ledger in the same transaction as every movement;
``dispatch parts check-balances`` proves it equals the sum of the movements.

Revision ID: 0017
Revises: 0015
Create Date: 2026-12-01 05:50:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0017"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "stock_balance",
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("part_id", sa.Integer(), nullable=False),
        sa.Column("qty", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["location_id"], ["stock_location.id"], name=op.f("fk_stock_balance_location_id_stock_location")
        ),
        sa.ForeignKeyConstraint(["part_id"], ["part.id"], name=op.f("fk_stock_balance_part_id_part")),
        sa.PrimaryKeyConstraint("location_id", "part_id", name=op.f("pk_stock_balance")),
    )
    # Back-fill: every place and part's movements in minus out, as the ledger would have kept them.
    op.execute(
        """
        INSERT INTO stock_balance (location_id, part_id, qty)
        SELECT location_id, part_id, SUM(qty) FROM (
            SELECT to_location_id AS location_id, part_id, quantity AS qty FROM stock_move
            UNION ALL
            SELECT from_location_id AS location_id, part_id, -quantity AS qty FROM stock_move
        ) AS moved
        GROUP BY location_id, part_id
        """
    )


def downgrade():
    op.drop_table("stock_balance")
