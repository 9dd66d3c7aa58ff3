"""Inbound messages are stored before they are acted on, once per message id."""

import pytest
import sqlalchemy as sa

from dispatch.sms import inbound
from dispatch.sms.models import InboundMessage


@pytest.fixture
def handlers():
    saved = dict(inbound._handlers), inbound._classifier
    yield inbound
    inbound._handlers.clear()
    inbound._handlers.update(saved[0])
    inbound._classifier = saved[1]


def test_stored_once_and_a_retry_gets_the_same_reply(db, handlers):
    calls = []

    def citizen(session, message):
        calls.append(message.body)
        return inbound.HandlerResult("收到，编号 WO-1")

    handlers.register_classifier(lambda s, sender: inbound.CITIZEN)
    handlers.register_handler(inbound.CITIZEN, citizen)
    first = inbound.receive(
        db, provider_id="SM1", sender="+8613900000000", recipient="+8637766221750", body="漏水"
    )
    again = inbound.receive(
        db, provider_id="SM1", sender="+8613900000000", recipient="+8637766221750", body="漏水"
    )
    assert calls == ["漏水"]
    assert first.id == again.id and again.reply == "收到，编号 WO-1"
    assert db.scalar(sa.select(sa.func.count(InboundMessage.id))) == 1


def test_a_failing_handler_keeps_the_message_and_answers_politely(db, handlers):
    def broken(session, message):
        raise RuntimeError("boom")

    handlers.register_classifier(lambda s, sender: inbound.TECHNICIAN)
    handlers.register_handler(inbound.TECHNICIAN, broken)
    message = inbound.receive(db, provider_id="SM2", sender="+8613800000001", recipient=None, body="DONE 123")
    db.rollback()
    stored = db.scalar(sa.select(InboundMessage).where(InboundMessage.provider_id == "SM2"))
    assert stored.body == "DONE 123" and "boom" in stored.error
    assert stored.sender_kind == "technician" and stored.reply == message.reply
    assert "dispatcher" in stored.reply


def test_without_handlers_a_citizen_gets_a_polite_answer_in_their_language(db, handlers):
    handlers._handlers.clear()
    handlers._classifier = None
    message = inbound.receive(db, provider_id="SM3", sender="+8613900000002", recipient=None, body="井盖丢了")
    assert message.reply == inbound.FALLBACK_REPLY["zh"]
