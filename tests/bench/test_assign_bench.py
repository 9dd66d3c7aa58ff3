"""`dispatch bench assign` run tiny: reports taken through intake become offers and
acknowledgements handed to the gateway; the text form ends with what it does not cover."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from dispatch.bench import assign as _assign  # noqa: F401  (adds `bench assign`)
from dispatch.bench import bench

# The bench runs its own worker thread (placing and delivering): no placing after each commit here.
pytestmark = pytest.mark.no_plan_worker

ARGS = ["assign", "--technicians", "30", "--jobs", "20", "--rate", "10", "--seconds", "1"]


def test_every_report_is_acknowledged_and_offered_through_intake(tmp_path):
    result = CliRunner().invoke(bench, [*ARGS, "--database-url", f"sqlite:///{tmp_path / 'b.db'}", "--json"])
    assert result.exit_code == 0, result.output
    f = json.loads(result.stdout.strip().splitlines()[-1])
    assert f["reports"] == 10 and f["acked_orders"] == 10 and f["duplicates"] == 0
    assert 0 < f["offered_orders"] <= 10 and f["offer_p99_ms"] >= f["offer_p50_ms"] > 0
    assert f["jobs_with_candidate"] > 0 and f["ranking_p50_ms"] > 0
    assert set(f["longest_offer_segments"]) == {"zh_place", "zh_coordinates", "en_place", "en_coordinates"}


def test_the_text_ends_with_what_is_not_covered(tmp_path):
    result = CliRunner().invoke(bench, [*ARGS, "--database-url", f"sqlite:///{tmp_path / 'b.db'}"])
    assert result.exit_code == 0, result.output
    last = result.stdout.strip().splitlines()[-1]
    assert last.startswith("not covered: ") and "HTTP" in last
