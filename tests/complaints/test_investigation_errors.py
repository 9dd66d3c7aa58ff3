"""A refused investigation (or registration) comes back as the complaint's page, with the reason
beside the field in the reader's language and everything typed still there; nothing is saved."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from dispatch.auth.models import Role
from dispatch.complaints.models import Complaint
from dispatch.extensions import db
from dispatch.orders.models import Status, WorkOrder
from tests.factories import make_org, make_technician, make_user
from tests.kpi.helpers import order

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-CN"}

TYPED = {
    "classification": "service_conduct",
    "root_cause": "Technician in a hurry",
    "responsible_department": "Water repair team",
    "corrective_action": "Talk with the team",
    "cost_borne_by": "Water repair team",
}


@pytest.fixture
def complaint(app, client, auth):
    org = make_org("xinye")
    make_user(org, Role.SUPERVISOR, username="boss")
    tech = make_technician(org, name="Li Wei")
    served = order(org, status=Status.CLOSED, assignee_id=tech.id)
    db.session.commit()
    auth.login("boss")
    client.post(
        "/complaints/",
        data={"channel": "phone", "concerns": served.reference, "statement": "Rude and messy."},
    )
    return db.session.scalar(sa.select(Complaint))


def _investigate(client, complaint, cost, headers):
    return client.post(
        f"/complaints/{complaint.id}/investigation", data={**TYPED, "cost_cny": cost}, headers=headers
    )


def _nothing_saved(complaint):
    db.session.expire_all()
    saved = db.session.get(Complaint, complaint.id)
    assert saved.root_cause is None and saved.cost_cny is None and saved.classification is None


@pytest.mark.parametrize(
    ("cost", "message"),
    [
        ("abc", "The cost is a number of yuan."),
        ("-50", "The cost cannot be negative."),
        ("NaN", "The cost is a number of yuan."),
        ("1e12", "The cost is too large"),
    ],
)
def test_a_wrong_cost_is_shown_beside_the_form_with_what_was_typed(client, complaint, cost, message):
    response = _investigate(client, complaint, cost, EN)

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page and 'class="field-error"' in page
    assert 'id="complaint-investigation"' in page  # the complaint's page, not a bare error
    for value in TYPED.values():
        assert value in page
    assert f'name="cost_cny" inputmode="decimal" value="{cost}" aria-invalid="true"' in page
    assert '<option value="service_conduct" selected>' in page
    _nothing_saved(complaint)


def test_a_right_cost_is_saved(client, complaint):
    assert _investigate(client, complaint, " 50.5 ", EN).status_code == 302
    db.session.expire_all()
    assert str(db.session.get(Complaint, complaint.id).cost_cny) == "50.50"


@pytest.mark.parametrize(
    ("cost", "message"), [("abc", "费用须填写金额数字（元）。"), ("-50", "费用不能为负数。")]
)
def test_the_cost_errors_are_said_in_chinese(client, complaint, cost, message):
    """Passes once the catalog has the translations."""
    response = _investigate(client, complaint, cost, ZH)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page and "The cost" not in page
    assert "Technician in a hurry" in page
    _nothing_saved(complaint)


def test_an_unknown_work_order_keeps_the_new_complaint_typed(client, complaint):
    response = client.post(
        "/complaints/",
        data={"channel": "letter", "name": "Zhao", "concerns": "WO-1999-000001", "statement": "Never came."},
        headers=EN,
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "No work order with this reference." in page and 'id="complaint-register"' in page
    assert 'value="Zhao"' in page and "Never came." in page and 'value="WO-1999-000001"' in page
    assert '<option value="letter" selected>' in page
    complaints = sa.select(sa.func.count(WorkOrder.id)).where(WorkOrder.type_code == "complaint")
    assert db.session.scalar(complaints) == 1
