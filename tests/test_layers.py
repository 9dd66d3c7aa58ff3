"""The layers of DESIGN.md §2 hold where they bent: geometry knows no work order's lifecycle
and no deadline, the deadline engine sends no SMS, the pipe imports no domain package."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "dispatch"


def imports_of(package: str) -> dict[str, set[str]]:
    found = {}
    for path in sorted((PACKAGE / package).glob("*.py")):
        names = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
                names.update(f"{node.module}.{alias.name}" for alias in node.names)
            elif isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
        found[path.name] = names
    return found


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        (
            "geo",
            (
                "dispatch.orders.lifecycle",
                "dispatch.sla",
                "dispatch.sms",
                "dispatch.intake",
                "dispatch.assign",
            ),
        ),
        ("sla", ("dispatch.sms.outbox", "dispatch.sms.gateway", "dispatch.assign", "dispatch.intake")),
        ("sms", ("dispatch.assign", "dispatch.intake", "dispatch.console", "dispatch.sla")),
    ],
)
def test_a_package_imports_nothing_above_it(package, forbidden):
    offending = {
        module: sorted(n for n in names if n.startswith(forbidden))
        for module, names in imports_of(package).items()
        if any(n.startswith(forbidden) for n in names)
    }
    assert offending == {}


def test_per_type_facts_live_in_the_config_not_in_code():
    for module in ("geo/placing.py", "intake/open311.py", "intake/placing.py"):
        text = (PACKAGE / module).read_text(encoding="utf-8")
        assert "vehicle_body_fault" not in text and "water_leak" not in text, module
