"""`dispatch bench parts` fills a fresh ledger through the ledger's bulk write and prints on-hand
(the central warehouse among the places read, and on its own), the month's reconciliation, and
that the kept balances agree with the movements."""

from __future__ import annotations

import json

from click.testing import CliRunner

from dispatch.bench import bench
from dispatch.bench import parts as _parts_bench  # noqa: F401  (adds `bench parts`)


def test_a_small_run_prints_its_figures_and_finds_no_drifted_balance(tmp_path):
    url = f"sqlite:///{tmp_path / 'b.db'}"
    result = CliRunner().invoke(bench, ["parts", "--movements", "3000", "--database-url", url, "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout.strip().splitlines()[0])
    assert set(figures) == {
        "movements",
        "onhand_ms_p50",
        "onhand_ms_p99",
        "onhand_central_ms",
        "month_reconciliation_s",
    }
    assert figures["movements"] == 3000
    assert "check-balances over the ledger: 0 difference(s)" in result.stderr


def test_the_text_form_runs_on_a_temporary_database():
    result = CliRunner().invoke(bench, ["parts", "--movements", "500"])
    assert result.exit_code == 0, result.output
    assert "a temporary SQLite file" in result.output
    assert "on-hand of the central warehouse" in result.output
