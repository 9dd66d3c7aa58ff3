"""What intake does when orders change elsewhere (signals from the lifecycle, declared in
dispatch/signals.py; connected once by ``connect()`` at app start).

- R10 for channels without a person (web form, SMS, Open311, API): the first dispatcher,
  supervisor or admin who acts on an order without an owner becomes its owner, and it is logged.
- A closed report closes its duplicates and tells their reporters.
"""

from __future__ import annotations

from sqlalchemy.orm import object_session

from dispatch import signals
from dispatch.auth.models import Role, User
from dispatch.orders import lifecycle
from dispatch.orders.models import Status

TRIAGE_ROLES = (Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN)
_connected = False


def _first_triage(order, event=None, **_kw) -> None:
    if event is None or order.owner_id is not None or event.actor_user_id is None:
        return
    session = object_session(order)
    user = session.get(User, event.actor_user_id) if session else None
    if user is None or user.org_id != order.org_id or not user.has_role(*TRIAGE_ROLES):
        return
    order.owner_id = user.id
    lifecycle.record(
        session,
        order,
        "owner_taken",
        lifecycle.Actor(event.channel, user_id=user.id),
        data={"reason": "first_triage", "after": event.kind},
    )


def _closed(order, event=None, **_kw) -> None:
    if event is None or event.to_status is not Status.CLOSED:
        return
    from dispatch.intake.duplicates import notify_duplicates

    session = object_session(order)
    if session is not None:
        notify_duplicates(session, order, lifecycle.Actor.system())


def connect() -> None:
    global _connected
    if _connected:
        return
    signals.order_event.connect(_first_triage)
    signals.order_transitioned.connect(_closed)
    _connected = True
