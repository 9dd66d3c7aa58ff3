"""The planner's words in the technician's SMS language: ``NEXT`` / ``下一个`` answers the first job
of his plan, and the answer to ``DONE`` tells him the next one at once."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from dispatch.assign.models import Technician
from dispatch.orders.models import Status, WorkOrder
from dispatch.plan import service, texts


def next_sentence(session, tech: Technician, lang: str, now) -> str:
    """The job to go to now, as one sentence; "" when his plan is empty."""
    order = service.next_job(session, tech)
    if order is None:
        return ""
    offered = service.is_offered_to(session, order, tech)
    return str(texts.next_text(order, lang, offered=offered, now=now))


def do_next(ctx, command):
    order = service.next_job(ctx.session, ctx.tech)
    if order is None:
        return texts.nothing_next(ctx.lang), None
    offered = service.is_offered_to(ctx.session, order, ctx.tech)
    return str(texts.next_text(order, ctx.lang, offered=offered, now=ctx.now)), order


def first_hint(session, tech: Technician, order: WorkOrder) -> str:
    """After an acceptance: "go there first" when the plan puts this job ahead of the other jobs
    he holds (an urgent job arrived)."""
    if service.next_job(session, tech) is not order:
        return ""
    others = session.scalar(
        sa.select(sa.func.count(WorkOrder.id)).where(
            WorkOrder.assignee_id == tech.id, WorkOrder.status == Status.ACCEPTED, WorkOrder.id != order.id
        )
    )
    return _("Go there first, before your other jobs.") if others else ""
