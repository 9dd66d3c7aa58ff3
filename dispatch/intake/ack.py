"""The one-time notification (一次性告知, R4): one acknowledgement per report, in the reporter's
language — the reference, what happens next, the promised time, what to bring, and the
supervision hotline (R20)."""

from __future__ import annotations

from datetime import datetime, time

from flask import current_app
from flask_babel import force_locale

from dispatch import clock
from dispatch.auth.models import Organisation
from dispatch.intake.text import _
from dispatch.orders.models import WorkOrder
from dispatch.sla.service import promised, rulebook

LOCALES = {"zh": "zh_Hans_CN", "en": "en"}


def babel_locale(language: str | None) -> str:
    return LOCALES.get((language or "zh")[:2], "zh_Hans_CN")


def language_of(text: str) -> str:
    """zh when the text has any CJK character, else en."""
    return (
        "zh" if any("\u3000" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef" for ch in text or "") else "en"
    )


def _clock_time(value: str, default: time) -> time:
    try:
        hours, minutes = value.split(":")
        return time(int(hours), int(minutes))
    except (AttributeError, ValueError):
        return default


def supervision_phone(org: Organisation, at: datetime | None = None) -> str | None:
    """The supervision number the public is given now: the day one in the day, else the night one."""
    local = clock.local(at or clock.now()).time()
    config = current_app.config
    day_from = _clock_time(config.get("INTAKE_SUPERVISION_DAY_FROM", "08:00"), time(8))
    day_until = _clock_time(config.get("INTAKE_SUPERVISION_DAY_UNTIL", "20:00"), time(20))
    if day_from <= local < day_until:
        return org.supervision_phone_day or org.supervision_phone_night
    return org.supervision_phone_night or org.supervision_phone_day


def format_due(due: datetime, locale: str) -> str:
    local = clock.local(due)
    if locale.startswith("zh"):
        return f"{local.month}月{local.day}日{local:%H:%M}"
    return f"{local.day} {local:%b %H:%M}"


def acknowledgement(
    order: WorkOrder, org: Organisation, language: str | None, *, duplicate_of: WorkOrder | None = None
) -> str:
    """The acknowledgement text for ``order`` as it stands now (placed or not, duplicate or not)."""
    locale = babel_locale(language)
    type_def = rulebook().type(order.type_code)
    zh = locale.startswith("zh")
    with force_locale(locale):
        parts = [
            _(
                "%(org)s: your report %(reference)s (%(type)s) is received.",
                org=org.name(locale),
                reference=order.reference,
                type=type_def.name_zh if zh else type_def.name_en,
            )
        ]
        if duplicate_of is not None:
            parts.append(
                _(
                    "The same problem was already reported (%(reference)s); we are on it and will "
                    "tell you when it is fixed.",
                    reference=duplicate_of.reference,
                )
            )
        elif order.lat is None:
            parts.append(_("We could not find the place yet: please send the address or a landmark nearby."))
        elif type_def.auto_dispatch:
            parts.append(_("A crew is being sent."))
        else:
            parts.append(_("A member of staff will contact you."))
        target = duplicate_of or order
        milestone = promised(target)
        if milestone is not None and milestone.due_at is not None:
            parts.append(_("Promised by %(due)s.", due=format_due(milestone.due_at, locale)))
        materials = type_def.materials_zh if zh else type_def.materials_en
        if materials:
            parts.append(_("Please bring: %(materials)s.", materials=("、" if zh else ", ").join(materials)))
        hotline = supervision_phone(org)
        if hotline:
            parts.append(_("Supervision hotline: %(phone)s.", phone=hotline))
    return ("" if zh else " ").join(parts)


def template_params(order: WorkOrder, *, duplicate_of: WorkOrder | None = None) -> dict[str, str]:
    """The parameters of the ``ack`` template (config/sms_templates.toml), in Chinese like the
    approved text; the template gate shortens the type and place names to their limits."""
    type_def = rulebook().type(order.type_code)
    milestone = promised(duplicate_of or order)
    due = clock.local(milestone.due_at).strftime("%m-%d %H:%M") if milestone and milestone.due_at else "待定"
    return {
        "reference": order.reference,
        "type": type_def.name_zh,
        "place": " ".join((order.address or "待确认").split()),
        "due": due,
    }
