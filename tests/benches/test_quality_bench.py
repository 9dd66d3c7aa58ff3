"""`dispatch bench quality` runs a scenario day through intake, the planner and SMS, and writes a
decision log the dispatch-quality scorer accepts."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from dispatch.bench import bench
from dispatch.bench import quality as _quality_bench  # noqa: F401  (adds `bench quality`)

# The bench calls the worker's placing itself, as a report's commit wakes it.
pytestmark = pytest.mark.no_plan_worker

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "dispatch-quality"


def _shared(name: str):
    path = SHARED / f"{name}.py"
    if not path.is_file():
        pytest.skip(f"the dispatch-quality scenarios and scorer are not beside the repository ({SHARED})")
    spec = importlib.util.spec_from_file_location(f"dispatch_quality_{name}", path)
    module = importlib.util.module_from_spec(spec)
    import sys

    sys.path.insert(0, str(SHARED))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(SHARED))
    return module


def test_a_short_day_writes_a_log_the_scorer_replays(tmp_path):
    gen, score, sim = _shared("gen_scenarios"), _shared("score"), _shared("sim")
    day = gen.scenario(
        "short", 11, "ten reports", [(10, gen.NORMAL_MIX, gen.DAY_START, gen.DAY_START + 3 * 3600)]
    )
    scenario = tmp_path / "short.json"
    scenario.write_text(gen.dump(day), encoding="utf-8")
    out = tmp_path / "decisions.json"

    result = CliRunner().invoke(
        bench,
        ["quality", "--scenario", str(scenario), "--out", str(out), "--budget-s", "0.05", "--json",
         "--scorer", str(SHARED / "score.py")],
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    figures = json.loads(next(line for line in lines if line.startswith("{")))
    assert lines[-1].startswith("not covered:")
    assert figures["reports"] == 10 and figures["sms_refused"] == 0
    assert figures["zone_or_deadline_unlike_scenario"] == 0
    assert isinstance(figures["moves"], int)
    log = json.loads(out.read_text(encoding="utf-8"))
    assert [d["report"] for d in log["decisions"]] == [r["id"] for r in day["reports"]]
    # The scorer's replay refuses a log that touches a started job or drops a waiting one.
    s = sim.Scenario(scenario)
    metrics = sim.evaluate(s, *score.replay(s, log))
    assert metrics == {k: v for k, v in figures["score"].items() if k in metrics}
