"""Progress recorded from the console meets or starts the deadlines that wait for it."""

from datetime import datetime
from zoneinfo import ZoneInfo

from dispatch import clock
from dispatch.orders.models import WorkOrder
from tests.console.conftest import placed_order

CST = ZoneInfo("Asia/Shanghai")


def _milestones(db, order):
    db.rollback()
    return {m.name: m for m in db.get(WorkOrder, order.id).milestones}


def test_paperwork_complete_starts_the_installation_clock_and_the_review_is_met(client, auth, db, county):
    clock.freeze(datetime(2026, 9, 30, 9, 0, tzinfo=CST))
    order = placed_order(county.org, type_code="water_connection", owner_id=county.dispatcher.id)
    db.commit()
    assert _milestones(db, order)["install_start"].due_at is None
    auth.login("disp")
    page = client.get(f"/console/orders/{order.reference}").get_data(as_text=True)
    assert 'value="paperwork_complete"' in page and 'value="review_decided"' in page
    assert 'value="install_started"' not in page  # its clock has not started: nothing to meet yet

    clock.freeze(datetime(2026, 10, 9, 10, 0, tzinfo=CST))
    version = db.get(WorkOrder, order.id).version
    client.post(
        f"/console/orders/{order.reference}/progress", data={"kind": "review_decided", "version": version}
    )
    version = db.get(WorkOrder, order.id).version
    client.post(
        f"/console/orders/{order.reference}/progress", data={"kind": "paperwork_complete", "version": version}
    )
    milestones = _milestones(db, order)
    assert milestones["review"].met_at is not None and milestones["review"].breached_at is None
    install = milestones["install_start"]
    # Three working days after Friday 9 October, the day itself not counted: Saturday 10 October (a
    # make-up working day after National Day), Monday 12, Tuesday 13 — at close of business.
    assert install.due_at.astimezone(CST) == datetime(2026, 10, 13, 17, 30, tzinfo=CST)


def test_progress_nobody_awaits_is_refused(client, auth, db, county):
    order = placed_order(
        county.org, type_code="hot_issue", reporter_phone="+8613812345678", owner_id=county.dispatcher.id
    )
    db.commit()
    auth.login("disp")
    response = client.post(f"/console/orders/{order.reference}/progress", data={"kind": "install_started"})
    assert response.status_code == 400  # not awaited on a hot issue
    db.rollback()
    assert [e.kind for e in db.get(WorkOrder, order.id).events][-1] != "install_started"


def test_another_organisations_order_is_not_found(client, auth, db, county):
    order = placed_order(county.other, type_code="water_connection")
    db.commit()
    auth.login("disp")
    assert (
        client.post(
            f"/console/orders/{order.reference}/progress", data={"kind": "review_decided"}
        ).status_code
        == 404
    )
