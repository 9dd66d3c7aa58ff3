"""The planning solver: promises first, then lateness, then travel — within the dispatcher's rules."""

from __future__ import annotations

import random

from dispatch.plan.solver import Job, Problem, Shift, Weights, Worker, plan

KM = 1 / 111.32  # degrees of latitude per km
LAT, LON = 32.52, 112.36
NOW = 10 * 3600
HOUR = 3600


def at(north_km: float, east_km: float = 0.0) -> tuple[float, float]:
    return LAT + north_km * KM, LON + east_km * KM * 1.19


def job(key, north_km, east_km=0.0, *, deadline_h=24.0, service_min=30, urgent=False, **kw) -> Job:
    lat, lon = at(north_km, east_km)
    return Job(key, lat, lon, "built_up", NOW - 60, NOW + deadline_h * HOUR, service_min * 60, urgent, **kw)


def worker(key, north_km, east_km=0.0, *, queue=(), **kw) -> Worker:
    lat, lon = at(north_km, east_km)
    return Worker(key, lat, lon, NOW, queue=tuple(queue), **kw)


def problem(jobs, workers, **kw) -> Problem:
    return Problem(NOW, {j.key: j for j in jobs}, workers, shift=Shift(), **kw)


def test_an_urgent_job_goes_ahead_of_a_24_hour_job_when_both_promises_hold():
    jobs = [job(1, 3.0), job(2, 1.0, deadline_h=1.0, urgent=True)]
    result = plan(problem(jobs, [worker(10, 0.0, queue=[1])]))
    assert result.queues[10] == [2, 1]
    assert result.late == set() and result.unplanned == []


def test_a_job_that_cannot_be_on_time_waits_behind_those_that_still_can():
    # job 1 is 12 km away with 20 minutes left: hopeless; jobs 2 and 3 are near and due in an hour
    jobs = [
        job(1, 12.0, deadline_h=1 / 3, urgent=True),
        job(2, 1.0, deadline_h=1.0, urgent=True),
        job(3, -1.0, deadline_h=1.2, urgent=True),
    ]
    result = plan(problem(jobs, [worker(10, 0.0, queue=[1, 2, 3])]), rounds=5)
    assert result.queues[10][-1] == 1
    assert result.late == {1}


def test_pins_hold_through_improvement():
    # job 1 is next to technician 20 but pinned to 10; job 2 is pinned first in 10's queue
    jobs = [job(1, 10.0, pinned_to=10), job(2, 5.0, pinned_to=10, pinned_first=True), job(3, 0.5)]
    workers = [worker(10, 0.0, queue=[3, 1, 2]), worker(20, 10.0)]
    result = plan(problem(jobs, workers), budget_s=0.2, rounds=20)
    assert result.queues[10][0] == 2
    assert 1 in result.queues[10]
    assert result.queues[20] == []


def test_a_technician_who_declined_never_gets_the_job_back():
    jobs = [job(1, 0.2, excluded=frozenset({10}))]
    workers = [worker(10, 0.0), worker(20, 8.0)]
    for result in (plan(problem(jobs, workers)), plan(problem(jobs, workers), rounds=20)):
        assert result.queues == {10: [], 20: [1]}


def test_a_job_goes_only_to_a_technician_with_its_skills():
    jobs = [job(1, 0.2, skills=frozenset({"sewer"})), job(2, 8.1)]
    workers = [worker(10, 0.0), worker(20, 8.0, skills=frozenset({"sewer"}))]
    result = plan(problem(jobs, workers), rounds=20)
    assert 1 in result.queues[20]


def test_a_full_plan_takes_no_more_jobs():
    jobs = [job(k, 0.1 * k) for k in range(1, 4)]
    workers = [worker(10, 0.0, max_jobs=1), worker(20, 15.0)]
    for result in (plan(problem(jobs, workers)), plan(problem(jobs, workers), rounds=20)):
        assert len(result.queues[10]) == 1
        assert sorted(result.queues[10] + result.queues[20]) == [1, 2, 3]


def test_a_job_no_technician_can_take_is_left_unplanned():
    jobs = [job(1, 0.5, skills=frozenset({"crane"})), job(2, 0.5)]
    result = plan(problem(jobs, [worker(10, 0.0), worker(20, 3.0)]), rounds=5)
    assert result.unplanned == [1]
    assert 1 not in result.queues[10] + result.queues[20]


def test_moves_are_counted_and_made_only_when_they_keep_a_promise():
    # technician 10 cannot reach both urgent jobs in time; 20 is idle next to job 2
    jobs = [job(1, 1.0, deadline_h=0.75, urgent=True), job(2, 9.0, deadline_h=0.75, urgent=True)]
    workers = [worker(10, 0.0, queue=[1, 2]), worker(20, 9.5)]
    result = plan(problem(jobs, workers), rounds=10)
    assert result.queues == {10: [1], 20: [2]}
    assert result.moves == 1 and result.late == set()
    # a move that saves a few hundred metres of driving is not worth two text messages
    jobs = [job(1, 1.0), job(2, 1.3)]
    workers = [worker(10, 0.0, queue=[1, 2]), worker(20, 1.6)]
    result = plan(problem(jobs, workers, weights=Weights(per_move=0.05)), rounds=10)
    assert result.queues == {10: [1, 2], 20: []} and result.moves == 0


def random_day(seed: int) -> Problem:
    rng = random.Random(seed)
    jobs = [
        job(k, rng.uniform(-10, 10), rng.uniform(-10, 10), deadline_h=rng.choice([1, 1, 24]), urgent=False)
        for k in range(40)
    ]
    workers = [worker(100 + w, rng.uniform(-5, 5), rng.uniform(-5, 5)) for w in range(5)]
    queues = {w.key: [] for w in workers}
    for j in jobs[:30]:
        queues[100 + rng.randrange(5)].append(j.key)
    workers = [Worker(w.key, w.lat, w.lon, w.free_s, queue=tuple(queues[w.key])) for w in workers]
    return problem(jobs, workers)


def test_the_same_problem_and_seed_give_the_same_plan():
    p = random_day(7)
    first, second = plan(p, rounds=15, seed=3), plan(p, rounds=15, seed=3)
    assert first.queues == second.queues and first.moves == second.moves


def test_improvement_never_makes_the_plan_worse_and_keeps_every_job_once():
    p = random_day(11)
    quick, better = plan(p), plan(p, rounds=30)
    assert better.cost <= quick.cost + 1e-9
    assert len(better.late) <= len(quick.late)
    assert sorted(k for q in better.queues.values() for k in q) == sorted(p.jobs)
