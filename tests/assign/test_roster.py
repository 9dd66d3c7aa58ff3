"""The roster operations: leave with a substitute, duty, position — within one organisation only."""

from datetime import timedelta

import pytest

from dispatch import clock
from dispatch.assign import roster
from dispatch.assign.models import DutyStatus, Offer
from dispatch.assign.ranking import current_loads
from dispatch.errors import DomainError, NotFound
from dispatch.orders.models import Status
from tests.factories import make_order, make_org, make_technician


@pytest.fixture
def crew(db):
    org, other = make_org(), make_org()
    return org, make_technician(org), make_technician(org), make_technician(other)


def test_leave_with_a_substitute(db, crew):
    org, a, b, _ = crew
    until = clock.now() + timedelta(days=3)
    roster.set_leave(db, org.id, a.id, until, substitute_id=b.id)
    db.commit()
    db.rollback()
    assert a.duty_status is DutyStatus.ON_LEAVE and a.leave_until == until and a.substitute_id == b.id
    assert roster.stands_in_for(db, org.id) == {b.id: [a]}


def test_leave_must_end_in_the_future(db, crew):
    org, a, _, _ = crew
    with pytest.raises(DomainError):
        roster.set_leave(db, org.id, a.id, clock.now() - timedelta(minutes=1))
    assert a.duty_status is DutyStatus.ON_DUTY


def test_the_substitute_cannot_be_on_leave_too_or_oneself(db, crew):
    org, a, b, _ = crew
    roster.set_leave(db, org.id, b.id, clock.now() + timedelta(days=1))
    with pytest.raises(DomainError, match="on leave too"):
        roster.set_leave(db, org.id, a.id, clock.now() + timedelta(days=1), substitute_id=b.id)
    with pytest.raises(DomainError):
        roster.set_substitute(db, org.id, a.id, a.id)


def test_another_organisations_technician_is_not_found(db, crew):
    org, a, _, stranger = crew
    with pytest.raises(NotFound):
        roster.set_position(db, org.id, stranger.id, 32.5, 112.3)
    with pytest.raises(NotFound):
        roster.set_substitute(db, org.id, a.id, stranger.id)
    with pytest.raises(NotFound):
        roster.set_leave(db, org.id, a.id, clock.now() + timedelta(days=1), substitute_id=stranger.id)
    assert a.substitute_id is None


def test_duty_ends_a_leave_and_leave_is_not_a_duty(db, crew):
    org, a, _, _ = crew
    roster.set_leave(db, org.id, a.id, clock.now() + timedelta(days=1))
    roster.set_duty(db, org.id, a.id, DutyStatus.OFF_DUTY)
    assert a.duty_status is DutyStatus.OFF_DUTY and a.leave_until is None
    with pytest.raises(DomainError):
        roster.set_duty(db, org.id, a.id, DutyStatus.ON_LEAVE)


def test_position_is_checked_and_stamped(db, crew):
    org, a, _, _ = crew
    with pytest.raises(DomainError):
        roster.set_position(db, org.id, a.id, 95, 112)
    roster.set_position(db, org.id, a.id, 32.6, 112.4)
    assert (a.last_lat, a.last_lon, a.last_position_source) == (32.6, 112.4, "console")
    assert a.last_position_at is not None


def test_load_is_the_one_definition_held_jobs_not_done_plus_pending_offers(db, crew):
    org, a, b, _ = crew

    def order_in(status, **fields):
        order = make_order(org, **fields)
        order.status = status
        return order

    order_in(Status.ACCEPTED, assignee_id=a.id)
    order_in(Status.WORK_DONE, assignee_id=a.id)  # done: no load
    order_in(Status.CANCELLED, assignee_id=a.id)
    offered = order_in(Status.OFFERED)
    db.add(Offer(org_id=org.id, work_order_id=offered.id, technician_id=b.id, expires_at=clock.now()))
    db.flush()
    assert roster.loads(db, org.id) == {a.id: 1, b.id: 1} == current_loads(db, org.id)
