"""The two ways a person moves an order's deadlines: reclassifying it, and setting one by hand.

Both record who and why on the timeline, and every due time they move is queued for the
supervisor's review (:mod:`dispatch.sla.audit`). They flush; the caller commits.
"""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from dispatch import clock, signals
from dispatch.errors import DomainError
from dispatch.orders import lifecycle
from dispatch.orders.lifecycle import Actor
from dispatch.orders.models import WorkOrder
from dispatch.sla import notices
from dispatch.sla.models import DueChange
from dispatch.sla.rules import SEVERITIES, NoMatchingRule
from dispatch.sla.service import recompute, rulebook
from dispatch.sms.segments import count_segments

#: A hand-set deadline's message to the citizen may take at most this many SMS segments.
EXPLANATION_MAX_SEGMENTS = 3


class Keep(enum.Enum):
    """The value of a reclassification argument that is left as it is."""

    KEEP = "keep"


KEEP = Keep.KEEP


def _check_open(order: WorkOrder) -> None:
    if not order.is_open:
        raise DomainError(
            _("%(reference)s is %(status)s: its deadlines no longer change.", reference=order.reference,
              status=order.status.value),
            reference=order.reference,
        )  # fmt: skip


def reclassify(
    session: Session,
    order: WorkOrder,
    *,
    severity: str | None | Keep = KEEP,
    needs_supplier: bool | Keep = KEEP,
    actor: Actor,
    reason: str,
    expected_version: int | None = None,
) -> list[DueChange]:
    """Change what the deadline rules depend on — a leak found to be a major repair (``resolve``
    8 h → 24 h), a coach fault that needs a supplier (the 12 h ``reply``) — and recompute.

    Records a ``reclassified`` event (old and new values, ``reason``) and returns the due times
    moved. Nothing is written when nothing changes. Raises DomainError for a missing reason, a
    severity other than minor/major/None, a class no rule covers or a closed order;
    ConflictError when ``expected_version`` is not the order's version.
    """
    lifecycle.ensure_version(order, expected_version)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason for the reclassification."))
    if severity is not KEEP and severity is not None and severity not in SEVERITIES:
        raise DomainError(_("Severity must be minor or major."), severity=severity)
    if needs_supplier is not KEEP and not isinstance(needs_supplier, bool):
        raise DomainError(_("Needs supplier must be true or false."))
    _check_open(order)
    before = {"severity": order.severity, "needs_supplier": order.needs_supplier}
    after = dict(before)
    if severity is not KEEP:
        after["severity"] = severity
    if needs_supplier is not KEEP:
        after["needs_supplier"] = needs_supplier
    if after == before:
        return []
    try:
        rulebook().select(
            order.type_code,
            zone=order.zone,
            distance_km=order.distance_km,
            severity=after["severity"],
            needs_supplier=after["needs_supplier"],
        )
    except NoMatchingRule:
        raise DomainError(
            _("No deadline rule of %(type)s fits that classification.", type=order.type_code)
        ) from None
    order.severity, order.needs_supplier = after["severity"], after["needs_supplier"]
    lifecycle.record(session, order, "reclassified", actor, note=reason, data={"from": before, "to": after})
    return recompute(session, order, actor=actor, reason="reclassified", note=reason)


def set_deadline(
    session: Session,
    order: WorkOrder,
    milestone: str,
    due_at: datetime,
    explanation: str,
    actor: Actor,
    *,
    expected_version: int | None = None,
) -> list[DueChange]:
    """A deadline set by a dispatcher for what cannot be settled at once (a hot issue), where the
    rule allows it (``dispatcher_may_set``); the explanation goes to the citizen.

    The explanation is the note of the ``due_changed`` event and, when the order has the
    reporter's mobile number, an SMS in the reporter's language through the outbox. Returns the
    due times moved (none when ``due_at`` is the current one: then nothing is sent either).
    Raises DomainError when the order has no such milestone or its rule does not let it be set by
    hand, when it is met, when ``due_at`` is not in the future, when the explanation is empty or
    too long for an SMS, or when the order is closed.
    """
    lifecycle.ensure_version(order, expected_version)
    _check_open(order)
    explanation = (explanation or "").strip()
    if not explanation:
        raise DomainError(_("Give the explanation the citizen will receive."))
    target = next((m for m in order.milestones if m.name == milestone), None)
    if target is None or not _may_set(target.rule, milestone):
        raise DomainError(
            _("The deadline %(milestone)s of %(reference)s cannot be set by hand.", milestone=milestone,
              reference=order.reference),
            milestone=milestone,
        )  # fmt: skip
    if target.met_at is not None:
        raise DomainError(_("That deadline is already met."), milestone=milestone)
    due_at = clock.aware(due_at)
    if due_at <= clock.now():
        raise DomainError(_("A deadline set by hand must be in the future."))
    phone = order.reporter_phone if order.reporter_takes_sms else None
    language = notices.language_of(order.reporter_language, phone)
    text = notices.deadline_text(order, due_at, explanation, language)
    if count_segments(text).segments > EXPLANATION_MAX_SEGMENTS:
        raise DomainError(_("The explanation is too long for an SMS; shorten it."))
    changes = recompute(
        session, order, actor=actor, reason="set_by_hand", note=explanation, overrides={milestone: due_at}
    )
    if changes and phone:
        signals.deadline_set_by_hand.send(
            order, milestone=milestone, due_at=due_at, text=text, language=language
        )
    return changes


def _may_set(rule_id: str | None, milestone: str) -> bool:
    if rule_id is None:
        return False
    try:
        rule = rulebook().rule(rule_id)
    except LookupError:
        return False
    return any(m.name == milestone and m.dispatcher_may_set for m in rule.milestones)
