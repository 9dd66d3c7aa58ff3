"""The KPIs on the hand-made November of tests/kpi/helpers.py, by the API and by the command."""

from __future__ import annotations

import json
from datetime import date

from dispatch.extensions import db
from dispatch.kpi.measures import Period, breakdown, measure
from dispatch.kpi.targets import set_targets, targets
from tests.factories import make_org
from tests.kpi.helpers import at, november

NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30))
NOW = at("2026-12-01T12:00")


def test_each_kpi_counts_exactly_what_its_definition_says(app):
    org = make_org("xinye")
    november(org)
    result = measure(db.session, org.id, NOVEMBER, targets(db.session, org.id), now=NOW)
    assert result["timeliness"] == {"value": 0.5, "numerator": 3, "denominator": 6, "target": 0.9}
    assert result["satisfaction"] == {"value": 2 / 3, "numerator": 2, "denominator": 3, "target": 0.85}
    assert result["complaint_rate"] == {"value": 0.25, "numerator": 1, "denominator": 4, "target": 0.03}


def test_a_milestone_not_yet_due_is_not_counted(app):
    org = make_org("xinye")
    november(org)
    # Seen on 11-25 at 09:30: G2 (due 09:00) has passed, the evening milestones of the 30th have not.
    result = measure(db.session, org.id, NOVEMBER, targets(db.session, org.id), now=at("2026-11-25T09:30"))
    assert (result["timeliness"]["numerator"], result["timeliness"]["denominator"]) == (2, 5)


def test_another_organisation_sees_nothing_and_values_are_null(app):
    november(make_org("xinye"))
    other = make_org("zycoach")
    result = measure(db.session, other.id, NOVEMBER, targets(db.session, other.id), now=NOW)
    assert all(result[k]["value"] is None and result[k]["denominator"] == 0 for k in result)


def test_breakdown_by_type_adds_up_to_the_whole(app):
    org = make_org("xinye")
    november(org)
    parts = breakdown(db.session, org.id, NOVEMBER, "type", now=NOW)
    assert parts["timeliness"] == {"water_leak": (3, 6)}
    assert parts["satisfaction"] == {"water_leak": (2, 3)}
    assert parts["complaint_rate"] == {"water_leak": (1, 4)}


def test_the_command_prints_the_issue_shape_with_the_organisations_targets(app, runner):
    from dispatch import clock

    org = make_org("xinye")
    november(org)
    set_targets(db.session, org.id, timeliness=0.95)
    db.session.commit()
    clock.freeze(NOW)
    out = runner.invoke(
        args=["kpi", "--org", "xinye", "--from", "2026-11-01", "--to", "2026-11-30", "--json"]
    )
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert set(data) == {"timeliness", "satisfaction", "complaint_rate"}
    assert data["timeliness"] == {"value": 0.5, "numerator": 3, "denominator": 6, "target": 0.95}
    assert data["complaint_rate"]["value"] == 0.25


def test_the_command_refuses_an_unknown_organisation(app, runner):
    out = runner.invoke(
        args=["kpi", "--org", "nowhere", "--from", "2026-11-01", "--to", "2026-11-30", "--json"]
    )
    assert out.exit_code == 2
    assert "unknown organisation" in out.stderr
