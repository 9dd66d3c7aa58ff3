"""Two issues racing for the last parts on PostgreSQL: the warehouse's row lock makes the second
wait, then read the stock the first left, and be refused — the shelf never goes negative."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from dispatch.assign.models import Technician
from dispatch.auth.models import User
from dispatch.parts import catalog, documents, ledger, locations
from dispatch.parts.errors import NotEnoughStock
from dispatch.parts.models import PartDocument


@pytest.mark.postgres_only
def test_two_issues_cannot_both_take_the_last_parts(app, demo, db):
    covers = catalog.find(db, demo.xinye.id, "C-4001")
    warehouse = locations.warehouse(db, demo.xinye.id)
    have = ledger.on_hand_of(db, warehouse.id, covers.id)
    wanted = have // 2 + 1
    techs = list(db.scalars(sa.select(Technician).where(Technician.code.in_(["XY-T03", "XY-T04"]))))
    ids = []
    for tech in techs:
        requisition = documents.request_parts(db, tech, None, [(covers, wanted)])
        documents.approve(db, requisition, demo.users["supervisor"])
        ids.append(requisition.id)
    db.commit()
    engine = db.get_bind()
    clerk_id = demo.users["warehouse"].id
    outcome = {}

    def second_clerk(session: Session) -> None:
        with app.app_context():
            try:
                documents.issue(session, session.get(PartDocument, ids[1]), session.get(User, clerk_id))
                session.commit()
                outcome["second"] = "issued"
            except NotEnoughStock:
                session.rollback()
                outcome["second"] = "refused"

    with Session(engine) as first, Session(engine) as second:
        documents.issue(first, first.get(PartDocument, ids[0]), first.get(User, clerk_id))  # holds the lock
        thread = threading.Thread(target=second_clerk, args=(second,))
        thread.start()
        thread.join(timeout=1)
        assert thread.is_alive(), "the second issue should wait for the first"
        first.commit()
        thread.join(timeout=30)
    assert outcome == {"second": "refused"}
    db.rollback()
    assert ledger.on_hand_of(db, warehouse.id, covers.id) == have - wanted
