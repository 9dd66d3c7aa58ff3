"""The deadline engine's SMS texts, in the recipient's language, short enough for one or two segments.

Each text is built under ``force_locale`` so a Chinese technician and an English-speaking
supervisor each get their own language whatever the language of the page or job that caused it.
English texts keep to the GSM-7 alphabet (no dashes or curly quotes), so they cost 160 characters
a segment rather than 70.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from dispatch import clock
from dispatch.language import CHINESE, ENGLISH, Rendered, language_for
from dispatch.orders.models import Milestone, WorkOrder
from dispatch.sla.rules import UnknownType
from dispatch.sla.service import rulebook

#: What each milestone means to the person who has to meet it.
MILESTONE_LABELS = {
    "reply": _l("reply to the customer"),
    "contact": _l("contact the customer"),
    "warning_sign": _l("warning sign in place"),
    "arrive": _l("on site"),
    "review": _l("review"),
    "install_start": _l("installation start"),
    "resolve": _l("work done"),
}

#: Longest assignee name put into an escalation (a station's full company name can be long).
NAME_MAX = 16


#: The catalog for a stored language, else the one the phone number implies.
language_of = language_for


def when(moment: datetime) -> str:
    return clock.local(moment).strftime("%m-%d %H:%M")


def _type_name(order: WorkOrder, language: str) -> str:
    try:
        type_def = rulebook().type(order.type_code)
    except UnknownType:
        return order.type_code
    return type_def.name_en if language == ENGLISH else type_def.name_zh


def _label(name: str) -> str:
    label = MILESTONE_LABELS.get(name)
    return str(label) if label is not None else name


def template_params(order: WorkOrder, milestone: Milestone) -> dict[str, str]:
    """The values of the ``sla_warning`` / ``sla_escalation`` templates, in Chinese like the
    approved text (the template gate shortens the milestone to its limit)."""
    with force_locale(CHINESE):
        label = _label(milestone.name)
    return {"reference": order.reference, "milestone": label, "due": when(milestone.due_at)}


def warning_text(order: WorkOrder, milestone: Milestone, language: str) -> str:
    """To whoever must meet a milestone soon (the technician, the owner of the order)."""
    params = template_params(order, milestone)
    with force_locale(language):
        return Rendered(
            _(
                "Due soon: %(reference)s %(type)s, %(milestone)s by %(due)s.",
                reference=order.reference,
                type=_type_name(order, language),
                milestone=_label(milestone.name),
                due=when(milestone.due_at),
            ),
            params,
        )


def escalation_text(order: WorkOrder, milestone: Milestone, language: str) -> str:
    """To the supervisor on duty: a milestone was missed, and who has the job."""
    params = template_params(order, milestone)
    with force_locale(language):
        assignee = order.assignee.name[:NAME_MAX] if order.assignee is not None else _("nobody")
        return Rendered(
            _(
                "Missed: %(reference)s %(type)s, %(milestone)s was due %(due)s. Assignee: %(assignee)s.",
                reference=order.reference,
                type=_type_name(order, language),
                milestone=_label(milestone.name),
                due=when(milestone.due_at),
                assignee=assignee,
            ),
            params,
        )


def deadline_text(order: WorkOrder, due_at: datetime, explanation: str, language: str) -> str:
    """To the citizen: the deadline a dispatcher set by hand, with the dispatcher's explanation."""
    with force_locale(language):
        return _(
            "%(reference)s: your request will be settled by %(due)s. %(explanation)s",
            reference=order.reference,
            due=clock.local(due_at).strftime("%Y-%m-%d %H:%M"),
            explanation=explanation,
        )
