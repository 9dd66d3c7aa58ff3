"""The live stream follows commit order: an event whose transaction commits after a later-numbered
one was already sent still reaches the page."""

import pytest
from sqlalchemy.orm import Session

from dispatch.console import live
from dispatch.orders.lifecycle import Actor, record
from dispatch.orders.models import Event, WorkOrder
from tests.console.conftest import placed_order


def test_numbers_follow_commits_and_resume_after_the_last_one_sent(db, county):
    order = placed_order(county.org)
    db.commit()
    sent = live.events_after(db, county.org.id, 0, frozenset())
    record(db, order, "note", Actor.system(), note="later")
    db.commit()
    more = live.events_after(db, county.org.id, sent[-1].id, frozenset())
    assert [e.kind for e in more] == ["note"] and more[0].id == live.last_event_id(db, county.org.id)


@pytest.mark.postgres_only
def test_an_event_committed_out_of_id_order_is_still_streamed(db, county):
    order = placed_order(county.org)
    db.commit()
    cursor = live.last_event_id(db, county.org.id)
    bind = db.get_bind()
    with Session(bind=bind) as slow, Session(bind=bind) as quick:
        early = record(slow, slow.get(WorkOrder, order.id), "note", Actor.system(), note="slow")
        slow.flush()  # takes the lower id, commits last
        late = record(quick, quick.get(WorkOrder, order.id), "note", Actor.system(), note="quick")
        quick.flush()
        assert early.id < late.id
        quick.commit()

        db.rollback()
        first = live.events_after(db, county.org.id, cursor, frozenset())
        assert [e.id for e in first] and len(first) == 1
        cursor = first[-1].id  # what the browser sends back as Last-Event-ID

        slow.commit()
    db.rollback()
    second = live.events_after(db, county.org.id, cursor, frozenset())
    assert len(second) == 1
    notes = {e.id: e.note for e in db.query(Event).filter(Event.seq.in_([first[0].id, second[0].id]))}
    assert sorted(notes.values()) == ["quick", "slow"]
