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


def test_the_order_page_shows_the_coach_it_is_about(client, auth, db, county):
    from dispatch.geo.models import AssetKind, Customer

    coach = Customer(
        org_id=county.org.id, kind=AssetKind.VEHICLE, account="LZYB908DXLZ123332", holder="南阳捷运",
        model="ZK6908H", mileage_km=363350, base_city="南阳", lat=32.52, lon=112.36,
    )  # fmt: skip
    db.add(coach)
    db.flush()
    order = placed_order(county.org, customer_id=coach.id, owner_id=county.dispatcher.id)
    db.commit()
    auth.login("disp")
    page = client.get(f"/console/orders/{order.reference}", headers=EN).get_data(as_text=True)
    asset = page.split('id="asset">')[1].split("</dd>")[0]
    assert (
        "LZYB908DXLZ123332" in asset and "ZK6908H" in asset and "南阳捷运" in asset and "363,350 km" in asset
    )
