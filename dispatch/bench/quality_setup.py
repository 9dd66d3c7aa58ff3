"""The organisation ``dispatch bench quality`` runs: configured from a scenario file.

A scenario (the format of the dispatch-quality scenarios: ``depots``, ``technicians``,
``reports`` with ``type``, ``lat``/``lon``, ``inside``, ``t``, ``deadline``, ``service_min``;
``road_factor``, ``speed_kmh`` inside/outside, ``day_start``/``day_end``) becomes:

* a service area: the scenario's depots, and its built-up area — the 6 km square around the
  county centre the scenarios are drawn on — as the organisation's built-up zone;
* a rule book: each report type of the scenario with the scenario's on-site deadline (the
  ``arrive`` milestone) inside and outside the built-up zone, and its service time;
* settings: the scenario's travel model (road factor, zone speeds, no start delay), its shift,
  and duplicate detection off (every report of a scenario is a job of its own);
* one technician per listed technician (codes T01, T02, … in the scenario's order) with every
  skill, on duty at his depot.
"""

from __future__ import annotations

import json
import math
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ORG_CODE = "quality"
#: The county the scenarios are drawn on: its centre and the built-up square's half side.
CENTRE = (32.52, 112.36)
TOWN_HALF_KM = 3.0


@dataclass(frozen=True)
class Scenario:
    name: str
    data: dict[str, Any]

    @classmethod
    def load(cls, path: str | Path) -> Scenario:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return cls(data.get("name", Path(path).stem), data)

    @property
    def reports(self) -> list[dict[str, Any]]:
        return self.data["reports"]

    def deadlines_min(self) -> dict[str, dict[str, float]]:
        """Per type: the on-site deadline in minutes inside (``built_up``) and ``outside``."""
        found: dict[str, dict[str, float]] = {}
        for r in self.reports:
            zone = "built_up" if r["inside"] else "outside"
            found.setdefault(r["type"], {}).setdefault(zone, (r["deadline"] - r["t"]) / 60)
        for zones in found.values():  # a type seen in one zone only keeps that deadline in both
            for zone in ("built_up", "outside"):
                zones.setdefault(zone, next(iter(zones.values())))
        return found

    def service_min(self) -> dict[str, float]:
        return {r["type"]: float(r["service_min"]) for r in self.reports}


def _square(half_km: float) -> list[list[float]]:
    dlat = half_km / 111.32
    dlon = half_km / (111.32 * math.cos(math.radians(CENTRE[0])))
    lat, lon = CENTRE
    return [
        [lon - dlon, lat - dlat],
        [lon + dlon, lat - dlat],
        [lon + dlon, lat + dlat],
        [lon - dlon, lat + dlat],
        [lon - dlon, lat - dlat],
    ]


def service_area(scenario: Scenario):
    """The scenario's depots and its built-up square, for the one organisation."""
    from shapely.geometry import Polygon

    from dispatch.geo.area import BuiltUpArea, ServiceArea, Site

    sites = [
        Site(
            code=f"Q-{d['id']}",
            kind="depot",
            org=ORG_CODE,
            name_zh=f"抢修站 {d['id']}",
            name_en=f"Depot {d['id']}",
            lat=d["lat"],
            lon=d["lon"],
        )
        for d in scenario.data["depots"]
    ]
    town = BuiltUpArea("Q-TOWN", ORG_CODE, "县城建成区", "County town", Polygon(_square(TOWN_HALF_KM)))
    return ServiceArea(sites, [town])


def rulebook(scenario: Scenario):
    """config/sla.toml with the scenario's types offered by the organisation, their deadlines
    (``arrive``, inside/outside the built-up zone) and service times as the scenario gives them."""
    from dispatch.settings import CONFIG_DIR
    from dispatch.sla.rules import TypeDef, parse_rulebook

    with open(CONFIG_DIR / "sla.toml", "rb") as fh:
        data = tomllib.load(fh)
    minutes = scenario.service_min()
    can_set_service = "service_min" in TypeDef.__dataclass_fields__
    for code, zones in scenario.deadlines_min().items():
        raw = data["types"][code]  # an unknown type is the scenario's error: KeyError names it
        raw["orgs"] = [ORG_CODE]
        raw["asks"] = []
        raw["variants"] = [
            {"id": zone, "zone": zone, "milestones": [{"name": "arrive", "minutes": zones[zone]}]}
            for zone in ("built_up", "outside")
        ]
        if can_set_service:
            raw["service_min"] = minutes[code]
    return parse_rulebook(data)


def app_config(scenario: Scenario, database_url: str, budget_s: float) -> dict[str, Any]:
    d = scenario.data
    clock_text = lambda s: f"{s // 3600:02d}:{s % 3600 // 60:02d}"  # noqa: E731
    return {
        "DATABASE_URL": database_url,
        "SMS_BACKEND": "console",
        "DEMO_LOAD_WHEN_EMPTY": False,
        "TESTING": True,
        "INTAKE_DUPLICATE_RADIUS_M": 0,  # off: the scenario's reports are distinct jobs
        "ASSIGN_ROAD_FACTOR": float(d["road_factor"]),
        "ASSIGN_SPEED_KMH_BUILT_UP": float(d["speed_kmh"]["inside"]),
        "ASSIGN_SPEED_KMH_OUTSIDE": float(d["speed_kmh"]["outside"]),
        "ASSIGN_START_DELAY_MIN": 0.0,
        "PLAN_DAY_START": clock_text(d["day_start"]),
        "PLAN_DAY_END": clock_text(d["day_end"]),
        "PLAN_IMPROVE_BUDGET_S": budget_s,
        "PLAN_BATCH_S": 0.0,
    }


def seed(session, scenario: Scenario):
    """The organisation and its technicians; returns (org, technicians in scenario order)."""
    from dispatch.assign.models import DutyStatus, Technician
    from dispatch.auth.models import Organisation
    from dispatch.geo.placing import service_area as area
    from dispatch.geo.placing import sync_depots
    from dispatch.sla.service import rulebook as book

    org = Organisation(
        code=ORG_CODE, name_zh="质量测试县", name_en="Quality bench county", jurisdiction_id="quality.example"
    )
    session.add(org)
    session.flush()
    depots = sync_depots(session, {ORG_CODE: org}, area())
    skills = sorted({s for t in book().types_for_org(ORG_CODE) for s in t.skills})
    by_index = [depots[f"Q-{d['id']}"] for d in scenario.data["depots"]]
    techs = []
    for i, t in enumerate(scenario.data["technicians"], 1):
        depot = by_index[t["depot"]]
        tech = Technician(
            org_id=org.id,
            code=t["id"],
            name=f"Technician {t['id']}",
            phone=f"+861390000{i:04d}",
            language="en",
            skills=skills,
            home_depot_id=depot.id,
            duty_status=DutyStatus.ON_DUTY,
            last_lat=depot.lat,
            last_lon=depot.lon,
            last_position_source="depot",
            max_load=1000,
        )
        session.add(tech)
        techs.append(tech)
    session.flush()
    return org, techs
