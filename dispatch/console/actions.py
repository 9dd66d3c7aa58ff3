"""The actions a work-order page offers, as a registry other packages add to.

The page does not know its buttons: it renders every registered ``OrderAction`` whose
``available(order, user)`` says yes, grouped by ``slot`` in ``SLOTS`` order. Each action brings
its own template (a small form posting to its own endpoint, with a CSRF token), so a package
that lands later — assignment, deadlines — adds its forms with one ``register()`` call at
start-up and no change to the console:

    register(OrderAction("assign", "assignment", _l("Assign"), "assign/_assign_action.html",
                         available=lambda order, user: order.status in ASSIGNABLE))

Slots, in page order: ``assignment`` (assign / reassign with ranked candidates, broadcast, record
an acceptance made by phone), ``deadlines`` (set a hand deadline, reclassify), ``lifecycle``
(hold, resume, cancel), ``ownership`` (hand over), ``communication`` (note, message to the
customer), ``location`` (the pin, shown beside the map). A template receives ``order``,
``action`` and ``forms`` (the console's own forms) and must post with ``csrf_token()``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from dispatch.auth.models import Role, User
from dispatch.language import takes_sms
from dispatch.orders.lifecycle import TRANSITIONS
from dispatch.orders.models import WorkOrder

SLOTS = ("assignment", "deadlines", "lifecycle", "ownership", "communication", "location")
SLOT_TITLES = {
    "assignment": _l("Assignment"),
    "deadlines": _l("Deadlines"),
    "lifecycle": _l("State"),
    "ownership": _l("Responsibility"),
    "communication": _l("Notes and messages"),
    "location": _l("Location"),
}
CONSOLE_ROLES = (Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN)


def _always(_order: WorkOrder, _user: User) -> bool:
    return True


@dataclass(frozen=True)
class OrderAction:
    key: str
    slot: str
    label: object
    template: str
    available: Callable[[WorkOrder, User], bool] = _always
    roles: tuple[Role, ...] = CONSOLE_ROLES
    #: Position within the slot; lower first.
    rank: int = 100
    extra: dict = field(default_factory=dict)


_registry: dict[str, OrderAction] = {}


def register(action: OrderAction) -> OrderAction:
    """Add (or replace, by key) an action. Raises ValueError for an unknown slot."""
    if action.slot not in SLOTS:
        raise ValueError(f"unknown slot {action.slot!r}; one of {SLOTS}")
    _registry[action.key] = action
    return action


def unregister(key: str) -> None:
    _registry.pop(key, None)


def registered() -> list[OrderAction]:
    return sorted(_registry.values(), key=lambda a: (SLOTS.index(a.slot), a.rank, a.key))


def available(order: WorkOrder, user: User) -> dict[str, list[OrderAction]]:
    """The actions ``user`` may take on ``order`` now, by slot (only slots with something in them)."""
    by_slot: dict[str, list[OrderAction]] = {}
    for action in registered():
        if user.has_role(*action.roles) and action.available(order, user):
            by_slot.setdefault(action.slot, []).append(action)
    return by_slot


def in_progress(order: WorkOrder, _user: User | None = None) -> bool:
    """Before the work is done: the states from which the lifecycle still lets an order be
    cancelled. A finished job (work done, signed, approved) is no longer re-planned, re-placed
    or handed to another crew."""
    return order.status in TRANSITIONS["cancel"].sources


def _can(transition: str) -> Callable[[WorkOrder, User], bool]:
    sources = TRANSITIONS[transition].sources
    return lambda order, _user: order.status in sources


# The console's own actions; the lead wires assignment's and the deadline engine's beside them.
for _action in (
    OrderAction(
        "hold", "lifecycle", _l("Put on hold"), "console/actions/_transition.html", _can("hold"), rank=10
    ),
    OrderAction(
        "resume", "lifecycle", _l("Resume"), "console/actions/_transition.html", _can("resume"), rank=20
    ),
    OrderAction(
        "cancel", "lifecycle", _l("Cancel"), "console/actions/_transition.html", _can("cancel"), rank=90
    ),
    OrderAction(
        "handover",
        "ownership",
        _l("Hand over"),
        "console/actions/_handover.html",
        lambda order, _user: order.is_open,
    ),
    OrderAction("note", "communication", _l("Add a note"), "console/actions/_note.html", rank=10),
    OrderAction(
        "message",
        "communication",
        _l("Send the customer a message"),
        "console/actions/_message.html",
        # A landline receives no text: the dispatcher calls instead (the page says so).
        lambda order, _user: takes_sms(order.reporter_phone),
        rank=20,
    ),
    OrderAction(
        "pin",
        "location",
        _l("Correct the location"),
        "console/actions/_pin.html",
        in_progress,
    ),
):
    register(_action)
