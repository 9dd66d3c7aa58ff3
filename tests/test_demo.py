"""The demo data: both organisations, usable logins, technicians with substitutes, the registry."""

import sqlalchemy as sa

from dispatch.assign.models import AssigneeKind, Technician
from dispatch.auth.models import DutyShift, Organisation
from dispatch.auth.service import supervisor_on_duty
from dispatch.demo import DEMO_PASSWORD, DEMO_USERS, load_demo
from dispatch.geo.models import AssetKind, Customer, Depot


def test_demo_loads_two_organisations_with_their_people_and_places(db, client):
    load_demo(db)
    db.commit()
    orgs = {o.code: o for o in db.scalars(sa.select(Organisation))}
    assert set(orgs) == {"xinye", "zycoach"}

    county_techs = db.scalars(sa.select(Technician).where(Technician.org_id == orgs["xinye"].id)).all()
    assert len(county_techs) >= 20
    assert sum(1 for t in county_techs if t.substitute_id) >= 15
    stations = db.scalars(sa.select(Technician).where(Technician.kind == AssigneeKind.STATION)).all()
    assert stations and all(s.org_id == orgs["zycoach"].id for s in stations)

    coaches = db.scalar(sa.select(sa.func.count()).where(Customer.kind == AssetKind.VEHICLE))
    meters = db.scalar(sa.select(sa.func.count()).where(Customer.kind == AssetKind.METER))
    assert coaches >= 200 and meters >= 50
    assert db.scalar(sa.select(sa.func.count(Depot.id)).where(Depot.org_id == orgs["xinye"].id)) >= 4
    assert db.scalar(sa.select(sa.func.count(DutyShift.id))) > 0
    assert supervisor_on_duty(db, orgs["xinye"].id) is not None

    for _org, username, *_ in DEMO_USERS:
        response = client.post("/login", data={"username": username, "password": DEMO_PASSWORD})
        assert response.status_code == 302, username
        client.post("/logout")
