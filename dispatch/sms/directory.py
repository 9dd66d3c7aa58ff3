"""The people the SMS simulator may send as: a directory registered at start-up.

The pipe imports no domain package; whoever has people with registered numbers (assignment:
technicians and service stations) registers a lookup here, as the inbound handlers are
registered. Without one, the simulator can only send as a citizen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Sender:
    """Someone with a registered number, as the simulator lists them."""

    id: int
    name: str
    phone: str


#: ``lookup(session, org_id)`` → the organisation's registered senders, in display order.
Lookup = Callable[[Session, int], list[Sender]]
_lookup: Lookup | None = None


def register_directory(lookup: Lookup) -> None:
    global _lookup
    _lookup = lookup


def senders(session: Session, org_id: int) -> list[Sender]:
    """The organisation's registered senders (none when nobody registered a directory)."""
    return _lookup(session, org_id) if _lookup is not None else []
