"""Work-order references: WO-YYYY-NNNNNN, numbered per year, never handed out twice — also when
intakes run at the same moment in several connections."""

from __future__ import annotations

import re
import threading
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from dispatch.orders.lifecycle import Actor
from dispatch.orders.models import Channel, WorkOrder
from dispatch.orders.service import create_order
from tests.factories import make_org

CST = ZoneInfo("Asia/Shanghai")


def _new(session: Session, org_id: int, year: int) -> str:
    order = create_order(
        session,
        org_id=org_id,
        type_code="water_leak",
        channel=Channel.API,
        actor=Actor(Channel.API),
        reported_at=datetime(year, 6, 1, 9, 0, tzinfo=CST),
    )
    return order.reference


def test_references_count_up_per_year(db):
    org = make_org()
    first, second = _new(db, org.id, 2031), _new(db, org.id, 2031)
    other_year = _new(db, org.id, 2032)
    db.commit()
    assert re.fullmatch(r"WO-2031-\d{6}", first) and re.fullmatch(r"WO-2032-\d{6}", other_year)
    assert int(second[-6:]) == int(first[-6:]) + 1
    # The reference read back from the database is the one the intake was given.
    stored = db.scalars(sa.select(WorkOrder.reference).order_by(WorkOrder.id)).all()
    assert stored == [first, second, other_year]


@pytest.mark.postgres_only
def test_concurrent_intakes_never_share_a_reference(app, db):
    org_id = make_org().id
    # A first report alone: it also creates the row that numbers timeline events at commit.
    found: list[str] = [_new(db, org_id, 2033)]
    db.commit()
    engine = db.get_bind()
    per_thread, threads = 15, 6
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(threads)

    def intake() -> None:
        try:
            start.wait()
            for _ in range(per_thread):
                with app.app_context(), Session(engine) as session:
                    reference = _new(session, org_id, 2033)
                    session.commit()
                with lock:
                    found.append(reference)
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)

    workers = [threading.Thread(target=intake) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert not errors
    assert len(found) == per_thread * threads + 1 == len(set(found))
    assert all(re.fullmatch(r"WO-2033-\d{6}", ref) for ref in found)
    stored = db.scalars(sa.select(WorkOrder.reference).where(WorkOrder.reference.like("WO-2033-%"))).all()
    assert sorted(stored) == sorted(found)
