"""Which jobs get a service report and which need a signature, the ways to sign, the 三包
warranty terms: data in ``config/reports.toml`` (``REPORTS_CONFIG`` overrides the path), not code."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import current_app

from dispatch import settings


@dataclass(frozen=True)
class WarrantyGroup:
    name: str
    types: tuple[str, ...]
    months: int
    km: int


@dataclass(frozen=True)
class ReportRules:
    report_types: frozenset[str]
    required: tuple[str, ...]
    signature_types: frozenset[str]
    registered_customer_signs: bool
    sms_confirmation: dict[str, bool] = field(default_factory=dict)
    warranty_groups: tuple[WarrantyGroup, ...] = ()
    sign_link_hours: float = 72
    fill_link_hours: float = 24
    survey_reminder_hours: float = 24

    def warranty_group(self, type_code: str) -> WarrantyGroup | None:
        return next((g for g in self.warranty_groups if type_code in g.types), None)


def parse(data: dict[str, Any]) -> ReportRules:
    report = data.get("report", {})
    signature = data.get("signature", {})
    groups = tuple(
        WarrantyGroup(name, tuple(raw.get("types", ())), int(raw["months"]), int(raw["km"]))
        for name, raw in data.get("warranty", {}).get("groups", {}).items()
    )
    return ReportRules(
        report_types=frozenset(report.get("types", ())),
        required=tuple(report.get("required", ("work_done",))),
        signature_types=frozenset(signature.get("types", ())),
        registered_customer_signs=bool(signature.get("registered_customer", True)),
        sms_confirmation={
            code: bool(raw.get("sms_confirmation", False)) for code, raw in signature.get("orgs", {}).items()
        },
        warranty_groups=groups,
        sign_link_hours=float(data.get("sign_link_hours", 72)),
        fill_link_hours=float(data.get("fill_link_hours", 24)),
        survey_reminder_hours=float(data.get("survey_reminder_hours", 24)),
    )


@lru_cache(maxsize=4)
def _load(path: str) -> ReportRules:
    with open(path, "rb") as handle:
        return parse(tomllib.load(handle))


def rules() -> ReportRules:
    path = current_app.config.get("REPORTS_CONFIG") or str(Path(settings.ROOT) / "config" / "reports.toml")
    return _load(str(path))
