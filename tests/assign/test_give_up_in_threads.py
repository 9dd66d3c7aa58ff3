"""An offer SMS given up by a worker sending in parallel threads moves the job on at once.

The give-up fires ``outbox_failed`` in a sending thread; the reaction (lapse the offer, offer the
job to the next technician) needs the application and must commit with the give-up itself.
"""

import sqlalchemy as sa

from dispatch import clock
from dispatch.assign.models import OfferState
from dispatch.sms import outbox
from dispatch.sms.gateway import Gateway, GatewayError, SendResult
from dispatch.sms.models import OutboxMessage, SendState
from tests.assign.helpers import MORNING, TOWN, county, offers_of, report
from tests.factories import make_technician


class RefusesOneNumber(Gateway):
    """The provider at the network edge: refuses one number for good, takes the others."""

    name = "refuses-one"

    def __init__(self, refused: str):
        self.refused = refused
        self.sent: list[str] = []

    def send(self, message):
        if message.to == self.refused:
            raise GatewayError("unreachable handset", retryable=False, code="30003")
        self.sent.append(message.to)
        return SendResult(provider_id=f"SM{message.outbox_id:030d}", segments=1)

    def find_sent(self, message, since):
        return None


def test_a_give_up_in_a_sending_thread_offers_the_job_to_the_next_technician(app, db):
    clock.freeze(MORNING)
    org = county(db)
    first = make_technician(org, last_lat=TOWN[0] + 1 / 111.2, last_lon=TOWN[1])
    second = make_technician(org, last_lat=TOWN[0] + 2 / 111.2, last_lon=TOWN[1])
    order = report(db, org)
    # Another text due in the same run: the run sends in threads.
    outbox.enqueue(db, to="+8613900000001", body="您的报修已受理", kind="notice")
    db.commit()
    gateway = RefusesOneNumber(first.phone)
    policy = outbox.OutboxPolicy(max_attempts=6, send_concurrency=4)

    outbox.deliver_due(db, gateway, policy, "w1")

    offers = offers_of(db, order)
    assert [o.state for o in offers] == [OfferState.UNDELIVERED, OfferState.PENDING]
    assert offers[1].technician_id == second.id
    given_up = db.get(OutboxMessage, offers[0].outbox_message_id)
    assert given_up.state is SendState.FAILED and given_up.attempts == 1

    # The next run sends the new offer and never touches the given-up message again.
    outbox.deliver_due(db, gateway, policy, "w1")
    db.rollback()
    assert second.phone in gateway.sent
    assert db.scalar(sa.select(OutboxMessage.attempts).where(OutboxMessage.id == given_up.id)) == 1
