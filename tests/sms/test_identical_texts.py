"""Two identical texts to the same number queued close together: the look-up before a resend
never takes one for the other's send, through the official client against the Twilio fake."""

from datetime import timedelta

import sqlalchemy as sa

from dispatch import clock
from dispatch.sms import outbox
from dispatch.sms.gateway import create_gateway
from dispatch.sms.models import OutboxMessage, SendState

POLICY = outbox.OutboxPolicy(batch_size=50, max_attempts=6, backoff_base_s=10, backoff_max_s=100)
CITIZEN = "+8613912345678"
TEXT = "您的报修WO-2026-000123已受理，我们将在1小时内到场。"


def _messages(db):
    db.rollback()
    return list(db.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def test_the_look_up_after_a_timeout_finds_its_own_send_not_the_twins(db, fake_twilio):
    clock.freeze(clock.now())
    outbox.enqueue(db, to=CITIZEN, body=TEXT)
    outbox.enqueue(db, to=CITIZEN, body=TEXT)
    db.commit()
    gateway = create_gateway("twilio", fake_twilio.config(TWILIO_TIMEOUT_S=0.5))
    try:
        fake_twilio.hang_next(seconds=3)  # the first reaches Twilio, its answer never comes back
        outbox.deliver_due(db, gateway, POLICY, "w1")
        first, second = _messages(db)
        assert first.state is SendState.UNCERTAIN and second.state is SendState.SENT
        clock.advance(timedelta(seconds=60))
        patient = create_gateway("twilio", fake_twilio.config(TWILIO_TIMEOUT_S=10))
        try:
            outbox.deliver_due(db, patient, POLICY, "w1")
        finally:
            patient.close()
    finally:
        gateway.close()
    first, second = _messages(db)
    at_twilio = [m["sid"] for m in fake_twilio.messages]
    assert len(at_twilio) == 2  # nothing sent twice
    assert first.state is SendState.SENT and first.provider_id == at_twilio[0]
    assert second.provider_id == at_twilio[1] != first.provider_id


def test_a_text_that_never_arrived_is_sent_even_when_its_twin_did(db, fake_twilio):
    clock.freeze(clock.now())
    outbox.enqueue(db, to=CITIZEN, body=TEXT)
    outbox.enqueue(db, to=CITIZEN, body=TEXT)
    db.commit()
    first_id, second_id = (m.id for m in _messages(db))
    gateway = create_gateway("twilio", fake_twilio.config(TWILIO_TIMEOUT_S=10))
    try:
        outbox.deliver_due(db, gateway, POLICY, "w1")
        # Make the first look as if its send timed out before Twilio took it: only its twin arrived.
        fake_twilio.messages.pop(0)
        db.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.id == first_id)
            .values(
                state=SendState.UNCERTAIN, lookup_first=True, provider_id=None, next_attempt_at=clock.now()
            )
        )
        db.commit()
        outbox.deliver_due(db, gateway, POLICY, "w1")
    finally:
        gateway.close()
    first, second = _messages(db)
    assert len(fake_twilio.messages) == 2  # the citizen gets both texts
    assert first.id == first_id and second.id == second_id
    assert first.state is SendState.SENT and first.provider_id != second.provider_id
