"""The work-order page says what a dispatcher must know: a landline caller must be called, the
asset of a coach order, a place by name."""

import sqlalchemy as sa

from dispatch.sms.models import OutboxMessage as Outbox
from tests.console.conftest import placed_order

EN = {"Accept-Language": "en"}


def test_a_landline_caller_is_flagged_to_be_called_and_no_text_is_queued(client, auth, db, county):
    order = placed_order(county.org, reporter_phone="+8637766221750", owner_id=county.dispatcher.id)
    mobile = placed_order(county.org, reporter_phone="+8613812345678", owner_id=county.dispatcher.id)
    db.commit()
    auth.login("disp")
    page = client.get(f"/console/orders/{order.reference}", headers=EN).get_data(as_text=True)
    assert 'id="must-call"' in page and "call them" in page
    other = client.get(f"/console/orders/{mobile.reference}", headers=EN).get_data(as_text=True)
    assert 'id="must-call"' not in other
    page = client.get(f"/console/orders/{order.reference}", headers=EN).get_data(as_text=True)
    csrf = page.split('name="csrf_token" value="')[1].split('"')[0]
    client.post(
        f"/console/orders/{order.reference}/message",
        data={"csrf_token": csrf, "body": "hello", "version": order.version},
        headers=EN,
    )
    db.rollback()
    assert db.scalars(sa.select(Outbox).where(Outbox.recipient == "+8637766221750")).all() == []
