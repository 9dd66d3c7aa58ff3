"""The planner's words in the technician's SMS language: ``NEXT`` / ``下一个`` answers the first job
of his plan, and the answer to ``DONE`` tells him the next one at once."""

from __future__ import annotations

from dispatch.assign.models import Technician
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
