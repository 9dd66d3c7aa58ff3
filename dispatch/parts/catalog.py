"""The parts catalog: looking a part up by its number or nickname, and importing the warehouse's
spreadsheet (CSV or XLSX).

Import columns (first row, English keys; extra columns are ignored):
``number, name_zh, name_en, spec, unit, supplier, unit_cost, returns_required, warranty,
serial_tracked, nicknames``. ``unit_cost`` in yuan (``12.50``); the yes/no columns accept
1/0, yes/no, true/false, 是/否. A row whose number exists updates that part.
"""

from __future__ import annotations

import csv
import difflib
import io
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from dispatch.parts import locations
from dispatch.parts.errors import PartsError, UnknownPart
from dispatch.parts.models import Part

COLUMNS = (
    "number",
    "name_zh",
    "name_en",
    "spec",
    "unit",
    "supplier",
    "unit_cost",
    "returns_required",
    "warranty",
    "serial_tracked",
    "nicknames",
)
_YES = {"1", "yes", "y", "true", "是", "x", "✓"}
#: The catalog's unit codes (the ``unit`` column) as a reader says them. A unit the
#: spreadsheet spells otherwise is shown as written.
UNIT_LABEL = {
    "pc": _l("piece"),
    "set": _l("set"),
}


def unit_label(unit: str | None) -> str:
    """``unit`` in the reader's language, for pages, printouts and exports read by people."""
    code = (unit or "").strip()
    return str(UNIT_LABEL.get(code.lower(), code))


def normalise_number(text: str) -> str:
    return "".join(text.split()).upper()


def find(session: Session, org_id: int, text: str) -> Part:
    """The part a person means by ``text``: its number (any case, spaces ignored) or one of its
    nicknames. Raises UnknownPart with the nearest numbers and nicknames as suggestions."""
    wanted = normalise_number(text)
    part = session.scalar(sa.select(Part).where(Part.org_id == org_id, sa.func.upper(Part.number) == wanted))
    if part is not None:
        return part
    parts = list(session.scalars(sa.select(Part).where(Part.org_id == org_id)))
    by_nickname = [p for p in parts if text.strip() and text.strip().lower() in p.nicknames.lower().split()]
    if len(by_nickname) == 1:
        return by_nickname[0]
    suggestions = suggest(parts, text)
    raise UnknownPart(
        _("No part %(number)s. Nearest: %(nearest)s")
        % {"number": text.strip(), "nearest": ", ".join(suggestions) or "—"},
        suggestions=suggestions,
    )


def suggest(parts: list[Part], text: str, limit: int = 3) -> list[str]:
    """The part numbers closest to ``text`` (by number, then by nickname or name)."""
    wanted = normalise_number(text)
    numbers = {normalise_number(p.number): p.number for p in parts}
    close = difflib.get_close_matches(wanted, list(numbers), n=limit, cutoff=0.5)
    found = [numbers[c] for c in close]
    if len(found) < limit:
        words = {}
        for p in parts:
            for word in (*p.nicknames.split(), p.name_zh, p.name_en.lower()):
                words.setdefault(word.lower(), p.number)
        for word in difflib.get_close_matches(text.strip().lower(), list(words), n=limit, cutoff=0.5):
            if words[word] not in found:
                found.append(words[word])
    return found[:limit]


def _flag(value) -> bool:
    return str(value if value is not None else "").strip().lower() in _YES


def _cents(value) -> int:
    text = str(value if value is not None else "").strip().replace(",", "") or "0"
    try:
        return int((Decimal(text) * 100).to_integral_value())
    except InvalidOperation:
        raise PartsError(_("Not an amount: %(value)s") % {"value": text}) from None


def read_rows(filename: str, data: bytes) -> list[dict[str, str]]:
    """The rows of an uploaded CSV (UTF-8, with or without BOM; or GB18030) or XLSX file."""
    if filename.lower().endswith((".xlsx", ".xlsm")):
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).active
        rows = list(sheet.iter_rows(values_only=True))
        if not rows:
            return []
        header = [str(c or "").strip() for c in rows[0]]
        return [
            {header[i]: ("" if v is None else str(v)) for i, v in enumerate(row) if i < len(header)}
            for row in rows[1:]
            if any(v not in (None, "") for v in row)
        ]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("gb18030")
    return [dict(r) for r in csv.DictReader(io.StringIO(text))]


def import_rows(session: Session, org_id: int, rows: list[dict[str, str]]) -> tuple[int, int]:
    """Create or update catalog parts from rows; returns (created, updated). All or nothing:
    a row without a number or names is refused with its row number."""
    existing = {p.number: p for p in session.scalars(sa.select(Part).where(Part.org_id == org_id))}
    created = updated = 0
    for index, row in enumerate(rows, start=2):
        number = (row.get("number") or "").strip()
        if not number or not (row.get("name_zh") or row.get("name_en")):
            raise PartsError(_("Row %(row)s: a part needs a number and a name.") % {"row": index})
        supplier = (row.get("supplier") or "").strip()
        values = dict(
            name_zh=(row.get("name_zh") or row.get("name_en") or "").strip(),
            name_en=(row.get("name_en") or row.get("name_zh") or "").strip(),
            spec=(row.get("spec") or "").strip(),
            unit=(row.get("unit") or "pc").strip(),
            unit_cost_cents=_cents(row.get("unit_cost")),
            returns_required=_flag(row.get("returns_required")),
            warranty=_flag(row.get("warranty")),
            serial_tracked=_flag(row.get("serial_tracked")),
            nicknames=(row.get("nicknames") or "").strip(),
            supplier_id=locations.supplier(session, org_id, supplier).id if supplier else None,
        )
        part = existing.get(number)
        if part is None:
            part = Part(org_id=org_id, number=number, **values)
            session.add(part)
            existing[number] = part
            created += 1
        else:
            for key, value in values.items():
                setattr(part, key, value)
            updated += 1
    session.flush()
    return created, updated
