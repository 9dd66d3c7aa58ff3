"""What the deadline engine does when something happens to a work order — declared in one place.

``connect()`` (called once by ``create_app``) subscribes :func:`on_order_event` to
``signals.order_event``, which the lifecycle sends for every timeline event inside the
transaction of the change, so a milestone met or moved commits or rolls back with it.

- **The report taken** (``created``): the milestones are computed at once, from ``reported_at``,
  with the strictest variant while the place is unknown.
- **Met**: the transition ``arrive`` is the event ``on_site``; ``complete`` and, for desk work,
  ``close_at_desk`` are ``work_done``;
  any other event meets the milestones whose ``met_by`` bears its name — recorded with
  ``lifecycle.record``: ``sign_placed`` (the warning sign is in place), ``customer_replied`` (an
  SMS sent to the customer from the console, a logged call), ``review_decided``,
  ``install_started``.
- **Clocks**: an event a milestone waits for (``paperwork_complete``, ``documents_complete``)
  starts it.
- **The next due time** kept on the order (``service.keep_next_due``): by every recompute and
  milestone met, and when the order is closed, cancelled or reopened.
- **Pauses**: ``hold`` and ``resume`` recompute the pausable due times (paused time
  does not count); the due times a resume moves are recorded like any other move.
"""

from __future__ import annotations

import logging

from sqlalchemy.orm import object_session

from dispatch import signals
from dispatch.orders import lifecycle
from dispatch.orders.lifecycle import Actor
from dispatch.orders.models import FINAL, Event, WorkOrder
from dispatch.sla import service
from dispatch.sla.rules import NoMatchingRule, UnknownType

log = logging.getLogger(__name__)

#: Transitions that are, for the deadline rules, the event of another name.
MET_BY_TRANSITION = {"arrive": "on_site", "complete": "work_done", "close_at_desk": "work_done"}
#: Transitions that open or close a pause.
PAUSE_EVENTS = frozenset({"hold", "resume"})
#: Events this module writes itself (or that never meet anything): nothing to do.
IGNORED = frozenset({"due_changed", "sla_warning", "sla_breach", "note"})


def connect() -> None:
    """Subscribe the deadline engine to the lifecycle's events, and let the lifecycle tell desk
    work from work on site by the rule book (idempotent)."""
    signals.order_event.connect(on_order_event, weak=False)
    lifecycle.judge_on_site_by(service.worked_on_site)


def on_order_event(order: WorkOrder, event: Event, **_extra) -> None:
    if event.kind in IGNORED:
        return
    session = object_session(order)
    if session is None:  # an order not in a session has nothing to keep
        return
    actor = Actor(event.channel, user_id=event.actor_user_id, technician_id=event.actor_technician_id)
    if event.kind == "created":
        try:
            service.recompute(session, order, event.at, actor=actor)
        except (UnknownType, NoMatchingRule) as exc:
            # No rule, no deadline: the order is kept and the gap shows in the logs.
            log.warning("%s: no deadline rule for type %r (%s)", order.reference, order.type_code, exc)
        return
    service.mark_met(session, order, MET_BY_TRANSITION.get(event.kind, event.kind), event.at)
    if event.to_status in FINAL or event.from_status in FINAL:
        # Closed or cancelled: no deadline runs any more; reopened: its unmet ones run again.
        service.keep_next_due(order)
    if event.kind in PAUSE_EVENTS:
        # Measured at the event's own time: a hold that has just begun has paused nothing yet.
        service.recompute(session, order, event.at, actor=actor, reason="paused")
    elif any(m.waits_for == event.kind and m.met_at is None for m in order.milestones):
        service.recompute(session, order, event.at, actor=actor, reason="clock_started")
