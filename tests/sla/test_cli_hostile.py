"""`dispatch sla explain` refuses what no report can have — a year outside 1900–2100, coordinates
or distances that are not finite numbers — with exit status 2 and a message, never a traceback."""

import pytest


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--at", "0001-01-01T00:00"], "1900"),
        (["--at", "9999-12-31T23:59:59-12:00"], "2100"),
        (["--at", "2026-09-30T09:00", "--lat", "nan", "--lon", "nan"], "finite"),
        (["--at", "2026-09-30T09:00", "--lat", "32.5", "--lon", "inf"], "inf"),
        (["--at", "2026-09-30T09:00", "--distance-km", "nan"], "finite"),
    ],
)
def test_impossible_values_exit_2_with_a_message(runner, args, message):
    result = runner.invoke(args=["sla", "explain", "water_leak", *args])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stdout == "" and message in result.stderr
