"""The demo catalog (config/demo/parts.csv): parts of both organisations, booked into each
central warehouse through a goods receipt, with a few parts on the first vans and stations."""

from __future__ import annotations

import csv
from collections import defaultdict

import sqlalchemy as sa
from sqlalchemy.orm import Session

from dispatch.assign.models import AssigneeKind, Technician
from dispatch.auth.models import Organisation, Role, User
from dispatch.parts import catalog, documents, locations
from dispatch.parts.models import Part, StockLocation
from dispatch.settings import CONFIG_DIR


def load(session: Session, orgs: dict[str, Organisation]) -> None:
    with open(CONFIG_DIR / "demo" / "parts.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    by_org: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        by_org[row["org"]].append(row)
    for code, org_rows in by_org.items():
        org = orgs[code]
        locations.ensure_all(session, org.id)
        catalog.import_rows(session, org.id, org_rows)
        clerk = session.scalar(sa.select(User).where(User.org_id == org.id, User.role == Role.WAREHOUSE))
        parts = {p.number: p for p in session.scalars(sa.select(Part).where(Part.org_id == org.id))}
        per_supplier: dict[int, list[tuple[Part, int]]] = defaultdict(list)
        for row in org_rows:
            part = parts[row["number"]]
            per_supplier[part.supplier_id].append((part, int(row["stock"])))
        for supplier_id, lines in per_supplier.items():
            supplier = session.get(StockLocation, supplier_id)
            documents.receive_goods(session, org.id, supplier, lines, clerk, note="opening stock")
        techs = list(
            session.scalars(sa.select(Technician).where(Technician.org_id == org.id).order_by(Technician.id))
        )
        small = [(p, 1) for p in list(parts.values())[:3]]
        for tech in [t for t in techs if t.kind is AssigneeKind.TECHNICIAN][:2] + [
            t for t in techs if t.kind is AssigneeKind.STATION
        ][:2]:
            place = locations.of_technician(session, tech)
            documents.transfer(
                session, locations.warehouse(session, org.id), place, small, clerk, "opening stock"
            )
