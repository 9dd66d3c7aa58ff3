"""The Tencent Cloud SMS gateway through the official SDK against the local fake: what the
provider receives, how its answers and failures are read, and exactly-once through a timeout."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
import sqlalchemy as sa

from dispatch import clock
from dispatch.sms import outbox, tencent_gateway  # noqa: F401  (registers the backend)
from dispatch.sms.alerts import DeliveryAlert
from dispatch.sms.gateway import GatewayError, GatewayTimeout, OutgoingMessage, create_gateway
from dispatch.sms.models import OutboxMessage, SendState
from dispatch.sms.routing import OrgGateways
from tests.factories import make_org

TECH = "+8613800138000"
OFFER = {
    "code": "123",
    "type": "供水管网跑冒滴漏",
    "place": "新野县汉城路与书院路交叉口东北角",
    "km": "2.5",
    "due": "10:30",
}


def gateway_for(fake, org_code="xinye", **overrides):
    gateway = create_gateway("tencent", {**fake.config(), **overrides})
    gateway.org_code = lambda _org_id: org_code
    return gateway


def offer(outbox_id=7, **params) -> OutgoingMessage:
    return OutgoingMessage(
        outbox_id=outbox_id,
        to=TECH,
        body="",
        template="offer",
        kind="offer",
        org_id=1,
        params={**OFFER, **params},
    )


def test_a_message_goes_as_its_approved_template_with_the_signature_and_our_session_context(fake_tencent):
    result = gateway_for(fake_tencent).send(offer())
    [sent] = fake_tencent.messages
    assert sent.template_id == "2100101" and sent.sign_name == "新野县供排水" and sent.phone == TECH
    # The place name is cut to the parameter's limit (12); the rest goes as given.
    assert sent.params == ["123", "供水管网跑冒滴漏", "新野县汉城路与书院路交叉口"[:12], "2.5", "10:30"]
    assert sent.session_context == "outbox:7"
    assert result.provider_id == sent.serial_no and result.segments >= 1
    assert fake_tencent.contract_violations == []


def test_a_wrong_secret_key_fails_the_providers_signature_check_and_is_retried(fake_tencent):
    with pytest.raises(GatewayError) as caught:
        gateway_for(fake_tencent, TENCENTCLOUD_SECRET_KEY="not-the-key").send(offer())
    assert caught.value.retryable and caught.value.code.startswith("AuthFailure")
    assert fake_tencent.messages == []


@pytest.mark.parametrize(
    ("code", "retryable"),
    [
        ("InternalError.Timeout", True),
        ("LimitExceeded.PhoneNumberThirtySecondLimit", True),
        ("RequestLimitExceeded", True),
        ("FailedOperation.TemplateIncorrectOrUnapproved", False),
        ("InvalidParameterValue.TemplateParameterFormatError", False),
        ("UnsupportedOperation.ContainDomesticAndInternationalPhoneNumber", False),
    ],
)
def test_provider_errors_are_mapped_to_retry_or_give_up(fake_tencent, code, retryable):
    fake_tencent.fail_next(code)
    with pytest.raises(GatewayError) as caught:
        gateway_for(fake_tencent).send(offer())
    assert caught.value.retryable is retryable and not isinstance(caught.value, GatewayTimeout)


def test_a_number_the_provider_refuses_is_given_up(fake_tencent):
    fake_tencent.refuse_number(TECH)
    with pytest.raises(GatewayError) as caught:
        gateway_for(fake_tencent).send(offer())
    assert not caught.value.retryable and "IncorrectPhoneNumber" in str(caught.value)


def test_no_answer_is_a_timeout_and_an_unreachable_provider_is_a_plain_retry(fake_tencent):
    fake_tencent.hang_next()
    with pytest.raises(GatewayTimeout):
        gateway_for(fake_tencent, TENCENT_SMS_TIMEOUT_S=1).send(offer())
    assert len(fake_tencent.messages) == 1  # the provider has it
    closed = gateway_for(fake_tencent, TENCENT_SMS_ENDPOINT="http://127.0.0.1:9")
    with pytest.raises(GatewayError) as caught:
        closed.send(offer())
    assert caught.value.retryable and not isinstance(caught.value, GatewayTimeout)


def test_a_message_without_template_or_with_bad_parameters_is_never_sent(fake_tencent):
    gateway = gateway_for(fake_tencent)
    for message, code in [
        (OutgoingMessage(outbox_id=1, to=TECH, body="free text", kind="mystery", org_id=1), "no_template"),
        (OutgoingMessage(outbox_id=2, to=TECH, body="hello", kind="console_message", org_id=1), "free_text"),
        (offer(code="12a"), "template_param"),
        (offer(place="见 https://x.example.cn/a"), "template_param"),
        (offer(km=None), "template_param"),
    ]:
        with pytest.raises(GatewayError) as caught:
            gateway.send(message)
        assert not caught.value.retryable and caught.value.code == code
    assert fake_tencent.messages == []


def test_find_sent_reads_the_receipts_and_waits_for_them_before_a_resend(fake_tencent):
    gateway = gateway_for(fake_tencent, TENCENT_SMS_RECEIPT_WAIT_S=300)
    since = clock.now() - timedelta(seconds=5)
    sent = gateway.send(offer(outbox_id=41))
    assert gateway.find_sent(offer(outbox_id=41), since) == sent.provider_id
    # Another message to the same number is not ours; its receipt may still come: ask later.
    with pytest.raises(GatewayError) as caught:
        gateway.find_sent(offer(outbox_id=42), since)
    assert caught.value.retryable and caught.value.code == "awaiting_receipt"
    # Once the window has passed, no receipt means the provider never took it.
    assert gateway.find_sent(offer(outbox_id=42), since - timedelta(seconds=600)) is None
    # A serial number already recorded for another outbox message is never taken for this one's.
    known = replace(offer(outbox_id=41), known_ids=frozenset({sent.provider_id}))
    assert gateway.find_sent(known, since - timedelta(seconds=600)) is None


def test_pulled_receipts_and_replies_come_once(fake_tencent):
    gateway = gateway_for(fake_tencent)
    sent = gateway.send(offer())
    fake_tencent.add_reply(TECH, "接 123", at=1_796_000_000)
    [receipt] = gateway.pull_receipts()
    assert receipt["sid"] == sent.provider_id and receipt["report_status"] == "SUCCESS"
    [reply] = gateway.pull_replies()
    assert reply["phone"] == TECH and reply["text"] == "接 123" and reply["time"] == 1_796_000_000
    assert gateway.pull_receipts() == [] and gateway.pull_replies() == []


def test_through_the_outbox_a_timeout_is_looked_up_and_sent_exactly_once(tencent_app, db, fake_tencent):
    org = make_org("xinye")
    message = outbox.enqueue(
        db, to=TECH, body="", kind="offer", template="offer", params=OFFER, org_id=org.id
    )
    db.commit()
    assert message.body.startswith("【新野县供排水】新工单123：")
    gateway = OrgGateways({**tencent_app.config, "TENCENT_SMS_TIMEOUT_S": 1})
    gateway.refresh(db)
    policy = outbox.OutboxPolicy(backoff_base_s=0, backoff_max_s=0)
    fake_tencent.hang_next()
    assert outbox.deliver_due(db, gateway, policy, "w1").retried == 1
    db.rollback()
    assert db.get(OutboxMessage, message.id).state is SendState.UNCERTAIN
    clock.freeze(clock.now() + timedelta(seconds=1))
    try:
        report = outbox.deliver_due(db, gateway, policy, "w1")
    finally:
        clock.unfreeze()
    assert report.found == 1 and report.sent == 0
    db.rollback()
    stored = db.get(OutboxMessage, message.id)
    assert stored.state is SendState.SENT and stored.provider_id == fake_tencent.messages[0].serial_no
    assert len(fake_tencent.messages) == 1


def test_a_kind_without_template_is_refused_at_the_outbox_with_an_alert(tencent_app, db, fake_tencent):
    org = make_org("xinye")
    message = outbox.enqueue(db, to=TECH, body="Free text nobody approved", kind="mystery", org_id=org.id)
    db.commit()
    assert message.state is SendState.FAILED and "no approved template" in message.last_error
    [alert] = db.scalars(sa.select(DeliveryAlert))
    assert alert.outbox_message_id == message.id and alert.error_code == "no_template"
    gateway = OrgGateways(tencent_app.config)
    gateway.refresh(db)
    assert outbox.deliver_due(db, gateway, outbox.OutboxPolicy(), "w1").claimed == 0
    assert fake_tencent.messages == []


def test_one_organisation_on_the_template_gateway_the_other_on_the_global_one(
    app, make_app, db, fake_tencent
):
    mixed = make_app(SMS_BACKEND="console", SMS_ORG_BACKENDS="xinye=tencent", **fake_tencent.config())
    with mixed.app_context():
        county, coach = make_org("xinye"), make_org("zycoach")
        templated = outbox.enqueue(
            db, to=TECH, body="Job 123 …", kind="offer_taken", params={"code": "123"}, org_id=county.id
        )
        free = outbox.enqueue(db, to=TECH, body="Job 456 was taken.", kind="offer_taken", org_id=coach.id)
        db.commit()
        assert templated.body == "【新野县供排水】工单123已由其他人员接单，无需前往。"
        assert free.body == "Job 456 was taken."
        gateway = OrgGateways(mixed.config)
        gateway.refresh(db)
        assert outbox.deliver_due(db, gateway, outbox.OutboxPolicy(), "w1").sent == 2
        assert [m.params for m in fake_tencent.messages] == [["123"]]  # the coach's went to the console
        assert mixed.test_client().get("/healthz").get_json()["sms_org_backends"] == {"xinye": "tencent"}
        db.remove()
