"""Every kind of timeline event the code writes has words on the console (labels.EVENT), so no
page shows a code such as ``complaint_feedback``. The kinds are read from the source: the
lifecycle's transitions, and the kind given to every ``record`` / ``write_event`` call."""

import ast
from pathlib import Path

import dispatch
from dispatch.assign.models import OfferState
from dispatch.console.labels import EVENT
from dispatch.console.progress import PROGRESS_EVENTS
from dispatch.orders.lifecycle import TRANSITIONS

SOURCE = Path(dispatch.__file__).parent


def _kind_argument(call: ast.Call) -> ast.expr | None:
    """The kind passed to ``record(session, order, KIND, …)`` or ``write_event(…, KIND, …)``."""
    func = call.func
    name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
    if name == "record" and isinstance(func, ast.Attribute):
        if not (isinstance(func.value, ast.Name) and func.value.id == "lifecycle"):
            return None  # somebody else's record()
    elif name not in ("record", "write_event"):
        return None
    if len(call.args) >= 3:
        return call.args[2]
    return next((k.value for k in call.keywords if k.arg == "kind"), None)


def _recorded_kinds() -> set[str]:
    kinds: set[str] = set()
    for path in SOURCE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        constants = {
            target.id: node.value.value
            for node in tree.body
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
            for target in node.targets
            if isinstance(target, ast.Name) and isinstance(node.value.value, str)
        }
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            kind = _kind_argument(node)
            if isinstance(kind, ast.Constant) and isinstance(kind.value, str):
                kinds.add(kind.value)
            elif isinstance(kind, ast.Name) and kind.id in constants:
                kinds.add(constants[kind.id])
            elif isinstance(kind, ast.JoinedStr) and ast.unparse(kind) == "f'offer_{state.value}'":
                # An offer that ended without the job: one kind per way it can end.
                kinds |= {f"offer_{s.value}" for s in OfferState if s is not OfferState.PENDING}
    return kinds


def test_the_scan_finds_the_kinds_it_should():
    kinds = _recorded_kinds()
    assert {"created", "handover", "note", "due_changed", "offer_expired", "old_part_packed"} <= kinds


def test_every_event_kind_has_a_label():
    kinds = _recorded_kinds() | set(TRANSITIONS) | set(PROGRESS_EVENTS)
    kinds.discard("offer_accepted")  # an acceptance is the "accept" transition, never recorded
    missing = sorted(kinds - set(EVENT))
    assert not missing, f"event kinds without a label in dispatch/console/labels.py: {missing}"
