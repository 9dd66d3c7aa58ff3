"""Staff accountability: counts per staff member, the seed's flags, and who may see them."""

from __future__ import annotations

import pytest

from dispatch import clock
from dispatch.auth.models import Role
from dispatch.complaints.accountability import head_flags, issue, staff_figures
from dispatch.extensions import db
from dispatch.geo.models import Depot, SiteKind
from tests.factories import make_org, make_technician, make_user
from tests.kpi.helpers import SERVICE, at, complaint, order


@pytest.fixture
def county(app):
    clock.freeze(at("2026-11-20T12:00"))
    org = make_org("xinye")
    depot = Depot(
        org_id=org.id,
        code="d1",
        kind=SiteKind.DEPOT,
        name_zh="城关站",
        name_en="Town depot",
        lat=32.5,
        lon=112.3,
    )
    db.session.add(depot)
    db.session.flush()
    users = {
        role: make_user(org, role, username=role.value, full_name=f"{role.value} person") for role in Role
    }
    rude = make_technician(org, name="Rude Ren", home_depot_id=depot.id)
    careful = make_technician(org, name="Careful Cao", home_depot_id=depot.id)
    for day in ("03", "09", "15"):
        complaint(org, order(org, assignee_id=rude.id), f"2026-11-{day}T10:00", True, SERVICE)
    # A complaint not upheld and one from last month do not count.
    complaint(org, None, "2026-11-16T10:00", False, SERVICE)
    complaint(org, None, "2026-10-30T10:00", True, SERVICE)
    from dispatch.complaints.models import Complaint

    for c in db.session.query(Complaint):
        if c.concerns is not None:
            c.technician_id = c.concerns.assignee_id
    c_old = db.session.query(Complaint).filter(Complaint.concerns_order_id.is_(None)).all()
    for c in c_old:
        c.technician_id = rude.id
    for reason in ("Shouted at a customer", "Left without cleaning up"):
        issue(
            db.session,
            org_id=org.id,
            technician_id=careful.id,
            kind="written",
            reason=reason,
            issued_by=users[Role.SUPERVISOR],
        )
    db.session.commit()
    return org, rude, careful, depot


def test_the_seeds_thresholds_raise_the_flags(county):
    org, rude, careful, depot = county
    rows = {r["name"]: r for r in staff_figures(db.session, org.id)}
    assert rows["Rude Ren"]["complaints"] == 3 and rows["Rude Ren"]["flags"] == ["suspension"]
    assert rows["Careful Cao"]["warnings"] == 2 and rows["Careful Cao"]["flags"] == ["no_excellence"]
    heads = head_flags(db.session, org.id)
    assert [(h["depot"].code, h["month"], h["year"]) for h in heads] == [("d1", 2, 2)]


def test_supervisors_and_admins_see_the_flags(county, client, auth):
    for role in (Role.SUPERVISOR, Role.ADMIN):
        auth.login(role.value)
        page = client.get("/complaints/staff", headers={"Accept-Language": "en"}).get_data(as_text=True)
        assert "suspension for study" in page and "no excellence rating this year" in page
        assert "Town depot" in page
        auth.logout()


@pytest.mark.parametrize("role", [Role.DISPATCHER, Role.TECHNICIAN, Role.WAREHOUSE])
def test_dispatchers_technicians_and_warehouse_staff_do_not(county, client, auth, role):
    auth.login(role.value)
    assert client.get("/complaints/staff").status_code == 403
    assert (
        client.post(
            "/complaints/staff/warnings", data={"technician_id": "1", "kind": "oral", "reason": "x"}
        ).status_code
        == 403
    )
    page = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert "suspension for study" not in page and "Staff accountability" not in page


def test_a_warning_is_recorded_with_its_self_examination(county, client, auth):
    org, rude, careful, depot = county
    auth.login("supervisor")
    client.post(
        "/complaints/staff/warnings", data={"technician_id": rude.id, "kind": "oral", "reason": "Late twice"}
    )
    page = client.get("/complaints/staff", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Late twice" in page and "supervisor person" in page
