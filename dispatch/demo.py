"""The demo: two organisations with their staff, technicians, depots, registry and a few orders.

Everything comes from config/ (service_area.geojson, demo/*.csv) so the shipped configuration is
the demo. The logins are fixed and listed in the README; they are demo data only.
"""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from dispatch import clock
from dispatch.assign.models import AssigneeKind, DutyStatus, Technician
from dispatch.auth.models import DutyShift, Organisation, Role, User
from dispatch.auth.service import create_user
from dispatch.geo.area import ServiceArea
from dispatch.geo.models import AssetKind, Customer
from dispatch.geo.placing import sync_depots
from dispatch.settings import CONFIG_DIR

ORGANISATIONS = [
    dict(
        code="xinye",
        name_zh="新野县供排水与市政服务中心",
        name_en="Xinye County Water, Sewer & Roads Service",
        sms_number="+8637766221750",
        jurisdiction_id="xinye.gov.cn",
        supervision_phone_day="0377-6221750",
        supervision_phone_night="0377-6261212",
    ),
    dict(
        code="zycoach",
        name_zh="中原客车售后服务部",
        name_en="Zhongyuan Coach After-Sales",
        sms_number="+8637155550100",
        jurisdiction_id="service.zycoach.example",
        supervision_phone_day="400-600-0100",
        supervision_phone_night="400-600-0100",
    ),
]

#: (org, username, role, full name, language) — every demo password is DEMO_PASSWORD.
DEMO_USERS = [
    ("xinye", "dispatcher", Role.DISPATCHER, "王调度", "zh_Hans_CN"),
    ("xinye", "supervisor", Role.SUPERVISOR, "李主任", "zh_Hans_CN"),
    ("xinye", "warehouse", Role.WAREHOUSE, "赵库管", "zh_Hans_CN"),
    ("xinye", "admin", Role.ADMIN, "系统管理员", None),
    ("xinye", "night.supervisor", Role.SUPERVISOR, "周值班", "zh_Hans_CN"),
    ("zycoach", "coach.dispatcher", Role.DISPATCHER, "Chen Dispatch", "en"),
    ("zycoach", "coach.supervisor", Role.SUPERVISOR, "刘经理", "zh_Hans_CN"),
    ("zycoach", "coach.warehouse", Role.WAREHOUSE, "孙库管", "zh_Hans_CN"),
]
DEMO_PASSWORD = "demo-pass"


def _rows(name: str) -> list[dict[str, str]]:
    with open(CONFIG_DIR / "demo" / name, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def load_demo(session: Session, config_dir: Path = CONFIG_DIR, *, with_reports: bool = True) -> None:
    """Load the demo into an empty database. Flushes; the caller commits.

    ``with_reports``: also take a handful of open reports through the intake operation, so the
    console has something to show."""
    orgs: dict[str, Organisation] = {}
    for values in ORGANISATIONS:
        org = Organisation(**values)
        session.add(org)
        orgs[org.code] = org
    session.flush()

    users: dict[str, User] = {}
    for org_code, username, role, full_name, language in DEMO_USERS:
        users[username] = create_user(
            session,
            org=orgs[org_code],
            username=username,
            password=DEMO_PASSWORD,
            role=role,
            full_name=full_name,
            language=language,
        )

    depots = sync_depots(session, orgs, ServiceArea.load(config_dir / "service_area.geojson"))
    _load_technicians(session, orgs, depots)
    _load_customers(session, orgs)
    _load_roster(session, orgs, users)
    from dispatch.parts.demo import load as load_parts

    load_parts(session, orgs)
    if with_reports:
        from dispatch.intake.demo import load_reports

        load_reports(session, orgs, users)


def _load_technicians(session: Session, orgs, depots) -> None:
    now = clock.now()
    rows = _rows("technicians.csv")
    by_code: dict[str, Technician] = {}
    for row in rows:
        depot = depots.get(row["home_depot"])
        tech = Technician(
            org_id=orgs[row["org"]].id,
            code=row["code"],
            kind=AssigneeKind(row["kind"]),
            name=row["name"],
            phone=row["phone"],
            language=row["language"] or "zh",
            skills=[s for s in row["skills"].split(";") if s],
            home_depot_id=depot.id if depot else None,
            duty_status=DutyStatus.ON_DUTY
            if row["on_duty"].lower() in ("1", "true", "yes")
            else DutyStatus.OFF_DUTY,
            last_lat=depot.lat if depot else None,
            last_lon=depot.lon if depot else None,
            last_position_at=now if depot else None,
            last_position_source="depot" if depot else None,
        )
        session.add(tech)
        by_code[tech.code] = tech
    session.flush()
    for row in rows:
        if row.get("substitute"):
            by_code[row["code"]].substitute_id = by_code[row["substitute"]].id


def _load_customers(session: Session, orgs) -> None:
    for row in _rows("meter_accounts.csv"):
        session.add(
            Customer(
                org_id=orgs["xinye"].id,
                kind=AssetKind.METER,
                account=row["account"],
                holder=row["holder"],
                phone=row["phone"] or None,
                address=row["address"],
                lat=float(row["lat"]),
                lon=float(row["lon"]),
            )
        )
    for row in _rows("coaches.csv"):
        session.add(
            Customer(
                org_id=orgs["zycoach"].id,
                kind=AssetKind.VEHICLE,
                account=row["vin"],
                holder=row["owner"],
                phone=row["owner_phone"] or None,
                model=row["model"],
                sale_date=date.fromisoformat(row["sale_date"]),
                mileage_km=int(row["mileage_km"]),
                base_city=row["base_city"],
                lat=float(row["lat"]),
                lon=float(row["lon"]),
            )
        )
    session.flush()


def _load_roster(session: Session, orgs, users) -> None:
    """A week of day (08:00–20:00) and night (20:00–08:00) supervisor shifts from today."""
    today = clock.local(clock.now()).replace(hour=8, minute=0, second=0, microsecond=0)
    pairs = {"xinye": ("supervisor", "night.supervisor"), "zycoach": ("coach.supervisor", "coach.supervisor")}
    for org_code, (day_user, night_user) in pairs.items():
        for offset in range(-1, 7):
            start = today + timedelta(days=offset)
            session.add(
                DutyShift(
                    org_id=orgs[org_code].id,
                    user_id=users[day_user].id,
                    shift="day",
                    starts_at=start,
                    ends_at=start + timedelta(hours=12),
                )
            )
            session.add(
                DutyShift(
                    org_id=orgs[org_code].id,
                    user_id=users[night_user].id,
                    shift="night",
                    starts_at=start + timedelta(hours=12),
                    ends_at=start + timedelta(hours=24),
                )
            )
    session.flush()
