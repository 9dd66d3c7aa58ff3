"""The complaint register: registered on the console, investigated, decided by a supervisor,
the result texted to the customer through the outbox — and counted by the complaint rate."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from dispatch import clock
from dispatch.complaints.models import Complaint
from dispatch.extensions import db
from dispatch.kpi.measures import Period, measure
from dispatch.kpi.targets import targets
from dispatch.sms.models import OutboxMessage
from tests.factories import make_org, make_technician


def _register(client, served):
    return client.post(
        "/complaints/",
        data={
            "channel": "phone",
            "name": "Zhang",
            "phone": "+8613912345678",
            "concerns": served.reference,
            "statement": "The plumber was rude and left the mess.",
        },
    )


def test_a_complaint_goes_from_registration_to_the_customers_sms(county, client, auth):
    org, tech, served = county
    auth.login("desk")
    assert _register(client, served).status_code == 302
    complaint = db.session.scalar(sa.select(Complaint))
    assert complaint.order.type_code == "complaint" and complaint.order.reference.startswith("WO-")
    assert complaint.concerns_order_id == served.id and complaint.technician_id == tech.id
    assert complaint.order.milestones, "a complaint has its own deadlines from the rules"

    url = f"/complaints/{complaint.id}"
    client.post(
        f"{url}/investigation",
        data={
            "classification": "service_conduct",
            "root_cause": "Technician in a hurry",
            "responsible_department": "Water repair team",
            "responsible_person": "Li Wei",
            "corrective_action": "Cleaned up; talk with the team",
            "cost_cny": "50",
            "cost_borne_by": "Water repair team",
        },
    )
    assert (
        client.post(f"{url}/decision", data={"upheld": "yes"}).status_code == 403
    )  # dispatchers don't decide
    client.post(f"{url}/feedback", data={"feedback": "We apologise; the team was spoken to."})
    sms = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.kind == "complaint_result"))
    assert sms.recipient == "+8613912345678" and "We apologise" in sms.body

    auth.logout()
    auth.login("boss")
    client.post(f"{url}/decision", data={"upheld": "yes"})
    page = client.get(url, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Wang Supervisor" in page and "Technician in a hurry" in page
    db.session.expire_all()
    complaint = db.session.get(Complaint, complaint.id)
    assert complaint.upheld is True and float(complaint.cost_cny) == 50

    today = clock.local(complaint.order.reported_at).date()
    period = Period(date(today.year, today.month, 1), today)
    rate = measure(db.session, org.id, period, targets(db.session, org.id))["complaint_rate"]
    assert rate["numerator"] == 1


def test_the_register_lists_complaints_for_the_console(county, client, auth):
    _org, _tech, served = county
    auth.login("desk")
    _register(client, served)
    page = client.get("/complaints/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "undecided" in page and served.reference in page


def test_another_organisations_technician_cannot_be_named(county, client, auth):
    _org, _tech, served = county
    stranger = make_technician(make_org("zycoach"), name="Stranger")
    db.session.commit()
    auth.login("desk")
    _register(client, served)
    complaint = db.session.scalar(sa.select(Complaint))
    response = client.post(f"/complaints/{complaint.id}/investigation", data={"technician_id": stranger.id})
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(Complaint, complaint.id).technician_id != stranger.id
