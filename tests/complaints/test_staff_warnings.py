"""Administrative warnings to console staff: a supervisor or administrator warns a dispatcher,
warehouse clerk or supervisor of the same organisation; two in a year take away the excellence
rating, as for technicians; the depot head's rule still counts its technicians; and the warned
do not see the flags."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from dispatch.auth.models import Role, User
from dispatch.complaints.accountability import WarningError, head_flags, issue, staff_figures
from dispatch.complaints.models import StaffWarning
from dispatch.extensions import db
from tests.complaints.test_accountability import county  # noqa: F401  (fixture)
from tests.factories import make_org, make_user


def _user(username: str) -> User:
    return db.session.scalar(sa.select(User).where(User.username == username))


def _row(org_id: int, name: str) -> dict:
    return {r["name"]: r for r in staff_figures(db.session, org_id)}[name]


def test_a_supervisor_warns_a_dispatcher_and_the_second_warning_raises_the_flag(county, client, auth):  # noqa: F811
    org, rude, careful, depot = county
    dispatcher = _user("dispatcher")
    auth.login("supervisor")
    form = {"staff": f"user:{dispatcher.id}", "kind": "oral", "reason": "Hung up on a caller"}
    assert client.post("/complaints/staff/warnings", data=form).status_code == 302
    assert _row(org.id, "dispatcher person")["warnings"] == 1
    assert _row(org.id, "dispatcher person")["flags"] == []
    page = client.get("/complaints/staff", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Hung up on a caller" in page and "dispatcher person" in page
    client.post("/complaints/staff/warnings", data={**form, "kind": "written", "reason": "Again"})
    row = _row(org.id, "dispatcher person")
    assert row["warnings"] == 2 and row["flags"] == ["no_excellence"] and row["breaches"] is None
    page = client.get("/complaints/staff", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    dispatcher_row = next(line for line in page.splitlines() if "dispatcher person</td>" in line)
    assert "调度员" in dispatcher_row and "本年度不得评优" in page


def test_an_admin_warns_warehouse_staff_and_supervisors(county):  # noqa: F811
    org, rude, careful, depot = county
    admin = _user("admin")
    for username in ("warehouse", "supervisor"):
        for reason in ("Late stock count", "Late again"):
            issue(
                db.session,
                org_id=org.id,
                user_id=_user(username).id,
                kind="oral",
                reason=reason,
                issued_by=admin,
            )
    db.session.commit()
    for name in ("warehouse person", "supervisor person"):
        assert _row(org.id, name)["flags"] == ["no_excellence"]
    # The depot head's rule counts the depot's technicians: still two warnings this month.
    assert [(h["depot"].code, h["month"], h["year"]) for h in head_flags(db.session, org.id)] == [
        ("d1", 2, 2)
    ]


def test_only_console_staff_of_the_same_organisation_and_never_oneself(county):  # noqa: F811
    org, rude, careful, depot = county
    supervisor = _user("supervisor")
    stranger = make_user(make_org("zycoach"), Role.DISPATCHER, username="far-away")
    for user_id in (stranger.id, _user("technician").id, supervisor.id):
        with pytest.raises(WarningError):
            issue(db.session, org_id=org.id, user_id=user_id, kind="oral", reason="x", issued_by=supervisor)
    with pytest.raises(WarningError):
        issue(db.session, org_id=org.id, kind="oral", reason="x", issued_by=supervisor)
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(StaffWarning).where(StaffWarning.user_id.is_not(None))
        )
        == 0
    )


@pytest.mark.parametrize("role", [Role.DISPATCHER, Role.TECHNICIAN, Role.WAREHOUSE])
def test_warned_staff_do_not_see_the_flags(county, client, auth, role):  # noqa: F811
    org, rude, careful, depot = county
    admin = _user("admin")
    for username in ("dispatcher", "warehouse"):
        for reason in ("one", "two"):
            issue(
                db.session,
                org_id=org.id,
                user_id=_user(username).id,
                kind="oral",
                reason=reason,
                issued_by=admin,
            )
    db.session.commit()
    auth.login(role.value)
    assert client.get("/complaints/staff").status_code == 403
    page = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert "no excellence rating this year" not in page and "本年度不得评优" not in page
