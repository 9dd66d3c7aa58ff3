"""The canonical form of a report that its hash covers — so anyone can recompute the hash.

``content_hash = sha256(canonical_bytes(report, signature)).hexdigest()`` where the canonical
bytes are the UTF-8 of ``json.dumps(document, sort_keys=True, ensure_ascii=False,
separators=(",", ":"))`` and ``document`` is::

    {"report": {organisation, reference, revision, type_code, technician, arrived_at, departed_at,
                heard, seen, checked, cause, responsibility, work_done, advice, charges_cny,
                mileage_km, warranty, parts: [{part_number, name, quantity, reason,
                old_part_returns, serial_fitted, serial_removed}, … in line order]},
     "signature": {method, signer_name, signed_at, evidence_sha256} or null}

Datetimes are UTC ISO 8601 with seconds (``2026-12-01T02:30:00+00:00``), money a decimal
string, missing values ``null``. ``evidence_sha256`` is the SHA-256 of the signature PNG, of the
paper scan as uploaded, or of the confirming SMS (``sender + "\\n" + body`` in UTF-8).
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from dispatch.reports.models import ServiceReport, ServiceReportSignature


def _when(value: datetime | None) -> str | None:
    return value.astimezone(UTC).replace(microsecond=0).isoformat() if value else None


def document(report: ServiceReport, signature: ServiceReportSignature | None) -> dict[str, Any]:
    order = report.order
    return {
        "report": {
            "organisation": order.org.code if order.org else None,
            "reference": order.reference,
            "revision": report.revision,
            "type_code": order.type_code,
            "technician": report.technician.name if report.technician else None,
            "arrived_at": _when(report.arrived_at),
            "departed_at": _when(report.departed_at),
            "heard": report.heard,
            "seen": report.seen,
            "checked": report.checked,
            "cause": report.cause,
            "responsibility": report.responsibility.value if report.responsibility else None,
            "work_done": report.work_done,
            "advice": report.advice,
            "charges_cny": str(report.charges_cny) if report.charges_cny is not None else None,
            "mileage_km": report.mileage_km,
            "warranty": report.warranty,
            "parts": [
                {
                    "part_number": p.part_number,
                    "name": p.name,
                    "quantity": p.quantity,
                    "reason": p.reason,
                    "old_part_returns": p.old_part_returns,
                    "serial_fitted": p.serial_fitted,
                    "serial_removed": p.serial_removed,
                }
                for p in report.parts
            ],
        },
        "signature": (
            {
                "method": signature.method.value,
                "signer_name": signature.signer_name,
                "signed_at": _when(signature.signed_at),
                "evidence_sha256": signature.evidence_sha256,
            }
            if signature is not None
            else None
        ),
    }


def canonical_bytes(report: ServiceReport, signature: ServiceReportSignature | None) -> bytes:
    text = json.dumps(document(report, signature), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return text.encode("utf-8")


def content_hash(report: ServiceReport, signature: ServiceReportSignature | None) -> str:
    return hashlib.sha256(canonical_bytes(report, signature)).hexdigest()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
