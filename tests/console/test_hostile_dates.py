"""The console's date fields refuse years outside 1900–2100 with a clear message, never a 500."""

import pytest


@pytest.mark.parametrize("until", ["0001-01-01T08:00", "9999-12-31T23:59"])
def test_leave_until_an_impossible_year_is_refused(client, auth, db, county, until):
    auth.login("disp")
    response = client.post(f"/console/technicians/{county.tech.id}/leave", data={"until": until})
    assert response.status_code == 400
    db.rollback()
    assert county.tech.duty_status.value != "on_leave"
