"""What a citizen is told by SMS about their own report: its state in words they understand and,
only while a deadline still runs, the time they were promised.

The state is the one the ``/status`` page shows (a report of a problem already reported stands
where the first one does). The promise quoted is the time the reporter was last *told* — by the
acknowledgement, the reply that placed the report, or a deadline set by hand and explained to
them — never a due time that moved afterwards without a word to them (a technician reclassifying
a leak as a major repair): then the answer says that the time changed, and to what.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from dispatch import clock
from dispatch.intake.ack import _l, format_due
from dispatch.intake.text import _
from dispatch.orders.models import Milestone, Status, WorkOrder
from dispatch.sla.service import promised, rulebook
from dispatch.sms.models import OutboxMessage

#: The state as the citizen notices it.
STATE = {
    Status.NEW: _l("being handled"),
    Status.LOCATED: _l("being handled"),
    Status.QUEUED: _l("being handled"),
    Status.OFFERED: _l("being handled"),
    Status.NEEDS_LOCATION: _l("waiting for the place"),
    Status.ACCEPTED: _l("a technician has taken the job"),
    Status.EN_ROUTE: _l("the technician is on the way"),
    Status.ON_SITE: _l("the technician is on site"),
    Status.WORK_DONE: _l("the work is done"),
    Status.SIGNED: _l("the work is done and the service report is signed"),
    Status.APPROVED: _l("the work is done and the service report is signed"),
    Status.ON_HOLD: _l("paused (waiting for parts or for you)"),
    Status.CLOSED: _l("completed"),
    Status.CANCELLED: _l("cancelled"),
}

#: States in which no promise runs any more: the work is done, or the report is finished.
NO_PROMISE = frozenset({Status.WORK_DONE, Status.SIGNED, Status.APPROVED, Status.CLOSED, Status.CANCELLED})

#: Messages to the reporter that carry the promised time.
TELLING_KINDS = ("ack", "reply", "deadline_set")


def handled(order: WorkOrder) -> WorkOrder:
    """The order whose state the reporter is told: the first report, for a duplicate."""
    return order.duplicate_of if order.duplicate_of is not None else order


def state_words(order: WorkOrder) -> str:
    """The state in the citizen's words, translated in the current locale."""
    return _(STATE.get(handled(order).status, "being handled"))


def running_promise(order: WorkOrder) -> Milestone | None:
    """The promised milestone while its clock still runs: due, not met, the work not done, not
    paused on hold; else None."""
    milestone = promised(order)
    status = handled(order).status
    if milestone is None or milestone.due_at is None or milestone.met_at is not None:
        return None
    if status in NO_PROMISE or (status is Status.ON_HOLD and milestone.pausable):
        return None
    return milestone


def told_due(session: Session, order: WorkOrder, milestone: Milestone) -> datetime | None:
    """The due time of ``milestone`` as the reporter of ``order`` was last told it by SMS.

    Read back from the timeline: the due time as it stood when the last message carrying it went
    out (a change recorded at the same moment as the message is one the message already told).
    Without such a message (no SMS was ever sent) it is the current due time.
    """
    message = session.scalar(
        sa.select(OutboxMessage)
        .where(
            OutboxMessage.work_order_id == order.id,
            OutboxMessage.recipient == order.reporter_phone,
            OutboxMessage.kind.in_(TELLING_KINDS),
        )
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
        .limit(1)
    )
    if message is None:
        return milestone.due_at
    last = clock.aware(message.created_at)
    changes = [
        e
        for e in milestone.order.events
        if e.kind == "due_changed" and (e.data or {}).get("milestone") == milestone.name
    ]
    before = [e for e in changes if clock.aware(e.at) <= last]
    later = [e for e in changes if clock.aware(e.at) > last]
    if before:
        value = before[-1].data.get("new_due_at")
    elif later:
        value = later[0].data.get("old_due_at")
    else:
        return milestone.due_at
    return clock.parse(value) if value else None


def _same_minute(a: datetime, b: datetime) -> bool:
    return clock.aware(a).replace(second=0, microsecond=0) == clock.aware(b).replace(second=0, microsecond=0)


def status_line(session: Session, order: WorkOrder, locale: str) -> str:
    """One report as the citizen is told it: "WO-… Water leak: being handled (promised by …)".
    Call inside ``force_locale(locale)``."""
    type_def = rulebook().types.get(order.type_code)
    name = (type_def.name_zh if locale.startswith("zh") else type_def.name_en) if type_def else ""
    line = f"{order.reference} {name}: {state_words(order)}"
    milestone = running_promise(order)
    if milestone is None:
        return line
    told = told_due(session, order, milestone)
    due = format_due(milestone.due_at, locale)
    if told is None:
        return line + " " + _("(expected by %(due)s)", due=due)
    if _same_minute(told, milestone.due_at):
        return line + " " + _("(promised by %(due)s)", due=due)
    return (
        line
        + " "
        + _(
            "(we promised you %(promised)s; the time has changed to %(due)s)",
            promised=format_due(told, locale),
            due=due,
        )
    )


def template_due(order: WorkOrder) -> str:
    """The expected time as a template parameter ("12-01 14:30", like the acknowledgement's), or
    "待定" when no promise runs."""
    milestone = running_promise(order)
    if milestone is None:
        return "待定"
    return clock.local(milestone.due_at).strftime("%m-%d %H:%M")
