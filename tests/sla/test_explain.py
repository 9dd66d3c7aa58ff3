"""What ``dispatch sla explain`` prints: the rule chosen and each milestone's due time."""

import json
from datetime import datetime

import pytest

from dispatch.sla.explain import explain
from dispatch.sla.rules import RuleBook, UnknownType, calendar_for, load_rulebook

REPORTED = datetime.fromisoformat("2026-09-30T09:00:00+08:00")


@pytest.fixture(scope="module")
def book() -> RuleBook:
    return load_rulebook()


@pytest.fixture(scope="module")
def cal(book):
    return calendar_for(book)


def test_water_leak(book, cal):
    assert explain(book, cal, "water_leak", REPORTED) == {
        "type": "water_leak",
        "rule": "water_leak",
        "milestones": [
            {"name": "arrive", "due_at": "2026-09-30T10:00:00+08:00", "clock": "24x7"},
            {"name": "resolve", "due_at": "2026-09-30T17:00:00+08:00", "clock": "24x7"},
        ],
    }


def test_water_connection(book, cal):
    assert explain(book, cal, "water_connection", REPORTED) == {
        "type": "water_connection",
        "rule": "water_connection",
        "milestones": [
            {"name": "review", "due_at": "2026-10-10T17:30:00+08:00", "clock": "working_days"},
            {
                "name": "install_start",
                "due_at": None,
                "clock": "working_days",
                "waits_for": "paperwork_complete",
            },
        ],
    }


def test_printed_as_json(book, cal):
    printed = json.dumps(explain(book, cal, "water_connection", REPORTED), ensure_ascii=False)
    assert '"due_at": null' in printed
    assert printed.startswith('{"type": "water_connection", "rule": "water_connection", "milestones": [')


@pytest.mark.parametrize(
    ("facts", "rule", "due_at"),
    [
        ({}, "safety_accident.built_up", "2026-09-30T09:30:00+08:00"),
        ({"zone": "built_up"}, "safety_accident.built_up", "2026-09-30T09:30:00+08:00"),
        ({"zone": "outside"}, "safety_accident.outside", "2026-09-30T11:00:00+08:00"),
    ],
)
def test_rule_is_the_variant_id(book, cal, facts, rule, due_at):
    result = explain(book, cal, "safety_accident", REPORTED, **facts)
    assert (result["rule"], result["milestones"][0]["due_at"]) == (rule, due_at)


def test_major_leak_and_distant_coach(book, cal):
    assert explain(book, cal, "water_leak", REPORTED, severity="major")["rule"] == "water_leak.major"
    body = explain(book, cal, "vehicle_body_fault", REPORTED, distance_km=100.01)
    assert body["milestones"] == [{"name": "reply", "due_at": "2026-09-30T21:00:00+08:00", "clock": "24x7"}]


def test_calendar_warning_only_when_the_fallback_was_used(book, cal):
    known = explain(book, cal, "water_connection", REPORTED)
    assert all("calendar_warning" not in m for m in known["milestones"])
    unknown = explain(book, cal, "water_connection", datetime.fromisoformat("2031-03-03T09:00:00+08:00"))
    assert unknown["milestones"][0] == {
        "name": "review",
        "due_at": "2031-03-06T17:30:00+08:00",
        "clock": "working_days",
        "calendar_warning": True,
    }


def test_due_times_in_another_zone(book, cal):
    result = explain(book, cal, "water_leak", REPORTED, tz="UTC")
    assert result["milestones"][0]["due_at"] == "2026-09-30T02:00:00+00:00"


def test_unknown_type(book, cal):
    with pytest.raises(UnknownType):
        explain(book, cal, "fire", REPORTED)
