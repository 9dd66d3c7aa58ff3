"""`dispatch bench intake|sms|console` run tiny: they start gunicorn, drive it over HTTP and print
one JSON object whose figures say the path a user takes was taken (reports made, acknowledged,
never duplicates; technicians' commands changing jobs; an SMS reaching another process's stream).
No timing is asserted: the machines running the tests are too noisy for that."""

from __future__ import annotations

import json
import os

import pytest
from click.testing import CliRunner

from dispatch.bench import bench
from dispatch.bench import console as _console  # noqa: F401  (adds `bench console`)
from dispatch.bench import intake as _intake  # noqa: F401  (adds `bench intake`)
from dispatch.bench import sms as _sms  # noqa: F401  (adds `bench sms`)

pytestmark = [pytest.mark.slow, pytest.mark.no_plan_worker]  # the benches start their own workers
#: First of the ports the benchmarks may serve on; 0: any free ones.
PORT = os.environ.get("BENCH_TEST_PORT", "0")


def run(*args: str) -> dict:
    result = CliRunner().invoke(bench, [*args, "--port", PORT, "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert figures["not_covered"] and figures["cores"] >= 1 and len(figures["loadavg"]) == 3
    return figures


def test_intake_reports_each_acknowledged_none_a_duplicate_with_cpu_per_report(tmp_path):
    f = run(
        "intake", "--seconds", "2", "--technicians", "50", "--database-url", f"sqlite:///{tmp_path / 'b.db'}"
    )
    assert f["database"] == "sqlite" and f["workers"] == 2
    assert f["reports"] > 0 and f["intake_errors"] == 0
    assert f["acks_queued"] == f["reports"] and f["duplicates"] == 0
    assert 0 < f["offered"] <= f["reports"] and f["left_waiting"] == 0
    assert f["bare_rate"] > 0 and 0 < f["ratio"] == pytest.approx(f["intake_rate"] / f["bare_rate"], rel=0.01)
    assert f["cpu_ms_per_report"] > 0 and f["intake_p99_ms"] >= f["intake_p50_ms"] > 0


def test_sms_citizens_make_reports_and_technicians_commands_change_jobs(tmp_path):
    f = run("sms", "--seconds", "3", "--jobs", "10", "--technicians", "6")
    assert f["citizen_errors"] == 0 and f["technician_errors"] == 0
    assert f["citizen_reports"] > 0 and f["technician_jobs"] > 0 and f["technician_events"] > 0
    assert f["citizen_ratio"] > 0 and f["technician_ratio"] > 0


def test_console_pages_and_an_sms_reaching_another_process(tmp_path):
    f = run("console", "--orders", "200", "--technicians", "20", "--requests", "2", "--sms", "2")
    assert f["orders"] == 200 and f["sms_to_console_n"] == 2
    assert set(f["pages"]) == {
        "queue_first", "queue_random_page", "queue_filtered", "queue_search",
        "map_county", "map_district", "order_page",
    }  # fmt: skip
    assert all(p["p99_ms"] >= p["p50_ms"] > 0 for p in f["pages"].values())
    assert f["sms_to_console_p50_ms"] > 0
