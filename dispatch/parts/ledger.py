"""The double-entry ledger: the one place where stock moves.

``move``, ``move_many`` and ``move_bulk`` are the only writers of ``stock_move`` and of
``stock_balance``, the per-place, per-part sum of the movements that on-hand reads: each movement
and its balance change are written in the same transaction (an upsert, ``INSERT … ON CONFLICT DO
UPDATE``), and ``check_balances`` proves the two agree. Before a held location gives anything
away its row is locked (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite has a single writer) and
its balance is read again, so two issues racing for the last unit cannot both win. Every entry
is dated in an open month (``book_date``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from dispatch import clock
from dispatch.parts import locations
from dispatch.parts.errors import MonthClosed, NotEnoughStock, PartsError
from dispatch.parts.models import (
    HELD,
    DocKind,
    Part,
    PartDocument,
    StockBalance,
    StockLocation,
    StockMove,
)
from dispatch.parts.returns_models import MonthClose


def today() -> date:
    return clock.local(clock.now()).date()


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


#: The most units one line of a document may move: far above any real delivery, and far below
#: what the database's integers hold (sums of many lines included).
MAX_QUANTITY = 100_000


def quantity(value: object) -> int:
    """A count of unit parts: a whole number above zero, at most ``MAX_QUANTITY``. Raises
    PartsError otherwise."""
    shown = str(value).strip()[:30]
    if isinstance(value, bool):
        value = None
    if isinstance(value, str):
        value = value.strip()
        try:
            value = int(value) if value.lstrip("-").isdecimal() else float(value)
        except ValueError:  # not a number, or more digits than Python reads
            value = None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or value <= 0:
        raise PartsError(
            _("The quantity must be a whole number of parts above zero, not %(value)s.") % {"value": shown}
        )
    if value > MAX_QUANTITY:
        raise PartsError(
            _("A line moves at most %(max)s parts, not %(value)s.")
            % {"max": f"{MAX_QUANTITY:,}", "value": shown}
        )
    return value


def is_closed(session: Session, org_id: int, month: str) -> bool:
    return (
        session.scalar(sa.select(MonthClose.id).where(MonthClose.org_id == org_id, MonthClose.month == month))
        is not None
    )


def book_date(
    session: Session, org_id: int, on: date | None = None, *, late: bool = False
) -> tuple[date, date | None]:
    """The accounting day of an entry dated ``on`` (today by default) and its original date.

    An entry in a closed month is refused — unless it is ``late`` (a document that arrived after
    the close, such as a report signed afterwards): then it is booked today, in the open month,
    and keeps its own date as a reference."""
    on = on or today()
    if not is_closed(session, org_id, month_of(on)):
        return on, None
    if late and not is_closed(session, org_id, month_of(today())):
        return today(), on
    raise MonthClosed(
        _("The month %(month)s is closed: no entry may be dated in it.") % {"month": month_of(on)}
    )


def on_hand(session: Session, location_id: int, part_id: int | None = None) -> dict[int, int]:
    """What a location holds, per part id (parts at zero left out), from ``stock_balance``."""
    query = sa.select(StockBalance.part_id, StockBalance.qty).where(
        StockBalance.location_id == location_id, StockBalance.qty != 0
    )
    if part_id is not None:
        query = query.where(StockBalance.part_id == part_id)
    return {pid: int(qty) for pid, qty in session.execute(query)}


def _add_to_balances(session: Session, deltas: dict[tuple[int, int], int]) -> None:
    """Add ``deltas`` ((location id, part id) → quantity) to ``stock_balance`` in the current
    transaction: one upsert per 500 pairs, in a fixed order so that two transactions adding to
    the same rows cannot deadlock."""
    rows = [
        {"location_id": loc, "part_id": part, "qty": qty}
        for (loc, part), qty in sorted(deltas.items())
        if qty
    ]
    if not rows:
        return
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    table = StockBalance.__table__
    for start in range(0, len(rows), 500):
        statement = insert(table).values(rows[start : start + 500])
        statement = statement.on_conflict_do_update(
            index_elements=[table.c.location_id, table.c.part_id],
            set_={"qty": table.c.qty + statement.excluded.qty},
        )
        connection.execute(statement)


def _deltas(rows: Iterable[tuple[int, int, int, int]]) -> dict[tuple[int, int], int]:
    """(part, from, to, quantity) rows → the balance change per (location, part)."""
    deltas: dict[tuple[int, int], int] = defaultdict(int)
    for part_id, source, target, qty in rows:
        deltas[(source, part_id)] -= qty
        deltas[(target, part_id)] += qty
    return deltas


@dataclass(frozen=True)
class Difference:
    """A place and part whose kept balance is not the sum of its movements."""

    location_id: int
    part_id: int
    balance: int
    movements: int


def check_balances(session: Session, org_id: int | None = None) -> list[Difference]:
    """Every (place, part) of ``org_id`` (all organisations by default) whose ``stock_balance``
    differs from the sum of its movements in minus out; an empty list when they all agree."""
    summed: dict[tuple[int, int], int] = defaultdict(int)
    for column, sign in ((StockMove.to_location_id, 1), (StockMove.from_location_id, -1)):
        query = sa.select(column, StockMove.part_id, sa.func.sum(StockMove.quantity)).group_by(
            column, StockMove.part_id
        )
        if org_id is not None:
            query = query.where(StockMove.org_id == org_id)
        for location_id, part_id, total in session.execute(query):
            summed[(location_id, part_id)] += sign * int(total)
    query = sa.select(StockBalance.location_id, StockBalance.part_id, StockBalance.qty)
    if org_id is not None:
        query = query.join(StockLocation, StockLocation.id == StockBalance.location_id).where(
            StockLocation.org_id == org_id
        )
    kept = {(loc, part): int(qty) for loc, part, qty in session.execute(query)}
    return [
        Difference(loc, part, kept.get((loc, part), 0), summed.get((loc, part), 0))
        for loc, part in sorted(set(summed) | set(kept))
        if kept.get((loc, part), 0) != summed.get((loc, part), 0)
    ]


def on_hand_of(session: Session, location_id: int, part_id: int) -> int:
    return on_hand(session, location_id, part_id).get(part_id, 0)


@dataclass(frozen=True)
class Move:
    part: Part
    source: StockLocation
    target: StockLocation
    quantity: int
    reason: str = ""
    serial: str | None = None
    work_order_id: int | None = None


def move(session: Session, document: PartDocument | None, item: Move) -> StockMove:
    return move_many(session, document, [item])[0]


def move_many(session: Session, document: PartDocument | None, items: Iterable[Move]) -> list[StockMove]:
    """Book ``items`` (all or nothing) under ``document``, dated on the document's day.

    Raises NotEnoughStock when a held location would go below zero, PartsError for a bad
    quantity or mixed organisations, MonthClosed for a closed month."""
    items = [Move(**{**i.__dict__, "quantity": quantity(i.quantity)}) for i in items]
    if not items:
        return []
    org_id = items[0].part.org_id
    for item in items:
        if {item.part.org_id, item.source.org_id, item.target.org_id} != {org_id}:
            raise PartsError(_("A movement cannot cross organisations."))
        if item.source.id == item.target.id:
            raise PartsError(_("A movement needs two different places."))
    booked_on = document.booked_on if document is not None else book_date(session, org_id)[0]
    if document is None or document.original_on is None:
        book_date(session, org_id, booked_on)  # a closed month refuses, whoever asks
    _check_stock(session, items)
    moves = [
        StockMove(
            org_id=org_id,
            part_id=i.part.id,
            from_location_id=i.source.id,
            to_location_id=i.target.id,
            quantity=i.quantity,
            document_id=document.id if document is not None else None,
            work_order_id=i.work_order_id
            if i.work_order_id
            else (document.work_order_id if document else None),
            reason=i.reason[:200],
            serial=i.serial,
            booked_on=booked_on,
        )
        for i in items
    ]
    session.add_all(moves)
    session.flush()
    _add_to_balances(
        session, _deltas((m.part_id, m.from_location_id, m.to_location_id, m.quantity) for m in moves)
    )
    return moves


def _check_stock(session: Session, items: list[Move]) -> None:
    wanted: dict[tuple[int, int], int] = defaultdict(int)
    held: dict[int, StockLocation] = {}
    for item in items:
        if item.source.kind in HELD:
            wanted[(item.source.id, item.part.id)] += item.quantity
            held[item.source.id] = item.source
    # Lock in a fixed order so two documents drawing on the same places cannot deadlock.
    for location_id in sorted(held):
        session.execute(sa.select(StockLocation.id).where(StockLocation.id == location_id).with_for_update())
    parts = {i.part.id: i.part for i in items}
    for (location_id, part_id), need in sorted(wanted.items()):
        have = on_hand_of(session, location_id, part_id)
        if have < need:
            raise _not_enough(held[location_id], parts[part_id], have, need)


def _not_enough(place: StockLocation, part: Part, have: int, need: int) -> NotEnoughStock:
    """The refusal of a place that holds less than is taken from it, naming the place in the
    reader's language (a sentence starts with a capital where the language has them)."""
    name = locations.display_name(place)
    return NotEnoughStock(
        _("%(place)s holds %(have)s of %(part)s; %(need)s cannot be taken from it.")
        % {"place": name[:1].upper() + name[1:], "have": have, "part": part.number, "need": need},
        part=part.number,
        on_hand=have,
    )


#: Document number prefixes, as printed.
PREFIX = {
    DocKind.RECEIPT: "GR",
    DocKind.REQUISITION: "RQ",
    DocKind.FIELD_PURCHASE: "FP",
    DocKind.CONSUMPTION: "CO",
    DocKind.RETURN_RECEIPT: "RR",
    DocKind.SHIPMENT: "SH",
    DocKind.STOCK_COUNT: "SC",
    DocKind.TRANSFER: "TR",
    DocKind.WRITE_OFF: "WO",
    DocKind.DISPOSITION: "DP",
}


def new_document(
    session: Session,
    org_id: int,
    kind: DocKind,
    state,
    *,
    on: date | None = None,
    late: bool = False,
    **values,
) -> PartDocument:
    """A document numbered per organisation, kind and month (GR-1-2611-0001), dated in an open
    month (see ``book_date``). Flushed."""
    booked_on, original_on = book_date(session, org_id, on, late=late)
    stem = f"{PREFIX[kind]}-{org_id}-{booked_on:%y%m}-"
    count = session.scalar(
        sa.select(sa.func.count()).select_from(PartDocument).where(PartDocument.number.like(stem + "%"))
    )
    document = PartDocument(
        org_id=org_id,
        kind=kind,
        state=state,
        number=f"{stem}{count + 1:04d}",
        booked_on=booked_on,
        original_on=original_on,
        **values,
    )
    session.add(document)
    session.flush()
    return document


@dataclass(frozen=True)
class BulkMove:
    part_id: int
    from_location_id: int
    to_location_id: int
    quantity: int
    document_id: int
    work_order_id: int | None = None


def move_bulk(
    session: Session, org_id: int, booked_on: date, items: list[BulkMove], held_ids: set[int]
) -> int:
    """The bulk form of ``move_many`` for loading history (imports, the benchmark): the same rules
    — whole positive quantities, an open month, held places locked and never below zero — checked
    for the whole batch at once, then one multi-row insert. ``held_ids``: the ids of the held
    places among the batch's sources. Returns the number of rows written."""
    book_date(session, org_id, booked_on)
    wanted: dict[tuple[int, int], int] = defaultdict(int)
    for item in items:
        if isinstance(item.quantity, bool) or not isinstance(item.quantity, int) or item.quantity <= 0:
            raise PartsError(
                _("The quantity must be a whole number of parts above zero, not %(value)s.")
                % {"value": item.quantity}
            )
        if item.from_location_id == item.to_location_id:
            raise PartsError(_("A movement needs two different places."))
        if item.from_location_id in held_ids:
            wanted[(item.from_location_id, item.part_id)] += item.quantity
    sources = sorted({loc for loc, _part in wanted})
    if sources:  # one statement locks them all, in a fixed order (see _check_stock)
        session.execute(
            sa.select(StockLocation.id)
            .where(StockLocation.id.in_(sources))
            .order_by(StockLocation.id)
            .with_for_update()
        ).all()
    have: dict[tuple[int, int], int] = defaultdict(int)
    pairs = sorted(wanted)
    for start in range(0, len(pairs), 400):
        chunk = pairs[start : start + 400]
        rows = session.execute(
            sa.select(StockBalance.location_id, StockBalance.part_id, StockBalance.qty).where(
                sa.tuple_(StockBalance.location_id, StockBalance.part_id).in_(chunk)
            )
        )
        for location_id, part_id, qty in rows:
            have[(location_id, part_id)] = int(qty)
    for pair, need in wanted.items():
        if have[pair] < need:
            raise _not_enough(
                session.get(StockLocation, pair[0]), session.get(Part, pair[1]), have[pair], need
            )
    now = clock.now()
    rows = [
        (org_id, i.part_id, i.from_location_id, i.to_location_id, i.quantity, i.document_id, i.work_order_id)
        for i in items
    ]
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        # COPY: the same rows as the insert below, an order of magnitude faster on PostgreSQL.
        columns = ", ".join((*_BULK_COLUMNS, "reason", "booked_on", "created_at"))
        cursor = connection.connection.driver_connection.cursor()
        with cursor, cursor.copy(f"COPY stock_move ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row((*row, "", booked_on, now))
    else:
        connection.execute(
            sa.insert(StockMove.__table__),
            [
                dict(zip(_BULK_COLUMNS, row, strict=True), reason="", booked_on=booked_on, created_at=now)
                for row in rows
            ],
        )
    _add_to_balances(
        session, _deltas((i.part_id, i.from_location_id, i.to_location_id, i.quantity) for i in items)
    )
    return len(items)


_BULK_COLUMNS = (
    "org_id",
    "part_id",
    "from_location_id",
    "to_location_id",
    "quantity",
    "document_id",
    "work_order_id",
)
