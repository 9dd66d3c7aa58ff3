"""The deadline engine's news, sent: warnings before a breach, escalations after one, and a
deadline set by hand explained to the reporter.

The engine (:mod:`dispatch.sla`) computes and records; it raises a signal
(``signals.deadline_warning``, ``deadline_breached``, ``deadline_set_by_hand``) in the same
transaction, and these receivers put the texts in the outbox, in each recipient's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import object_session

from dispatch import clock, signals
from dispatch.auth.service import supervisor_on_duty
from dispatch.language import language_for
from dispatch.orders.models import Milestone, WorkOrder
from dispatch.sla import notices as texts
from dispatch.sms import outbox


@dataclass(frozen=True)
class Recipient:
    phone: str
    language: str
    technician_id: int | None = None
    user_id: int | None = None

    def ref(self) -> dict[str, int | None]:
        return {"technician_id": self.technician_id} if self.technician_id else {"user_id": self.user_id}


def assigned(order: WorkOrder) -> list[Recipient]:
    """The assigned technician and the order's owner, each when they have a phone."""
    found = []
    tech = order.assignee
    if tech is not None and tech.phone:
        found.append(Recipient(tech.phone, language_for(tech.language, tech.phone), technician_id=tech.id))
    owner = order.owner
    if owner is not None and owner.phone and owner.active:
        found.append(Recipient(owner.phone, language_for(owner.language, owner.phone), user_id=owner.id))
    return found


def supervisor(order: WorkOrder, now: datetime) -> list[Recipient]:
    user = supervisor_on_duty(object_session(order), order.org_id, now)
    if user is None or not user.phone:
        return []
    return [Recipient(user.phone, language_for(user.language, user.phone), user_id=user.id)]


def _send(order: WorkOrder, to: Recipient, kind: str, text: str) -> None:
    outbox.send(
        object_session(order), kind, to=to.phone, text=text, order=order, technician_id=to.technician_id,
        language=to.language,
    )  # fmt: skip


def on_warning(order: WorkOrder, milestone: Milestone, **_extra) -> list[dict]:
    recipients = assigned(order) or supervisor(order, clock.now())
    for to in recipients:
        _send(order, to, "sla_warning", texts.warning_text(order, milestone, to.language))
    return [to.ref() for to in recipients]


def on_breach(order: WorkOrder, milestone: Milestone, **_extra) -> list[dict]:
    recipients = supervisor(order, clock.now())
    for to in recipients:
        _send(order, to, "sla_escalation", texts.escalation_text(order, milestone, to.language))
    return [to.ref() for to in recipients]


def on_set_by_hand(order: WorkOrder, text: str, language: str, due_at: datetime, **_extra) -> None:
    params = {"reference": order.reference, "due": texts.when(due_at), "explanation": text}
    session = object_session(order)
    outbox.send(
        session,
        "deadline_set",
        to=order.reporter_phone,
        text=text,
        order=order,
        language=language,
        params=params,
    )


def connect() -> None:
    """Subscribe to the deadline engine's signals (idempotent)."""
    signals.deadline_warning.connect(on_warning, weak=False)
    signals.deadline_breached.connect(on_breach, weak=False)
    signals.deadline_set_by_hand.connect(on_set_by_hand, weak=False)
