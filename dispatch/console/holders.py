"""Who holds a job: the assignee, or the technicians an offer is waiting on, since when and until
when — and every offer that ended without the job (declined with its reason, timed out, not
delivered, withdrawn, taken by a colleague). The order page, the queue and the map read it here,
so the three say the same thing."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from dispatch.assign.models import Offer, OfferState, Technician
from dispatch.language import is_chinese
from dispatch.orders.models import WorkOrder


@dataclass(frozen=True)
class Holder:
    """A technician an open offer waits on."""

    technician_id: int
    name: str
    since: datetime
    until: datetime


def pending_holders(session: Session, order_ids: list[int]) -> dict[int, list[Holder]]:
    """Per order: the technicians whose offer is still waiting for an answer, oldest first."""
    found: dict[int, list[Holder]] = {}
    if not order_ids:
        return found
    rows = session.execute(
        sa.select(
            Offer.work_order_id, Offer.technician_id, Technician.name, Offer.created_at, Offer.expires_at
        )
        .join(Technician, Technician.id == Offer.technician_id)
        .where(Offer.work_order_id.in_(order_ids), Offer.state == OfferState.PENDING)
        .order_by(Offer.work_order_id, Offer.created_at, Offer.id)
    )
    for order_id, tech_id, name, since, until in rows:
        found.setdefault(order_id, []).append(Holder(tech_id, name, since, until))
    return found


def offer_history(session: Session, order: WorkOrder) -> list[Offer]:
    """Every offer of the order that was answered or lapsed, newest first (with its technician)."""
    return list(
        session.scalars(
            sa.select(Offer)
            .where(Offer.work_order_id == order.id, Offer.state != OfferState.PENDING)
            .options(joinedload(Offer.technician))
            .order_by(Offer.answered_at.desc().nulls_last(), Offer.id.desc())
        )
    )


@dataclass(frozen=True)
class OfferLine:
    """One line of the order page's offers table: what became of an offer, and when."""

    technician: str
    offered_at: datetime | None
    #: An OfferState value, or ``taken_back``: an accepted job taken back from its technician.
    outcome: str
    at: datetime | None
    reason: str | None


#: Why an accepted offer was withdrawn afterwards (the unassign reaction of dispatch.assign): the
#: job was taken back, or the order reopened.
_TAKEN_BACK = ("unassign", "reopen")


def offer_lines(session: Session, order: WorkOrder) -> list[OfferLine]:
    """Every offer that was answered or lapsed, newest first. An offer accepted and later taken
    back (the job reassigned, the order reopened) is two lines: the acceptance and its time,
    then the taking back with its time and the dispatcher's reason (from the timeline)."""
    lines = []
    for offer in offer_history(session, order):
        name = offer.technician.name
        if offer.state is not OfferState.WITHDRAWN or offer.reason not in _TAKEN_BACK:
            lines.append(
                OfferLine(name, offer.created_at, offer.state.value, offer.answered_at, offer.reason)
            )
            continue
        accepted_at = offer.answered_at
        back = next(
            (
                e
                for e in sorted(order.events, key=lambda e: (e.at, e.id or 0))
                if e.kind == offer.reason
                and (accepted_at is None or e.at >= accepted_at)
                and (e.data or {}).get("technician_id", offer.technician_id) == offer.technician_id
            ),
            None,
        )
        lines.append(OfferLine(name, offer.created_at, OfferState.ACCEPTED.value, accepted_at, None))
        lines.append(
            OfferLine(
                name, None, "taken_back", back.at if back else None,
                (back.note if back and back.note else offer.reason),
            )
        )  # fmt: skip
    far_past = datetime.min.replace(tzinfo=UTC)
    return sorted(lines, key=lambda line: line.at or far_past, reverse=True)


def technician_names(session: Session, org_id: int, ids: set[int]) -> dict[int, str]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(
        session.execute(
            sa.select(Technician.id, Technician.name).where(
                Technician.org_id == org_id, Technician.id.in_(ids)
            )
        ).all()
    )


def event_technician_ids(data: dict | None) -> list[int]:
    """The technicians a timeline event names (an offer to several, an acceptance, a decline)."""
    data = data or {}
    ids = list(data.get("technician_ids") or [])
    if data.get("technician_id"):
        ids.append(data["technician_id"])
    return [i for i in ids if isinstance(i, int)]


_LATIN = re.compile(r"[A-Za-z]{3,}")


def written_in(text: str | None) -> str | None:
    """ "zh" when the text has Chinese characters, "en" when it is Latin words only, else None."""
    if not text or not text.strip():
        return None
    if is_chinese(text):
        return "zh"
    return "en" if _LATIN.search(text) else None
