"""KPI targets: the organisation's own (table kpi_target), else the defaults in settings [kpi]."""

from __future__ import annotations

from decimal import Decimal

from flask import current_app
from sqlalchemy.orm import Session

from dispatch.kpi.models import KpiTarget

DEFAULTS = {"timeliness": 0.90, "satisfaction": 0.85, "complaint_rate": 0.03}


def targets(session: Session, org_id: int) -> dict[str, float]:
    row = session.get(KpiTarget, org_id)
    if row is not None:
        return {name: float(getattr(row, name)) for name in DEFAULTS}
    config = current_app.config
    return {name: float(config.get(f"KPI_{name.upper()}_TARGET", value)) for name, value in DEFAULTS.items()}


def set_targets(session: Session, org_id: int, **values: float) -> KpiTarget:
    """Set some or all of an organisation's targets (fractions between 0 and 1). Flushes."""
    current = targets(session, org_id)
    for name, value in values.items():
        if name not in DEFAULTS or value is None:
            continue
        if not 0 <= value <= 1:
            raise ValueError(f"{name}: a target is a fraction between 0 and 1")
        current[name] = value
    row = session.get(KpiTarget, org_id) or KpiTarget(org_id=org_id)
    for name, value in current.items():
        setattr(row, name, Decimal(str(value)))
    session.add(row)
    session.flush()
    return row


def met(name: str, value: float | None, target: float) -> bool | None:
    """Whether a KPI meets its target: at least, except the complaint rate (below)."""
    if value is None:
        return None
    return value < target if name == "complaint_rate" else value >= target
