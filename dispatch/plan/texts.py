"""The planner's SMS to technicians, in their language: the next job of his plan, a job taken
off his plan, a new first job."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _

from dispatch.assign.ranking import target_milestone
from dispatch.assign.texts import (
    OFFER_SHRINK,
    fit,
    in_language,
    next_deadline_sentence,
    place_of,
    sentences,
    sign_sentence,
    type_name,
    when,
)
from dispatch.language import Rendered
from dispatch.orders.models import WorkOrder

#: Outbox kinds.
MOVED_KIND = "plan_moved"
FIRST_KIND = "plan_first"


def _due(order: WorkOrder) -> datetime | None:
    target = target_milestone(order)
    return target.due_at if target is not None else None


def params(order: WorkOrder, now: datetime | None = None) -> dict[str, str]:
    """The parameters of the ``plan_first`` template."""
    return {"code": order.job_code or "", "place": place_of(order), "due": when(_due(order), now, "zh")}


def next_text(order: WorkOrder, language: str | None, *, offered: bool, now: datetime | None = None) -> str:
    """What NEXT answers (and what follows DONE): the job to go to now, its place and its next
    deadline — the time to be on site, else the one still running (the finish), with its verb."""
    with in_language(language):
        values = {
            "code": order.job_code or "?",
            "type": type_name(order.type_code, language),
            "due": when(_due(order), now),
        }
        if _due(order) is not None and offered:
            template = _(
                "Next: job %(code)s, %(type)s, %(place)s, on site by %(due)s. Reply Y %(code)s to accept."
            )
        elif _due(order) is not None:
            template = _("Next: job %(code)s, %(type)s, %(place)s, on site by %(due)s.")
        else:
            template = sentences(
                _("Next: job %(code)s, %(type)s, %(place)s."),
                next_deadline_sentence(order, now),
                _("Reply Y %(code)s to accept.") if offered else "",
            )
        sign = sign_sentence(order, values["code"], now)

        def build(parts: dict[str, str]) -> str:
            return sentences(template % parts, sign)

        return fit(build, dict(values, place=place_of(order)), OFFER_SHRINK)


def nothing_next(language: str | None) -> str:
    with in_language(language):
        return _("No job planned for you now. Reply LIST for your jobs.")


def moved_text(code: str, language: str | None) -> str:
    """A job taken off his plan by a re-plan (it went to a colleague)."""
    with in_language(language):
        return Rendered(
            _("Job %(code)s has been moved to a colleague: no need to go.") % {"code": code}, {"code": code}
        )


def first_text(order: WorkOrder, language: str | None, now: datetime | None = None) -> str:
    """His plan has a new first job (an urgent one went ahead)."""
    with in_language(language):
        values = {"code": order.job_code or "?", "due": when(_due(order), now)}
        if _due(order) is not None:
            template = _("Plan changed: go to job %(code)s first, %(place)s, on site by %(due)s.")
        else:
            template = sentences(
                _("Plan changed: go to job %(code)s first, %(place)s."),
                next_deadline_sentence(order, now),
            )
        return fit(lambda parts: template % parts, dict(values, place=place_of(order)), (("place", 12),))
