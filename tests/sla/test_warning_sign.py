"""A warning sign is met by the technician's SIGN or by the hazard repaired (``met_by`` as a list)."""

from __future__ import annotations

import pytest

from dispatch import clock
from dispatch.orders import lifecycle
from dispatch.orders.lifecycle import Actor
from dispatch.orders.models import Channel
from dispatch.sla.rules import RuleBookError, parse_rulebook
from dispatch.sla.service import rulebook
from tests.factories import make_order
from tests.sla.conftest import at, milestones

TECH = Actor(Channel.SMS)


def _walk(db, order, *steps):
    for when, action in steps:
        clock.freeze(at(when))
        lifecycle.transition(db, order, action, TECH)


def test_a_manhole_repaired_without_a_sign_reported_meets_its_warning_sign(db, county):
    order = make_order(county, "manhole_cover", reported_at=at("2026-12-03T02:32"))
    _walk(
        db,
        order,
        ("2026-12-03T02:35", "locate"),
        ("2026-12-03T02:35", "queue"),
        ("2026-12-03T02:36", "accept"),
        ("2026-12-03T02:40", "depart"),
        ("2026-12-03T03:10", "arrive"),
        ("2026-12-03T04:00", "complete"),
    )
    sign, resolve = milestones(order)["warning_sign"], milestones(order)["resolve"]
    assert clock.local(sign.met_at) == at("2026-12-03T04:00") and sign.breached_at is None
    assert clock.local(resolve.met_at) == at("2026-12-03T04:00")
    # Nothing is left counting down on the queue.
    assert order.next_due_at is None


def test_a_sign_placed_still_meets_it_first(db, county):
    order = make_order(county, "manhole_cover", reported_at=at("2026-12-03T02:32"))
    _walk(db, order, ("2026-12-03T02:35", "locate"), ("2026-12-03T02:35", "queue"))
    clock.freeze(at("2026-12-03T03:00"))
    lifecycle.record(db, order, "sign_placed", TECH)
    _walk(db, order, ("2026-12-03T03:01", "accept"), ("2026-12-03T05:00", "complete"))
    assert clock.local(milestones(order)["warning_sign"].met_at) == at("2026-12-03T03:00")


def test_the_shipped_rule_book_names_both_events_for_the_warning_sign():
    book = rulebook()
    assert book.met_by["warning_sign"] == "sign_placed"
    assert book.also_met_by["warning_sign"] == ("work_done",)
    [variant] = book.type("manhole_cover").variants
    sign = {m.name: m for m in variant.milestones}["warning_sign"]
    assert sign.met_by_events == ("sign_placed", "work_done")


def _book(default, own=None) -> dict:
    milestone = {"name": "warning_sign", "hours": 2}
    if own is not None:
        milestone["met_by"] = own
    return {
        "milestones": {"warning_sign": {"met_by": default}},
        "types": {"x": {"orgs": ["o"], "variants": [{"milestones": [milestone]}]}},
    }


def test_a_single_event_still_reads_as_before():
    [m] = parse_rulebook(_book("sign_placed")).type("x").variants[0].milestones
    assert (m.met_by, m.also_met_by) == ("sign_placed", ())


def test_a_variant_may_give_its_own_list():
    [m] = parse_rulebook(_book("sign_placed", ["sign_placed", "on_site"])).type("x").variants[0].milestones
    assert m.met_by_events == ("sign_placed", "on_site")


@pytest.mark.parametrize("met_by", [[], ["sign_placed", "sign_placed"], ["sign_placed", 3], "", 3, [" x"]])
def test_a_malformed_list_is_refused(met_by):
    with pytest.raises(RuleBookError, match="met_by"):
        parse_rulebook(_book(met_by))
    with pytest.raises(RuleBookError, match="met_by"):
        parse_rulebook(_book("sign_placed", met_by))
