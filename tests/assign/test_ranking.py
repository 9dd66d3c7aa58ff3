"""Who is a candidate and in which order: skills, duty, leave and substitutes, load, ETA."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from dispatch.assign.models import DutyStatus
from dispatch.assign.ranking import Policy, Roster, TechnicianRow, load_roster, rank
from dispatch.orders import lifecycle
from dispatch.orders.lifecycle import Actor
from dispatch.orders.models import Channel
from tests.assign.helpers import county
from tests.factories import make_order, make_org, make_technician

CST = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 4, 9, 0, tzinfo=CST)
JOB = (32.52, 112.36)
POLICY = Policy(road_factor=1.3, speed_kmh={"built_up": 25.0, "outside": 50.0}, start_delay_min=5.0)


def row(id, km_north=0.0, skills=("water",), **kw) -> TechnicianRow:
    # One degree of latitude is about 111.2 km.
    values = dict(
        id=id,
        lat=JOB[0] + km_north / 111.2,
        lon=JOB[1],
        skills=skills,
        available=True,
        away=False,
        load=0,
        max_load=3,
    )
    values.update(kw)
    return TechnicianRow(**values)


def ranked(rows, *, due_in_min=60, skills=("water",), policy=POLICY, **kw):
    found = rank(
        Roster.from_rows(rows),
        lat=JOB[0],
        lon=JOB[1],
        zone="built_up",
        skills=skills,
        now=NOW,
        due_at=NOW + timedelta(minutes=due_in_min) if due_in_min is not None else None,
        policy=policy,
        **kw,
    )
    return [c.technician_id for c in found], found


def test_nearest_first_then_load_breaks_ties():
    ids, found = ranked([row(1, 5.0), row(2, 1.0), row(3, 1.0, load=2), row(4, 1.0, load=1)])
    assert ids == [2, 4, 3, 1]
    # 1 km × 1.3 ÷ 25 km/h = 3.1 min, plus 5 min to get going.
    assert round(found[0].eta_min, 1) == 8.1 and round(found[0].distance_km, 2) == 1.0


def test_who_can_make_the_deadline_comes_before_a_closer_one_who_cannot_matter_of_load():
    # Deadline in 20 minutes: 6 km takes 5 + 18.7 min (too late), 2 km takes 11.2 min.
    ids, found = ranked([row(1, 6.0), row(2, 2.0, load=2)], due_in_min=20)
    assert ids == [2, 1]
    assert [c.can_meet for c in found] == [True, False]


def test_nobody_can_make_it_then_the_fastest_goes_first():
    ids, found = ranked([row(1, 30.0), row(2, 20.0)], due_in_min=10)
    assert ids == [2, 1] and not any(c.can_meet for c in found)


def test_skills_all_or_any():
    rows = [row(1, 1.0, skills=("roads",)), row(2, 2.0, skills=("roads", "civil")), row(3, 0.5, skills=())]
    assert ranked(rows, skills=("roads", "civil"))[0] == [2]
    any_policy = Policy(skills_match="any")
    assert ranked(rows, skills=("roads", "civil"), policy=any_policy)[0] == [1, 2]


def test_off_duty_away_and_full_are_not_candidates():
    rows = [
        row(1, 1.0, available=False),
        row(2, 1.0, available=False, away=True),
        row(3, 1.0, load=3, max_load=3),
        row(4, 9.0),
    ]
    assert ranked(rows)[0] == [4]


def test_an_away_technician_hands_over_to_his_substitute_even_without_the_skill():
    rows = [
        row(1, 0.5, available=False, away=True, substitute_id=2),
        row(2, 3.0, skills=("civil",)),  # same post, other skills on file
        row(3, 4.0),
    ]
    ids, found = ranked(rows)
    assert ids == [2, 3]
    assert found[0].stands_in_for_id == 1 and found[1].stands_in_for_id is None


def test_a_qualified_substitute_is_flagged_and_ranked_where_the_absent_one_would_have_been():
    rows = [
        row(1, 0.5, available=False, away=True, substitute_id=7),  # 张建国, on leave, nearest
        *[row(i, 1.0 + i) for i in range(2, 7)],
        row(7, 12.0),  # 胡军: qualified himself, but far; he stands in for 张建国
    ]
    ids, found = ranked(rows)
    assert ids[0] == 7 and found[0].stands_in_for_id == 1
    assert found[0].eta_min > found[1].eta_min  # his own ETA is the one shown
    assert all(c.stands_in_for_id is None for c in found[1:])


def test_the_substitute_chain_skips_colleagues_who_are_away_too():
    rows = [
        row(1, 0.5, available=False, away=True, substitute_id=2),
        row(2, 0.5, available=False, away=True, substitute_id=3, skills=()),
        row(3, 6.0, skills=()),
    ]
    ids, found = ranked(rows)
    assert ids == [3] and found[0].stands_in_for_id == 1


def test_a_substitute_who_is_full_or_in_a_cycle_of_absentees_stands_in_for_nobody():
    full = [row(1, 0.5, available=False, away=True, substitute_id=2), row(2, 1.0, skills=(), load=3)]
    assert ranked(full)[0] == []
    cycle = [
        row(1, 0.5, available=False, away=True, substitute_id=2),
        row(2, 0.5, available=False, away=True, substitute_id=1),
    ]
    assert ranked(cycle)[0] == []


def test_excluded_technicians_and_unknown_positions():
    rows = [row(1, 1.0), row(2, 2.0), TechnicianRow(3, None, None, ("water",), True, False, 0, 3)]
    ids, found = ranked(rows, exclude=[1])
    assert ids == [2, 3]
    assert found[1].eta_min == float("inf") and not found[1].can_meet


def test_without_a_deadline_everyone_can_make_it():
    ids, found = ranked([row(1, 50.0), row(2, 10.0)], due_in_min=None)
    assert ids == [2, 1] and all(c.can_meet for c in found)


def test_two_thousand_technicians_rank_in_one_vectorised_pass():
    rng = np.random.default_rng(7)
    rows = [
        row(i, float(rng.uniform(-30, 30)), skills=("water",) if i % 3 else ("sewer",), load=int(i % 4))
        for i in range(1, 2001)
    ]
    ids, found = ranked(rows, limit=5)
    assert len(ids) == 5
    etas = [c.eta_min for c in found]
    assert etas == sorted(etas) and all(c.load < 3 for c in found)


def test_roster_from_the_database_reads_leave_load_and_depot_position(db):
    org = county(db)
    other = make_org()
    away = make_technician(org, leave_until=NOW + timedelta(days=2), last_lat=None, last_lon=None)
    on_leave = make_technician(org, duty_status=DutyStatus.ON_LEAVE)
    busy = make_technician(org)
    import sqlalchemy as sa

    from dispatch.geo.models import Depot

    depot = db.scalar(sa.select(Depot).where(Depot.code == "XY-D01"))
    at_depot = make_technician(org, last_lat=None, last_lon=None, home_depot_id=depot.id)
    make_technician(other)
    order = make_order(org)
    for action in ("locate", "queue"):
        lifecycle.transition(db, order, action, Actor(Channel.CONSOLE))
    order.assignee_id = busy.id
    lifecycle.transition(db, order, "accept", Actor(Channel.CONSOLE))

    roster = load_roster(db, org.id, NOW)
    assert sorted(roster.ids.tolist()) == sorted([away.id, on_leave.id, busy.id, at_depot.id])
    k = roster.index
    assert roster.away[k[away.id]] and not roster.available[k[away.id]]
    assert roster.away[k[on_leave.id]]
    assert roster.load[k[busy.id]] == 1
    assert roster.lat[k[at_depot.id]] == depot.lat and roster.position_source[k[at_depot.id]] == "depot"
    # Leave that has ended is no leave.
    assert not load_roster(db, org.id, NOW + timedelta(days=3)).away[k[away.id]]
