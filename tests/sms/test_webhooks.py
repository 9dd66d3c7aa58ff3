"""Twilio's webhooks: only signed requests get in; each text acted on once; receipts in order."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from dispatch import signals
from dispatch.sms import inbound, outbox
from dispatch.sms.alerts import DeliveryAlert, open_alerts
from dispatch.sms.models import InboundMessage, OutboxMessage, SendState
from tests.factories import make_org, make_technician
from tests.fake_twilio import DEFAULT_AUTH_TOKEN, send_status_callback, signed_post

PUBLIC = "https://dispatch.example.org"
INBOUND_URL = f"{PUBLIC}/sms/inbound"
STATUS_URL = f"{PUBLIC}/sms/status"


@pytest.fixture
def twilio_app(make_app):
    """The app as deployed behind a proxy: Twilio calls PUBLIC, the app sees another host."""
    app = make_app(TWILIO_AUTH_TOKEN=DEFAULT_AUTH_TOKEN, PUBLIC_BASE_URL=PUBLIC, SMS_BACKEND="console")
    with app.app_context():
        yield app


@pytest.fixture
def hook(twilio_app, app):
    return twilio_app.test_client()


@pytest.fixture
def handlers():
    saved = dict(inbound._handlers), inbound._classifier
    calls = []

    def citizen(session, message):
        calls.append(message.body)
        return inbound.HandlerResult(f"收到 <{len(message.body)}> & 谢谢")

    inbound.register_classifier(lambda s, sender: inbound.CITIZEN)
    inbound.register_handler(inbound.CITIZEN, citizen)
    yield calls
    inbound._handlers.clear()
    inbound._handlers.update(saved[0])
    inbound._classifier = saved[1]


def _text(body="漏水了", sid="SM" + "a" * 32, sender="+8613900000001"):
    return {"MessageSid": sid, "SmsSid": sid, "From": sender, "To": "+8637766221750", "Body": body}


def _post_inbound(client, params, token=DEFAULT_AUTH_TOKEN, url=INBOUND_URL):
    request = signed_post("/sms/inbound", params, token, public_url=url)
    return client.post(request.url, data=request.data, headers=request.headers)


def _count(db, model):
    db.rollback()
    return db.scalar(sa.select(sa.func.count()).select_from(model))


# -- inbound -------------------------------------------------------------------------------


def test_a_signed_text_is_stored_acted_on_and_answered_with_twiml(hook, db, handlers):
    response = _post_inbound(hook, _text())
    assert response.status_code == 200 and response.mimetype == "text/xml"
    assert response.get_data(as_text=True) == (
        '<?xml version="1.0" encoding="UTF-8"?>'
        "<Response><Message>收到 &lt;3&gt; &amp; 谢谢</Message></Response>"
    )
    assert handlers == ["漏水了"] and _count(db, InboundMessage) == 1


def test_a_retried_delivery_gets_the_same_reply_and_changes_nothing(hook, db, handlers):
    first = _post_inbound(hook, _text())
    again = _post_inbound(hook, _text())
    assert again.status_code == 200 and again.data == first.data
    assert handlers == ["漏水了"] and _count(db, InboundMessage) == 1


@pytest.mark.parametrize(
    "headers",
    [{}, {"X-Twilio-Signature": ""}, {"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"}],
    ids=["missing", "empty", "forged"],
)
def test_unsigned_or_forged_texts_are_refused_and_nothing_is_stored(hook, db, handlers, headers):
    response = hook.post("/sms/inbound", data=_text(), headers=headers)
    assert response.status_code == 403
    assert handlers == [] and _count(db, InboundMessage) == 0


def test_a_signature_with_another_token_or_for_another_url_is_refused(hook, db, handlers):
    assert _post_inbound(hook, _text(), token="0" * 32).status_code == 403
    assert _post_inbound(hook, _text(), url="http://localhost/sms/inbound").status_code == 403
    tampered = signed_post("/sms/inbound", _text(), DEFAULT_AUTH_TOKEN, public_url=INBOUND_URL)
    tampered.data["Body"] = "something else"
    assert hook.post("/sms/inbound", data=tampered.data, headers=tampered.headers).status_code == 403
    assert _count(db, InboundMessage) == 0


def test_without_an_auth_token_the_webhooks_refuse_everything(make_app, db, handlers):
    app = make_app(TWILIO_AUTH_TOKEN="", PUBLIC_BASE_URL=PUBLIC)
    client = app.test_client()
    assert _post_inbound(client, _text()).status_code == 403
    response = send_status_callback(
        STATUS_URL, "SMx", "delivered", auth_token=DEFAULT_AUTH_TOKEN, post=client.post
    )
    assert response.status_code == 403


def test_a_long_body_emoji_and_an_empty_body_are_stored_and_answered(hook, db, handlers):
    long_body = "水" * 2000
    for n, body in enumerate([long_body, "井盖丢了 🚧🕳️", ""]):
        response = _post_inbound(hook, _text(body=body, sid=f"SM{n:032d}"))
        assert response.status_code == 200 and b"<Response>" in response.data
    db.rollback()
    bodies = db.scalars(sa.select(InboundMessage.body).order_by(InboundMessage.id)).all()
    assert bodies == [long_body, "井盖丢了 🚧🕳️", ""]


def test_a_handler_without_a_reply_gets_an_empty_response(hook, db, handlers):
    inbound.register_handler(inbound.CITIZEN, lambda s, m: inbound.HandlerResult(None))
    response = _post_inbound(hook, _text())
    assert response.data.endswith(b"<Response/>")


def test_a_signed_request_without_message_sid_is_a_clear_400(hook, db, handlers):
    params = _text()
    del params["MessageSid"], params["SmsSid"]
    assert _post_inbound(hook, params).status_code == 400
    assert _count(db, InboundMessage) == 0


def test_nul_and_control_characters_never_break_the_answer(hook, db, handlers):
    inbound.register_handler(inbound.CITIZEN, lambda s, m: inbound.HandlerResult(f"echo: {m.body}\x01"))
    response = _post_inbound(hook, _text(body="a\x00b"))
    assert response.status_code == 200
    assert response.get_data(as_text=True).endswith("<Message>echo: ab</Message></Response>")


# -- status callbacks ----------------------------------------------------------------------


def _sent_message(db, *, technician=None, org=None, sid="SM" + "b" * 32) -> OutboxMessage:
    message = outbox.enqueue(
        db,
        to=technician.phone if technician else "+8613900000009",
        body="任务 WO-1：书院路漏水",
        kind="offer",
        org_id=org.id if org else None,
        technician_id=technician.id if technician else None,
    )
    message.state = SendState.SENT
    message.provider_id = sid
    db.commit()
    return message


def _status(hook, sid, status, error_code=None):
    return send_status_callback(
        STATUS_URL,
        sid,
        status,
        error_code,
        auth_token=DEFAULT_AUTH_TOKEN,
        public_url=STATUS_URL,
        post=lambda url, **kw: hook.post(url.replace(PUBLIC, ""), **kw),
    )


def _reloaded(db, message_id) -> OutboxMessage:
    db.rollback()
    return db.get(OutboxMessage, message_id)


def test_receipts_are_kept_apart_from_the_send_state_and_never_go_backwards(hook, db):
    message = _sent_message(db)
    assert _status(hook, message.provider_id, "queued").status_code == 204
    assert _status(hook, message.provider_id, "delivered").status_code == 204
    assert _status(hook, message.provider_id, "sent").status_code == 204  # late
    stored = _reloaded(db, message.id)
    assert stored.state is SendState.SENT and stored.delivery_status == "delivered"
    assert stored.delivery_updated_at is not None


def test_an_undelivered_message_to_a_citizen_is_recorded_with_its_error_code(hook, db):
    message = _sent_message(db)
    _status(hook, message.provider_id, "undelivered", 30003)
    stored = _reloaded(db, message.id)
    assert stored.state is SendState.SENT
    assert stored.delivery_status == "undelivered" and stored.delivery_error_code == "30003"
    assert _count(db, DeliveryAlert) == 0


def test_an_undelivered_offer_to_a_technician_fails_the_send_once_and_alerts(hook, db):
    org = make_org()
    tech = make_technician(org)
    message = _sent_message(db, technician=tech, org=org)
    failed = []

    def on_failed(m, **_kw):
        failed.append(m.id)

    signals.outbox_failed.connect(on_failed)
    try:
        _status(hook, message.provider_id, "undelivered", 30005)
        _status(hook, message.provider_id, "failed", 30005)  # a second receipt for the same
        _status(hook, message.provider_id, "undelivered", 30005)  # Twilio retrying
    finally:
        signals.outbox_failed.disconnect(on_failed)
    stored = _reloaded(db, message.id)
    assert failed == [message.id]
    assert stored.state is SendState.FAILED and stored.error_code == "30005"
    assert stored.delivery_status == "undelivered"
    [alert] = open_alerts(db, org.id)
    assert alert.outbox_message_id == message.id and alert.technician_id == tech.id


@pytest.mark.parametrize("sid,status", [("SMunknown", "delivered"), ("SM" + "b" * 32, "exploded"), ("", "")])
def test_unknown_messages_and_statuses_are_acknowledged_and_change_nothing(hook, db, sid, status):
    message = _sent_message(db)
    response = _status(hook, sid, status)
    assert response.status_code == 204
    stored = _reloaded(db, message.id)
    assert stored.delivery_status is None and stored.state is SendState.SENT


def test_a_forged_status_callback_is_refused(hook, db):
    message = _sent_message(db)
    response = hook.post(
        "/sms/status",
        data={"MessageSid": message.provider_id, "MessageStatus": "failed"},
        headers={"X-Twilio-Signature": "AAAA"},
    )
    assert response.status_code == 403
    assert _reloaded(db, message.id).delivery_status is None


@pytest.mark.parametrize("field", ["From", "To", "Body", "MessageSid"])
def test_a_nul_in_any_field_of_a_signed_webhook_is_stripped_never_a_500(hook, db, field):
    params = {
        "MessageSid": "SM" + "0" * 31 + "7",
        "From": "+8613912345678",
        "To": "+8637766221750",
        "Body": "漏水",
    }
    params[field] = params[field][:-1] + "\x00" + params[field][-1]
    signed = signed_post("/sms/inbound", params, DEFAULT_AUTH_TOKEN, public_url=INBOUND_URL)
    assert hook.post(signed.url, data=signed.data, headers=signed.headers).status_code == 200
    receipt = {"MessageSid": params["MessageSid"], "MessageStatus": "deli\x00vered"}
    signed = signed_post("/sms/status", receipt, DEFAULT_AUTH_TOKEN, public_url=STATUS_URL)
    assert hook.post(signed.url, data=signed.data, headers=signed.headers).status_code == 204
