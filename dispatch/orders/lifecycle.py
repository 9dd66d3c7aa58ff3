"""The one place where a work order changes state.

Every transition is named, has the states it may start from and the state it leads to, and
writes an ``Event``. Anything else — a console button, an SMS command, the API, a scheduled
job — calls ``transition()``; nothing sets ``WorkOrder.status`` by hand. Operations do not commit:
the caller commits once (and a rollback leaves no trace, no SMS). Events are added to the
session, not flushed one by one: their ids exist after the caller's next flush.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from dispatch import clock, signals
from dispatch.errors import ConflictError, TransitionError
from dispatch.orders.models import FINAL, Channel, Event, Status, WorkOrder

S = Status

#: The states an order is being worked in; it can be put on hold, cancelled or reassigned there.
WORKING = frozenset({S.QUEUED, S.OFFERED, S.ACCEPTED, S.EN_ROUTE, S.ON_SITE})
OPEN_BEFORE_WORK = frozenset({S.NEW, S.LOCATED, S.NEEDS_LOCATION})


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[Status]
    #: None: go back to the state remembered in ``held_from`` (resume).
    target: Status | None


def _t(name: str, sources: Iterable[Status], target: Status | None) -> Transition:
    return Transition(name, frozenset(sources), target)


TRANSITIONS: Mapping[str, Transition] = {
    t.name: t
    for t in (
        _t("locate", {S.NEW, S.NEEDS_LOCATION, S.LOCATED}, S.LOCATED),
        _t("need_location", {S.NEW}, S.NEEDS_LOCATION),
        _t("queue", {S.LOCATED}, S.QUEUED),
        # Desk work (a complaint, a callback) needs no place: queued as soon as it is taken.
        _t("queue_at_desk", {S.NEW}, S.QUEUED),
        _t("offer", {S.QUEUED, S.OFFERED}, S.OFFERED),
        # An offer declined, timed out or withdrawn: the order waits for the next candidate.
        _t("offer_lapsed", {S.OFFERED}, S.QUEUED),
        # A technician accepted an offer, or a dispatcher assigned / recorded a phone acceptance.
        _t("accept", {S.QUEUED, S.OFFERED}, S.ACCEPTED),
        _t("unassign", {S.ACCEPTED, S.EN_ROUTE}, S.QUEUED),
        _t("depart", {S.ACCEPTED}, S.EN_ROUTE),
        _t("arrive", {S.ACCEPTED, S.EN_ROUTE}, S.ON_SITE),
        # Office work (a review, a callback) is done without going anywhere: from accepted.
        _t("complete", {S.ACCEPTED, S.ON_SITE}, S.WORK_DONE),
        _t("sign", {S.WORK_DONE}, S.SIGNED),
        _t("approve", {S.SIGNED}, S.APPROVED),
        # A correction of a signed or approved service report: back to work_done for a new
        # revision and a new signature (never around the signature).
        _t("revise", {S.SIGNED, S.APPROVED}, S.WORK_DONE),
        # Work without a customer to sign (a public leak, a permit review) closes from work_done.
        _t("close", {S.WORK_DONE, S.APPROVED}, S.CLOSED),
        # Desk work closes where it was done, by the person who settled it: no visit, no report.
        _t("close_at_desk", OPEN_BEFORE_WORK | {S.QUEUED, S.ACCEPTED, S.ON_HOLD}, S.CLOSED),
        _t("hold", WORKING, S.ON_HOLD),
        _t("resume", {S.ON_HOLD}, None),
        _t("cancel", OPEN_BEFORE_WORK | WORKING | {S.ON_HOLD}, S.CANCELLED),
        _t("reopen", {S.CLOSED, S.CANCELLED, S.WORK_DONE}, S.QUEUED),
    )
}


#: Transitions only desk work may take; an order whose type is worked on site is refused them.
DESK_WORK_ONLY = frozenset({"queue_at_desk", "close_at_desk"})


def _every_type_on_site(order: WorkOrder) -> bool:
    return True


#: Whether an order's type is worked at a place (``on_site`` in config/sla.toml). The orders
#: know no rule book (it is a layer above them): ``dispatch.sla.reactions.connect`` installs the
#: rule book's answer at start-up through ``judge_on_site_by``; until then every type is.
_worked_on_site: Callable[[WorkOrder], bool] = _every_type_on_site


def judge_on_site_by(predicate: Callable[[WorkOrder], bool] | None) -> None:
    """Use ``predicate`` to tell work on site from desk work (None: every type is on site)."""
    global _worked_on_site
    _worked_on_site = predicate or _every_type_on_site


@dataclass(frozen=True)
class Actor:
    """Who caused a change, and through which channel."""

    channel: Channel
    user_id: int | None = None
    technician_id: int | None = None

    @classmethod
    def system(cls) -> Actor:
        return cls(Channel.SYSTEM)


def allowed_actions(order: WorkOrder) -> list[str]:
    return [name for name, t in TRANSITIONS.items() if order.status in t.sources]


def transition(
    session: Session,
    order: WorkOrder,
    action: str,
    actor: Actor,
    *,
    note: str | None = None,
    data: Mapping[str, Any] | None = None,
    expected_version: int | None = None,
) -> Event:
    """Move ``order`` through ``action`` and write the event.

    Raises ``TransitionError`` when the action does not exist or is not allowed from the
    order's state (nothing is changed), and ``ConflictError`` when ``expected_version`` — the
    version the user saw — is not the current one. A concurrent change that lands between this
    read and the flush is caught by the version column at flush time (StaleDataError), which the
    callers turn into the same conflict.
    """
    t = TRANSITIONS.get(action)
    if t is None:
        raise TransitionError(f"Unknown action {action!r}.", action=action)
    ensure_version(order, expected_version)
    if order.status not in t.sources:
        allowed = ", ".join(sorted(s.value for s in t.sources))
        raise TransitionError(
            f"Cannot {action} {order.reference}: it is {order.status.value} (allowed only when {allowed}).",
            reference=order.reference,
            action=action,
            status=order.status.value,
        )
    if action in DESK_WORK_ONLY and _worked_on_site(order):
        raise TransitionError(
            f"Cannot {action} {order.reference}: a {order.type_code} is worked on site.",
            reference=order.reference,
            action=action,
            status=order.status.value,
        )
    source = order.status
    if t.target is None:
        target = order.held_from or S.QUEUED
        order.held_from = None
    else:
        target = t.target
    if target is S.ON_HOLD:
        order.held_from = source
    if target in FINAL:
        order.closed_at = clock.now()
    elif source in FINAL:
        order.closed_at = None
    if action == "unassign" or (action == "reopen" and source is S.CANCELLED):
        order.assignee_id = None
    order.status = target
    event = write_event(session, order, action, actor, note, data, source, target)
    signals.order_transitioned.send(order, event=event)
    return event


def record(
    session: Session,
    order: WorkOrder,
    kind: str,
    actor: Actor,
    *,
    note: str | None = None,
    data: Mapping[str, Any] | None = None,
) -> Event:
    """A timeline event that changes no state (a note, an SMS sent, a due time moved)."""
    if kind in TRANSITIONS:
        raise TransitionError(f"{kind!r} is a state change: use transition().")
    return write_event(session, order, kind, actor, note, data, None, None)


def handover(session: Session, order: WorkOrder, to_user_id: int, actor: Actor, reason: str) -> Event:
    """Hand first responsibility (R10) to another person; the handover is logged."""
    previous = order.owner_id
    if previous == to_user_id:
        raise TransitionError(f"{order.reference} is already owned by that person.")
    if not order.is_open:
        raise TransitionError(f"{order.reference} is {order.status.value}: nothing to hand over.")
    order.owner_id = to_user_id
    return write_event(
        session,
        order,
        "handover",
        actor,
        reason,
        {"from_user_id": previous, "to_user_id": to_user_id},
        None,
        None,
    )


def write_event(session, order, kind, actor, note, data, source, target) -> Event:
    event = Event(
        order=order,
        kind=kind,
        from_status=source,
        to_status=target,
        actor_user_id=actor.user_id,
        actor_technician_id=actor.technician_id,
        channel=actor.channel,
        note=note,
        data=dict(data or {}),
        at=clock.now(),
    )
    session.add(event)
    # Not flushed here: the event goes in with the rest of the change (the caller's flush or
    # commit), so a report that writes five events costs one INSERT round, not five.
    signals.order_event.send(order, event=event)
    return event


def ensure_version(order: WorkOrder, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != order.version:
        raise ConflictError(
            f"{order.reference} was changed by someone else in the meantime; reload and try again.",
            reference=order.reference,
        )
