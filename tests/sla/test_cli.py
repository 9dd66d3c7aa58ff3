"""`dispatch sla explain` as admins call it: JSON alone on stdout, exit 2 and a message on stderr."""

from __future__ import annotations

import json

import pytest

from dispatch.geo.placing import service_area

WATER_LEAK = """\
{"type": "water_leak", "rule": "water_leak", "milestones": [
  {"name": "arrive", "due_at": "2026-09-30T10:00:00+08:00", "clock": "24x7"},
  {"name": "resolve", "due_at": "2026-09-30T17:00:00+08:00", "clock": "24x7"}]}
"""

WATER_CONNECTION = """\
{"type": "water_connection", "rule": "water_connection", "milestones": [
  {"name": "review", "due_at": "2026-10-10T17:30:00+08:00", "clock": "working_days"},
  {"name": "install_start", "due_at": null, "clock": "working_days", "waits_for": "paperwork_complete"}]}
"""


def _explain(runner, *args):
    return runner.invoke(args=["sla", "explain", *args])


@pytest.mark.parametrize(
    ("type_code", "expected"), [("water_leak", WATER_LEAK), ("water_connection", WATER_CONNECTION)]
)
def test_the_examples_of_the_rule_book_verbatim(runner, type_code, expected):
    result = _explain(runner, type_code, "--at", "2026-09-30T09:00:00+08:00")
    assert result.exit_code == 0, result.output
    assert result.stdout == expected and result.stderr == ""
    json.loads(result.stdout)


def test_a_time_without_offset_is_local_and_the_facts_pick_the_variant(runner):
    result = _explain(
        runner, "water_leak", "--at", "2026-10-01T23:30", "--severity", "major", "--zone", "outside"
    )
    data = json.loads(result.stdout)
    assert data["rule"] == "water_leak.major"
    assert [m["due_at"] for m in data["milestones"]] == [
        "2026-10-02T00:30:00+08:00",
        "2026-10-02T23:30:00+08:00",
    ]
    body = json.loads(
        _explain(runner, "vehicle_body_fault", "--at", "2026-02-14T10:00", "--distance-km", "100").stdout
    )
    assert body["rule"] == "vehicle_body_fault.within_100km"
    supplier = _explain(
        runner, "vehicle_body_fault", "--at", "2026-02-14T10:00", "--distance-km", "5", "--needs-supplier"
    )
    assert json.loads(supplier.stdout)["milestones"] == [
        {"name": "reply", "due_at": "2026-02-14T22:00:00+08:00", "clock": "24x7"}
    ]


def test_a_year_without_calendar_is_flagged(runner):
    data = json.loads(_explain(runner, "permit_design", "--at", "2031-03-03T09:00").stdout)
    assert data["milestones"][0]["calendar_warning"] is True


def test_coordinates_give_zone_and_distance_through_the_service_area(runner):
    depot = service_area().site("XY-D01")  # in the county town
    inside = _explain(
        runner,
        "safety_accident",
        "--at",
        "2026-10-05T12:00",
        "--lat",
        str(depot.lat),
        "--lon",
        str(depot.lon),
    )
    assert json.loads(inside.stdout)["rule"] == "safety_accident.built_up"
    village = _explain(
        runner, "safety_accident", "--at", "2026-10-05T12:00", "--lat", "32.70", "--lon", "112.55"
    )
    assert json.loads(village.stdout)["milestones"][0]["due_at"] == "2026-10-05T14:00:00+08:00"
    station = service_area().site("ZY-S06")
    far = _explain(
        runner, "vehicle_body_fault", "--at", "2026-02-14T10:00", "--lat", str(station.lat), "--lon", "107.5"
    )
    assert json.loads(far.stdout)["rule"] == "vehicle_body_fault.beyond_100km"
    near = _explain(
        runner,
        "vehicle_body_fault",
        "--at",
        "2026-02-14T10:00",
        "--lat",
        str(station.lat),
        "--lon",
        "108.5",
        "--org",
        "zycoach",
    )
    assert json.loads(near.stdout)["rule"] == "vehicle_body_fault.within_100km"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["fire", "--at", "2026-09-30T09:00"], "unknown type 'fire'"),
        (["water_leak", "--at", "yesterday"], "not an ISO 8601 time"),
        (["water_leak"], "--at"),
        (["water_leak", "--at", "2026-09-30T09:00", "--severity", "huge"], "huge"),
        (["water_leak", "--at", "2026-09-30T09:00", "--zone", "moon"], "moon"),
        (["water_leak", "--at", "2026-09-30T09:00", "--distance-km", "-3"], "-3"),
        (["water_leak", "--at", "2026-09-30T09:00", "--lat", "32.5"], "--lat and --lon together"),
        (["water_leak", "--at", "2026-09-30T09:00", "--lat", "95", "--lon", "112"], "95"),
        (
            [
                "water_leak",
                "--at",
                "2026-09-30T09:00",
                "--lat",
                "32.5",
                "--lon",
                "112.3",
                "--zone",
                "outside",
            ],
            "leave out",
        ),
        (["complaint", "--at", "2026-09-30T09:00", "--lat", "32.5", "--lon", "112.3"], "--org"),
        (["water_leak", "--at", "2026-09-30T09:00", "--org", "zycoach"], "not a type of organisation"),
    ],
)
def test_bad_arguments_exit_2_with_a_message_on_stderr_and_nothing_on_stdout(runner, args, message):
    result = _explain(runner, *args)
    assert result.exit_code == 2
    assert result.stdout == "" and message in result.stderr
