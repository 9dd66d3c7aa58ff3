"""The rule book in config/sla.toml: every row of MISSION.md R5, and variant selection."""

import tomllib
from datetime import time, timedelta

import pytest

from dispatch.sla.rules import (
    DEFAULT_SLA_PATH,
    NoMatchingRule,
    RuleBook,
    RuleBookError,
    UnknownType,
    load_rulebook,
    parse_rulebook,
)

R1_TYPES = {
    "water_leak", "water_connection", "sewer_overflow", "drain_cover", "manhole_cover", "road_damage",
    "safety_accident", "hot_issue", "vehicle_body_fault", "vehicle_chassis_fault", "complaint", "callback",
    "permit_design", "permit_drawing_review", "permit_construction", "completion_acceptance", "resume_work",
}  # fmt: skip
MILESTONE_NAMES = {"reply", "contact", "warning_sign", "arrive", "review", "install_start", "resolve"}


@pytest.fixture(scope="module")
def book() -> RuleBook:
    return load_rulebook()


def durations(rule) -> dict[str, timedelta | int]:
    """Milestone name → hours as a timedelta (24x7) or a number of working days."""
    return {m.name: m.duration if m.duration is not None else m.working_days for m in rule.milestones}


def test_every_type_is_configured_with_its_organisation(book):
    assert set(book.types) == R1_TYPES
    zycoach = {t.code for t in book.types_for_org("zycoach")}
    assert zycoach == {"vehicle_body_fault", "vehicle_chassis_fault", "complaint", "callback"}
    assert {t.code for t in book.types_for_org("xinye")} == R1_TYPES - {
        "vehicle_body_fault",
        "vehicle_chassis_fault",
    }


def test_every_type_can_be_recognised_and_staffed(book):
    for type_def in book.types.values():
        assert type_def.name_en and type_def.name_zh and type_def.skills
        assert type_def.keywords_zh and type_def.keywords_en
    assert "漏水" in book.types["water_leak"].keywords_zh
    assert book.types["water_leak"].materials_en == ()
    assert book.types["water_connection"].materials_en == ("ID card", "property certificate", "site plan")


def test_every_milestone_is_a_known_name_met_by_an_event(book):
    assert book.met_by == {
        "reply": "customer_replied", "contact": "customer_replied", "warning_sign": "sign_placed",
        "arrive": "on_site", "review": "review_decided", "install_start": "install_started",
        "resolve": "work_done",
    }  # fmt: skip
    for type_def in book.types.values():
        for variant in type_def.variants:
            for m in variant.milestones:
                assert m.name in MILESTONE_NAMES
                assert m.met_by == book.met_by[m.name]
                assert m.warn_share == 0.8


def test_settings_come_from_the_file(book):
    assert (book.office_open, book.office_close) == (time(8, 30), time(17, 30))
    assert book.timezone == "Asia/Shanghai"


# -- R5, row by row ---------------------------------------------------------------------------


def test_water_leak_minor_and_major(book):
    minor = book.select("water_leak", severity="minor")
    major = book.select("water_leak", severity="major")
    assert durations(minor) == {"arrive": timedelta(hours=1), "resolve": timedelta(hours=8)}
    assert durations(major) == {"arrive": timedelta(hours=1), "resolve": timedelta(hours=24)}
    assert (minor.id, major.id) == ("water_leak", "water_leak.major")
    assert book.select("water_leak") == minor  # severity unknown → minor


def test_new_water_connection(book):
    rule = book.select("water_connection")
    assert durations(rule) == {"review": 3, "install_start": 3}
    assert [m.starts_on for m in rule.milestones] == ["reported", "paperwork_complete"]
    assert {m.clock for m in rule.milestones} == {"working_days"}


@pytest.mark.parametrize("code", ["sewer_overflow", "drain_cover"])
def test_sewer_overflow_and_drain_cover(book, code):
    assert durations(book.select(code)) == {"arrive": timedelta(hours=24)}


def test_manhole_cover(book):
    assert durations(book.select("manhole_cover")) == {
        "warning_sign": timedelta(hours=2),
        "resolve": timedelta(hours=12),
    }


def test_safety_accident_on_both_sides_of_the_built_up_boundary(book):
    inside = book.select("safety_accident", zone="built_up")
    outside = book.select("safety_accident", zone="outside")
    assert (inside.id, durations(inside)) == ("safety_accident.built_up", {"arrive": timedelta(minutes=30)})
    assert (outside.id, durations(outside)) == ("safety_accident.outside", {"arrive": timedelta(hours=2)})


def test_hot_issue_may_get_a_deadline_by_hand(book):
    (resolve,) = book.select("hot_issue").milestones
    assert (resolve.name, resolve.duration, resolve.dispatcher_may_set) == (
        "resolve",
        timedelta(hours=24),
        True,
    )


@pytest.mark.parametrize(
    ("distance_km", "needs_supplier", "expected"),
    [
        (0, False, ("vehicle_body_fault.within_100km", {"arrive": timedelta(hours=24)})),
        (100, False, ("vehicle_body_fault.within_100km", {"arrive": timedelta(hours=24)})),
        (100.01, False, ("vehicle_body_fault.beyond_100km", {"reply": timedelta(hours=12)})),
        (40, True, ("vehicle_body_fault.supplier", {"reply": timedelta(hours=12)})),
        (400, True, ("vehicle_body_fault.beyond_100km", {"reply": timedelta(hours=12)})),
    ],
)
def test_vehicle_body_fault_on_both_sides_of_100_km(book, distance_km, needs_supplier, expected):
    rule = book.select("vehicle_body_fault", distance_km=distance_km, needs_supplier=needs_supplier)
    assert (rule.id, durations(rule)) == expected


def test_vehicle_chassis_fault(book):
    assert durations(book.select("vehicle_chassis_fault")) == {"contact": timedelta(hours=12)}


def test_callback_contact_is_set_by_the_handler(book):
    (contact,) = book.select("callback").milestones
    assert (contact.name, contact.clock, contact.dispatcher_may_set) == ("contact", "working_days", True)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("permit_design", {"resolve": 7}),
        ("permit_drawing_review", {"review": 5}),
        ("permit_construction", {"review": 5}),
        ("completion_acceptance", {"review": 7, "resolve": 3}),
        ("resume_work", {"review": 3}),
    ],
)
def test_permit_like_tasks(book, code, expected):
    assert durations(book.select(code)) == expected


def test_completion_acceptance_waits_for_the_documents(book):
    resolve = book.select("completion_acceptance").milestones[1]
    assert resolve.starts_on == "documents_complete"


def test_answers_to_the_citizen_keep_running_on_hold_but_work_pauses(book):
    leak = {m.name: m for m in book.select("water_leak").milestones}
    assert (leak["arrive"].pausable, leak["resolve"].pausable) == (False, True)


# -- the strictest variant while the place is unknown -----------------------------------------


def test_unknown_zone_takes_the_strictest_variant(book):
    assert book.select("safety_accident").id == "safety_accident.built_up"


def test_unknown_distance_takes_the_earliest_first_milestone(book):
    # 12 h reply falls before the 24 h visit.
    assert book.select("vehicle_body_fault").id == "vehicle_body_fault.beyond_100km"
    assert book.select("vehicle_body_fault", needs_supplier=None).id == "vehicle_body_fault.beyond_100km"


# -- errors -----------------------------------------------------------------------------------


def test_unknown_type(book):
    with pytest.raises(UnknownType):
        book.select("fire")


@pytest.mark.parametrize("kwargs", [{"zone": "downtown"}, {"severity": "critical"}, {"distance_km": -1.0}])
def test_bad_facts_are_refused(book, kwargs):
    with pytest.raises(ValueError):
        book.select("safety_accident", **kwargs)


def test_rule_by_id(book):
    assert book.rule("safety_accident.outside").zone == "outside"
    with pytest.raises(NoMatchingRule):
        book.rule("safety_accident.moon")


def _minimal(**milestone) -> dict:
    return {
        "milestones": {"arrive": {"met_by": "on_site"}},
        "types": {"x": {"orgs": ["o"], "variants": [{"zone": "outside", "milestones": [milestone]}]}},
    }


def test_no_fitting_variant():
    book = parse_rulebook(_minimal(name="arrive", hours=1))
    with pytest.raises(NoMatchingRule):
        book.select("x", zone="built_up")


@pytest.mark.parametrize(
    "milestone",
    [
        {"name": "arrive", "hours": 1, "working_days": 2},  # two clocks
        {"name": "arrive"},  # no duration
        {"name": "arrive", "hours": 1, "clock": "working_days"},
        {"name": "arrive", "working_days": 0},
        {"name": "arrive", "hours": 1, "warn_share": 1.5},
        {"name": "arive", "hours": 1},  # undeclared name
        {"name": "arrive", "hours": 1, "due": "soon"},  # unknown key
    ],
)
def test_malformed_milestones_are_refused(milestone):
    with pytest.raises(RuleBookError):
        parse_rulebook(_minimal(**milestone))


def test_two_variants_without_an_id_are_refused():
    data = _minimal(name="arrive", hours=1)
    variants = data["types"]["x"]["variants"]
    variants.append(dict(variants[0]))
    with pytest.raises(RuleBookError):
        parse_rulebook(data)


def test_the_shipped_file_is_plain_toml():
    with DEFAULT_SLA_PATH.open("rb") as handle:
        assert tomllib.load(handle)["warn_share"] == 0.8


def test_complaints_and_callbacks_are_desk_work(book):
    assert not book.type("complaint").on_site and not book.type("callback").on_site
    assert book.type("water_leak").on_site and book.type("vehicle_body_fault").on_site


@pytest.mark.parametrize("value", ["no", 0, "false"])
def test_on_site_is_true_or_false(value):
    data = _minimal(name="arrive", hours=1)
    data["types"]["x"]["on_site"] = value
    with pytest.raises(RuleBookError, match="on_site"):
        parse_rulebook(data)
