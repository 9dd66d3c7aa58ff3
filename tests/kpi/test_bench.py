"""`dispatch bench kpi --json` fills a fresh database and prints orders, month_s and year_s."""

from __future__ import annotations

import json

from click.testing import CliRunner

from dispatch.bench import bench
from dispatch.bench import kpi as _kpi_bench  # noqa: F401  (adds `bench kpi`)


def test_a_small_run_prints_orders_month_and_year(tmp_path):
    result = CliRunner().invoke(
        bench, ["kpi", "--orders", "300", "--database-url", f"sqlite:///{tmp_path / 'b.db'}", "--json"]
    )
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(figures) == {"orders", "month_s", "year_s"} and figures["orders"] == 300


def test_the_text_form_runs_on_a_temporary_database():
    result = CliRunner().invoke(bench, ["kpi", "--orders", "200"])
    assert result.exit_code == 0, result.output
    assert "a temporary SQLite file" in result.output and "KPIs of a month" in result.output
