"""Pins from the order page: a dispatcher pins a job to a technician (first in his plan), the
planner keeps it there, and the pin can be removed; an administrator's account cannot pin."""

from __future__ import annotations

from dispatch.orders.lifecycle import Actor, transition
from dispatch.orders.models import WorkOrder
from dispatch.plan import service
from dispatch.plan.models import PlanPin
from tests.console.conftest import county, placed_order  # noqa: F401  (fixture)
from tests.factories import make_technician

EN = {"Accept-Language": "en"}


def test_a_dispatcher_pins_a_job_first_and_removes_the_pin(client, auth, app, db, county):  # noqa: F811
    other = make_technician(county.org, name="李师傅", last_lat=32.60, last_lon=112.40)
    order = placed_order(county.org, owner_id=county.dispatcher.id)
    transition(db, order, "queue", Actor.system())  # offered to the nearer 张师傅 by the plan
    db.commit()
    auth.login("disp")
    page = client.get(f"/console/orders/{order.reference}", headers=EN).get_data(as_text=True)
    assert "Pin in the plan" in page and "李师傅" in page

    response = client.post(
        f"/console/orders/{order.reference}/plan-pin",
        data={"version": order.version, "technician": other.id, "first": "y"},
        headers=EN,
    )
    assert response.status_code == 302
    db.rollback()
    held = db.get(PlanPin, order.id)
    assert held.technician_id == other.id and held.first and held.by_user_id == county.dispatcher.id
    service.replan(db, county.org.id, budget_s=0.1)
    db.commit()
    assert [e.work_order_id for e in service.queues(db, county.org.id)[other.id]] == [order.id]
    assert county.tech.id not in service.queues(db, county.org.id)
    page = client.get(f"/console/orders/{order.reference}", headers=EN).get_data(as_text=True)
    assert "Pinned first in the plan of 李师傅." in page
    # The timeline and the offers say what happened in the reader's language, no internal words.
    zh = client.get(f"/console/orders/{order.reference}", headers={"Accept-Language": "zh"})
    text = zh.get_data(as_text=True)
    assert "调度员指定" in text and "计划调整" in text
    assert "plan_pinned" not in text and "re-planned" not in text

    version = db.get(WorkOrder, order.id).version
    response = client.post(f"/console/orders/{order.reference}/plan-unpin", data={"version": version})
    assert response.status_code == 302
    db.rollback()
    assert db.get(PlanPin, order.id) is None


def test_an_administrator_cannot_pin(client, auth, db, county):  # noqa: F811
    order = placed_order(county.org)
    db.commit()
    auth.login("adm")
    response = client.post(
        f"/console/orders/{order.reference}/plan-pin",
        data={"version": order.version, "technician": county.tech.id},
    )
    assert response.status_code == 403
