"""Two technicians answering the same broadcast at the same moment: exactly one gets the job,
the other is told it is taken, and the database holds one acceptance."""

import threading
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dispatch import clock
from dispatch.assign.models import Offer, OfferState
from dispatch.extensions import db as _db
from dispatch.orders.models import Event, Status, WorkOrder
from dispatch.sms import inbound
from tests.assign.helpers import HOTLINE, MORNING, TOWN, county, offers_of, report
from tests.factories import make_technician


def broadcast_job(db, n=3):
    org = county(db)
    techs = [
        # Too far to be on site within the accident's 30 minutes: it is broadcast.
        make_technician(
            org, skills=["inspection", "civil"], last_lat=TOWN[0] + (9 + k) / 111.2, last_lon=TOWN[1]
        )
        for k in range(1, n + 1)
    ]
    order = report(db, org, "safety_accident")
    db.commit()
    return techs, order


def answer_together(app, techs, body):
    """Every technician sends ``body`` at the same instant, each through his own session."""
    barrier = threading.Barrier(len(techs))
    replies: dict[int, str] = {}
    # Read in this thread: the objects belong to this thread's session.
    phones = {t.id: t.phone for t in techs}

    def send(tech_id):
        with app.app_context():
            try:
                barrier.wait(timeout=10)
                message = inbound.receive(
                    _db.session,
                    provider_id=f"SM{uuid.uuid4().hex}",
                    sender=phones[tech_id],
                    recipient=HOTLINE,
                    body=body,
                )
                replies[tech_id] = message.reply
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=send, args=(tech_id,)) for tech_id in phones]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return replies


def check_one_winner(db, techs, order, replies):
    db.rollback()
    order = db.get(WorkOrder, order.id)
    winners = [t for t in techs if replies[t.id].startswith(f"工单{order.job_code}归您了")]
    assert len(winners) == 1, replies
    losers = [t for t in techs if t not in winners]
    assert all("已被同事接走" in replies[t.id] for t in losers), replies
    assert order.status is Status.ACCEPTED and order.assignee_id == winners[0].id
    states = [o.state for o in offers_of(db, order)]
    assert states.count(OfferState.ACCEPTED) == 1 and states.count(OfferState.TAKEN) == len(techs) - 1
    accepts = db.scalars(sa.select(Event).where(Event.order_id == order.id, Event.kind == "accept")).all()
    assert len(accepts) == 1


def test_two_accepts_at_once_exactly_one_wins(app, db):
    clock.freeze(MORNING)
    techs, order = broadcast_job(db, n=2)
    replies = answer_together(app, techs, f"Y {order.job_code}")
    check_one_winner(db, techs, order, replies)


@pytest.mark.postgres_only
def test_broadcast_race_on_postgres_has_one_winner_each_time(app, db):
    clock.freeze(MORNING)
    techs, order = broadcast_job(db, n=3)
    replies = answer_together(app, techs, "接")
    check_one_winner(db, techs, order, replies)


@pytest.mark.postgres_only
def test_postgres_refuses_a_second_accepted_offer_for_one_order(app, db):
    clock.freeze(MORNING)
    techs, order = broadcast_job(db, n=2)
    engine = db.get_bind()
    ids = [o.id for o in offers_of(db, order)]
    with Session(engine) as first, Session(engine) as second:
        first.get(Offer, ids[0]).state = OfferState.ACCEPTED
        second.get(Offer, ids[1]).state = OfferState.ACCEPTED
        first.commit()
        with pytest.raises(IntegrityError):
            second.commit()
        second.rollback()
