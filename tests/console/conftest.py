"""Console fixtures: an organisation with a dispatcher and placed orders with milestones."""

from types import SimpleNamespace

import pytest

from dispatch.auth.models import Role
from dispatch.geo.placing import sync_depots
from dispatch.intake.placing import place_order
from dispatch.orders.lifecycle import Actor
from dispatch.sla.service import apply_rules
from tests.factories import make_order, make_org, make_technician, make_user


def placed_order(org, lat=32.52, lon=112.36, type_code="water_leak", **fields):
    order = make_order(org, type_code=type_code, **fields)
    apply_rules(_db(), order)
    place_order(_db(), order, lat, lon, source="gazetteer", precision="street", actor=Actor.system())
    return order


def _db():
    from dispatch.extensions import db

    return db.session


@pytest.fixture
def county(db):
    """The demo county's code (so service_area.geojson places its orders) and a second org."""
    org = make_org("xinye")
    other = make_org("zycoach")
    ns = SimpleNamespace(
        org=org,
        other=other,
        dispatcher=make_user(org, Role.DISPATCHER, username="disp", full_name="王调度"),
        admin=make_user(org, Role.ADMIN, username="adm", full_name="系统管理员"),
        warehouse=make_user(org, Role.WAREHOUSE, username="ware", full_name="赵库管"),
        stranger=make_user(other, Role.DISPATCHER, username="stranger"),
        tech=make_technician(org, name="张师傅"),
    )
    sync_depots(db, {"xinye": org, "zycoach": other})
    db.commit()
    return ns
