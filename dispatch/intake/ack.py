"""The one-time notification (一次性告知, R4): one acknowledgement per report, in the reporter's
language — the reference, what happens next, the promised time, what to bring, and the
supervision hotline (R20)."""

from __future__ import annotations

import re
from datetime import datetime

from flask_babel import force_locale

from dispatch import clock
from dispatch.auth.models import Organisation
from dispatch.intake.text import _
from dispatch.language import locale_of, text_language
from dispatch.orders.models import Channel, Milestone, WorkOrder
from dispatch.sla.service import promised, rulebook

#: The reporter's catalog locale and the language of a text, as everywhere else.
babel_locale = locale_of
language_of = text_language


def supervision_phone(org: Organisation, at: datetime | None = None) -> str | None:
    """The supervision number the public is given now: the day one in the organisation's day
    hours, else the night one (see ``dispatch.intake.hotline``)."""
    from dispatch.intake.hotline import hotline

    line = hotline(org)
    if line.is_day(clock.local(at or clock.now()).time()):
        return line.day_phone or line.night_phone
    return line.night_phone or line.day_phone


def format_due(due: datetime, locale: str) -> str:
    local = clock.local(due)
    if locale.startswith("zh"):
        return f"{local.month}月{local.day}日{local:%H:%M}"
    return f"{local.day} {local:%b %H:%M}"


def _l(message: str) -> str:
    """Marks a text for the catalog; it is translated where it is used (``_``)."""
    return message


#: The 【name】 an SMS is signed with, where a catalog opens the text with it.
SMS_SIGNATURE = re.compile(r"^\s*【[^】]*】")

#: What the customer notices when a milestone is met, as said in a promise ("on site by …").
PROMISE_PHRASES = {
    "arrive": _l("on site by %(due)s"),
    "warning_sign": _l("a warning sign in place by %(due)s"),
    "reply": _l("a reply to you by %(due)s"),
    "contact": _l("contact with you by %(due)s"),
    "review": _l("your application reviewed by %(due)s"),
    "install_start": _l("installation started by %(due)s"),
    "resolve": _l("the work done by %(due)s"),
}


def promises(order: WorkOrder) -> list[Milestone]:
    """The promises the customer will notice, first first: the earliest due milestone and, when
    there are more, the last (a leak: on site in 1 h, repaired in 8 h)."""
    due = sorted((m for m in order.milestones if m.due_at is not None), key=lambda m: m.due_at)
    return due[:1] + due[-1:] if len(due) > 1 else due


def promise_text(milestones: list[Milestone], locale: str) -> str | None:
    phrases = [
        _(PROMISE_PHRASES.get(m.name, "%(name)s by %(due)s"), due=format_due(m.due_at, locale), name=m.name)
        for m in milestones
    ]
    if not phrases:
        return None
    return _("We promise %(promises)s.", promises=("；" if locale.startswith("zh") else "; ").join(phrases))


def next_step(order: WorkOrder, type_def, first: Milestone | None) -> str:
    """What happens next, as the rule variant has it: a crew only where someone goes on site."""
    if first is not None and first.name in ("arrive", "warning_sign") and type_def.auto_dispatch:
        return _("A crew is being sent.")
    if first is not None and first.name in ("reply", "contact"):
        return _("Our service staff will contact you.")
    if first is not None and first.name == "review":
        return _("Your application will be reviewed.")
    return _("A member of staff will contact you.")


def materials_request(channel: Channel, materials: str) -> str:
    """Asking for what is still missing in words that fit the channel: a caller is asked on the
    phone, a writer to send it, only a visitor to bring it."""
    if channel is Channel.PHONE:
        return _("We will also need: %(materials)s.", materials=materials)
    if channel in (Channel.LETTER, Channel.CONSOLE):
        return _("Please bring: %(materials)s.", materials=materials)
    return _("Please send us: %(materials)s.", materials=materials)


def still_needed(order: WorkOrder, type_def, zh: bool) -> list[str]:
    """The type's materials less those the report already gave: an asset found in the registry
    answers the question (``vin``, ``account``) whose ``material_*`` names that item."""
    materials = list(type_def.materials_zh if zh else type_def.materials_en)
    if order.customer_id is None:
        return materials
    book = rulebook()
    given = {
        book.questions[q].get("material_zh" if zh else "material_en")
        for q in type_def.asks
        if q in ("vin", "account")
    }
    return [m for m in materials if m not in given]


def acknowledgement(
    order: WorkOrder,
    org: Organisation,
    language: str | None,
    *,
    duplicate_of: WorkOrder | None = None,
    by_sms: bool = True,
) -> str:
    """The acknowledgement text for ``order`` as it stands now (placed or not, duplicate or not).

    ``by_sms``: the text goes out as an SMS and keeps the 【signature】 it may open with; a text
    read out to a caller or shown on a page starts with what happened instead."""
    locale = babel_locale(language)
    type_def = rulebook().type(order.type_code)
    zh = locale.startswith("zh")
    target = duplicate_of or order
    promised_now = promises(target)
    with force_locale(locale):
        opening = _(
            "%(org)s: your report %(reference)s (%(type)s) is received.",
            org=org.name(locale),
            reference=order.reference,
            type=type_def.name_zh if zh else type_def.name_en,
        )
        parts = [opening if by_sms else SMS_SIGNATURE.sub("", opening, count=1)]
        if duplicate_of is not None:
            parts.append(
                _(
                    "The same problem was already reported (%(reference)s); we are on it and will "
                    "tell you when it is fixed.",
                    reference=duplicate_of.reference,
                )
            )
        elif order.lat is None and type_def.on_site:
            parts.append(_("We could not find the place yet: please send the address or a landmark nearby."))
        else:
            parts.append(next_step(order, type_def, promised_now[0] if promised_now else None))
        promise = promise_text(promised_now, locale)
        if promise:
            parts.append(promise)
        materials = still_needed(order, type_def, zh)
        if materials and duplicate_of is None:
            parts.append(materials_request(order.channel, ("、" if zh else ", ").join(materials)))
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
        # Desk work without a place has none to confirm.
        "place": " ".join((order.address or ("待确认" if type_def.on_site else "无需上门")).split()),
        "due": due,
    }
