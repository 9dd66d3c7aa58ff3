"""The storm bench's figures: latencies and the accounting of every report posted.

Each report is followed from the POST to the messages Twilio took, through the database: its
work order (by the reference the POST answered), the acknowledgement's outbox row
(``report_intake.ack_outbox_id``) and the offer rows of its order, each matched to the fake
Twilio's record by the provider id the worker stored. Every reporter's number is also counted in
what Twilio took: an acknowledgement handed over twice would show there.

A dispatchable report (a type offered without a dispatcher, not a duplicate of an open one) is
*offered* (an offer SMS reached Twilio), *no candidate* (nobody free: the dispatcher was alerted,
as in production) or *lost* — anything else, which the bench counts and must stay 0.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any


def percentile(values: list[float], p: float) -> float | None:
    """The nearest-rank percentile; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))
    return ordered[int(min(rank, len(ordered))) - 1]


@dataclass
class Posted:
    """One report as the producer saw it."""

    index: int
    type_code: str
    phone: str
    due: float  # epoch seconds it was due to be sent
    sent: float  # epoch seconds the POST was sent
    answered: float = 0.0
    http_status: int = 0
    reference: str | None = None


@dataclass
class Accounting:
    ack_s: list[float] = field(default_factory=list)
    offer_s: list[float] = field(default_factory=list)
    #: The same from the POST's answer: the worker's part alone (answered POSTs only).
    ack_after_s: list[float] = field(default_factory=list)
    offer_after_s: list[float] = field(default_factory=list)
    acked_once: int = 0
    ack_missing: int = 0
    ack_repeated: int = 0
    dispatchable: int = 0
    offered: int = 0
    no_candidate: int = 0
    duplicates: int = 0
    waits_for_dispatcher: int = 0
    offers_lost: int = 0
    #: POSTs answered with an error or not in time whose report was taken all the same.
    taken_unanswered: int = 0
    lost_references: list[str] = field(default_factory=list)


def account(posted: list[Posted], twilio: list[dict[str, Any]]) -> Accounting:
    """Follow every accepted report (inside the bench's app context) to what Twilio took."""
    import sqlalchemy as sa

    from dispatch.assign.alerts import NO_CANDIDATES
    from dispatch.assign.models import DispatchAlert
    from dispatch.assign.offers import auto_dispatch_enabled
    from dispatch.extensions import db
    from dispatch.intake.models import ReportIntake
    from dispatch.orders.models import WorkOrder
    from dispatch.sms.models import OutboxMessage

    result = Accounting()
    taken_at = {m["sid"]: m["at"] for m in twilio}
    per_number = Counter(m["to"] for m in twilio)
    session = db.session
    # A POST that got no answer in time may still have been taken: found by its reporter's number.
    unanswered = {p.phone: p for p in posted if not p.reference}
    for reference, phone in session.execute(
        sa.select(WorkOrder.reference, WorkOrder.reporter_phone).where(
            WorkOrder.reporter_phone.in_(list(unanswered))
        )
    ):
        unanswered[phone].reference = reference
        result.taken_unanswered += 1
    accepted = {p.reference: p for p in posted if p.reference}
    orders = {
        o.reference: o
        for o in session.scalars(sa.select(WorkOrder).where(WorkOrder.reference.in_(list(accepted))))
    }
    ids = [o.id for o in orders.values()]
    ack_row = dict(
        session.execute(
            sa.select(ReportIntake.work_order_id, ReportIntake.ack_outbox_id).where(
                ReportIntake.work_order_id.in_(ids)
            )
        ).all()
    )
    provider = dict(session.execute(sa.select(OutboxMessage.id, OutboxMessage.provider_id)).all())
    offers_of: dict[int, list[str | None]] = {}
    for order_id, provider_id in session.execute(
        sa.select(OutboxMessage.work_order_id, OutboxMessage.provider_id).where(
            OutboxMessage.kind == "offer", OutboxMessage.work_order_id.in_(ids)
        )
    ):
        offers_of.setdefault(order_id, []).append(provider_id)
    alerted = set(
        session.scalars(
            sa.select(DispatchAlert.work_order_id).where(
                DispatchAlert.kind == NO_CANDIDATES, DispatchAlert.work_order_id.in_(ids)
            )
        )
    )
    for reference, p in accepted.items():
        order = orders.get(reference)
        if order is None:
            result.offers_lost += 1
            result.lost_references.append(reference)
            continue
        ack_at = taken_at.get(provider.get(ack_row.get(order.id)))
        times = per_number[p.phone]
        if times == 1 and ack_at is not None:
            result.acked_once += 1
            result.ack_s.append(ack_at - p.sent)
            if p.http_status == 200:
                result.ack_after_s.append(ack_at - p.answered)
        elif times == 0:
            result.ack_missing += 1
        else:
            result.ack_repeated += 1
        if order.duplicate_of_id is not None:
            result.duplicates += 1
            continue
        if not auto_dispatch_enabled(order):
            result.waits_for_dispatcher += 1
            continue
        result.dispatchable += 1
        handed = [taken_at[s] for s in offers_of.get(order.id, []) if s in taken_at]
        if handed:
            result.offered += 1
            result.offer_s.append(min(handed) - p.sent)
            if p.http_status == 200:
                result.offer_after_s.append(min(handed) - p.answered)
        elif order.id in alerted:
            result.no_candidate += 1
        else:
            result.offers_lost += 1
            result.lost_references.append(reference)
    return result


def figures(
    *,
    rate: float,
    seconds: float,
    web: int,
    workers: int,
    technicians: int,
    posted: list[Posted],
    accounting: Accounting,
    drained: bool,
    loadavg: str,
) -> dict[str, Any]:
    """The JSON object ``--json`` prints (keys documented in the README)."""
    sends = sorted(p.sent for p in posted)
    reached = (len(sends) - 1) / (sends[-1] - sends[0]) if len(sends) > 1 and sends[-1] > sends[0] else 0.0
    ok = [p for p in posted if p.http_status == 200]
    post_ms = [(p.answered - p.sent) * 1000 for p in ok]

    def rounded(value: float | None, digits: int) -> float | None:
        return None if value is None else round(value, digits)

    a = accounting
    return {
        "rate": rate,
        "rate_reached": round(reached, 1),
        "seconds": seconds,
        "web": web,
        "workers": workers,
        "technicians": technicians,
        "posted": len(posted),
        "post_errors": len(posted) - len(ok),
        "taken_unanswered": a.taken_unanswered,
        "post_p50_ms": rounded(percentile(post_ms, 50), 1),
        "post_p99_ms": rounded(percentile(post_ms, 99), 1),
        "send_lag_max_ms": round(max((p.sent - p.due for p in posted), default=0.0) * 1000, 1),
        "ack_p50_s": rounded(percentile(a.ack_s, 50), 3),
        "ack_p99_s": rounded(percentile(a.ack_s, 99), 3),
        "offer_p50_s": rounded(percentile(a.offer_s, 50), 3),
        "offer_p99_s": rounded(percentile(a.offer_s, 99), 3),
        "ack_after_answer_p50_s": rounded(percentile(a.ack_after_s, 50), 3),
        "ack_after_answer_p99_s": rounded(percentile(a.ack_after_s, 99), 3),
        "offer_after_answer_p50_s": rounded(percentile(a.offer_after_s, 50), 3),
        "offer_after_answer_p99_s": rounded(percentile(a.offer_after_s, 99), 3),
        "acked_once": a.acked_once,
        "ack_missing": a.ack_missing,
        "ack_repeated": a.ack_repeated,
        "dispatchable": a.dispatchable,
        "offered": a.offered,
        "no_candidate": a.no_candidate,
        "duplicates": a.duplicates,
        "waits_for_dispatcher": a.waits_for_dispatcher,
        "offers_lost": a.offers_lost,
        "drained": drained,
        "loadavg": loadavg,
    }
