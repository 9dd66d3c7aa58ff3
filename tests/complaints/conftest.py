"""The county with a dispatcher, a supervisor, a technician and a job he finished: what a
complaint is registered about."""

from __future__ import annotations

import pytest

from dispatch.auth.models import Role
from dispatch.extensions import db
from dispatch.orders.models import Status
from tests.factories import make_org, make_technician, make_user
from tests.kpi.helpers import order


@pytest.fixture
def county(app):
    org = make_org("xinye")
    make_user(org, Role.DISPATCHER, username="desk")
    make_user(org, Role.SUPERVISOR, username="boss", full_name="Wang Supervisor")
    tech = make_technician(org, name="Li Wei")
    served = order(org, status=Status.CLOSED, assignee_id=tech.id)
    db.session.commit()
    return org, tech, served
