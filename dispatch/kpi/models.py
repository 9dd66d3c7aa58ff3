"""Per-organisation KPI targets (R18). An organisation without a row uses config/settings.toml [kpi]."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.extensions import db
from dispatch.orders.models import Milestone, WorkOrder


class KpiTarget(db.Model):
    __tablename__ = "kpi_target"

    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), primary_key=True)
    #: Fractions: timeliness and satisfaction are "at least", complaint rate is "below".
    timeliness: Mapped[Decimal] = mapped_column(sa.Numeric(5, 4))
    satisfaction: Mapped[Decimal] = mapped_column(sa.Numeric(5, 4))
    complaint_rate: Mapped[Decimal] = mapped_column(sa.Numeric(5, 4))


# Indexes the KPI queries need on other packages' tables, declared here with their reason:
# timeliness reads milestones by due time, the complaint rate reads orders by closing time.
sa.Index("ix_milestone_due_at", Milestone.due_at)
sa.Index("ix_work_order_org_closed", WorkOrder.org_id, WorkOrder.closed_at)
