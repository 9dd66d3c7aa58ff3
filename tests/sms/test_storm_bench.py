"""`dispatch bench storm --json`: a short, slow storm runs end to end and accounts for every report.

Only what a reader of the figures relies on is checked (the keys, every reporter acknowledged
once, no offer lost, the outbox drained), never a timing. It needs PostgreSQL (LISTEN/NOTIFY): it
runs on a database of its own next to TEST_DATABASE_URL's, dropped afterwards.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy.engine import make_url

from dispatch.bench import bench
from dispatch.bench import storm as _storm_bench  # noqa: F401  (adds `bench storm`)
from dispatch.bench.storm_setup import drop_database
from tests.conftest import TEST_DATABASE_URL

KEYS = {
    "rate", "rate_reached", "seconds", "web", "workers", "technicians", "posted", "post_errors",
    "taken_unanswered", "post_p50_ms", "post_p99_ms", "send_lag_max_ms", "ack_p50_s", "ack_p99_s",
    "offer_p50_s", "ack_after_answer_p50_s", "ack_after_answer_p99_s", "offer_after_answer_p50_s",
    "offer_after_answer_p99_s",
    "offer_p99_s", "acked_once", "ack_missing", "ack_repeated", "dispatchable", "offered",
    "no_candidate", "duplicates", "waits_for_dispatcher", "offers_lost", "drained", "loadavg",
    "not_covered", "cpu_s",
}  # fmt: skip


@pytest.fixture
def storm_url():
    url = make_url(TEST_DATABASE_URL)
    url = url.set(database=f"{url.database}_storm").render_as_string(hide_password=False)
    yield url
    drop_database(url)


@pytest.mark.postgres_only
def test_a_short_storm_acknowledges_every_reporter_once_and_offers_every_dispatchable_report(storm_url):
    result = CliRunner().invoke(
        bench,
        ["storm", "--rate", "4", "--seconds", "2", "--database-url", storm_url, "--drop-existing", "--json"],
    )
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(figures) == KEYS
    assert figures["posted"] == 8 and figures["post_errors"] == 0
    assert figures["acked_once"] == 8 and figures["ack_missing"] == figures["ack_repeated"] == 0
    # Seven of the eight types in turn are offered without a dispatcher; places never repeat.
    assert figures["duplicates"] == 0 and figures["waits_for_dispatcher"] == 1
    assert figures["dispatchable"] == 7 == figures["offered"] + figures["no_candidate"]
    assert figures["offers_lost"] == 0 and figures["drained"] is True
    assert figures["ack_p50_s"] is not None and figures["offer_p50_s"] is not None
    assert set(figures["cpu_s"]) == {"web", "worker", "postgresql", "fake_twilio", "producer", "wall_s"}
    assert figures["cpu_s"]["web"] > 0 and figures["cpu_s"]["worker"] > 0
