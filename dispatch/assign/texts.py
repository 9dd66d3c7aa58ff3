"""The SMS texts of assignment, in the recipient's language, kept short enough to be cheap.

Every text goes through gettext under the recipient's locale (``in_language``), so the Chinese
lives in the catalog like every other interface text. Offers must fit in two SMS segments
(DESIGN.md §3): the place is the only part of unbounded length, so it is shortened until the
whole text fits (``offer_text``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from flask_babel import force_locale, get_locale
from flask_babel import gettext as _

from dispatch import clock
from dispatch.assign.ranking import target_milestone
from dispatch.intake.ack import format_due
from dispatch.language import CHINESE, Rendered, locale_of, short_language
from dispatch.orders.models import Milestone, WorkOrder
from dispatch.sla.notices import MILESTONE_LABELS
from dispatch.sla.rules import UnknownType
from dispatch.sla.service import rulebook
from dispatch.sms.segments import count_segments, is_gsm7

#: An offer never costs more than this many segments.
MAX_OFFER_SEGMENTS = 2
ELLIPSIS = "…"


@contextmanager
def in_language(language: str | None) -> Iterator[None]:
    with force_locale(locale_of(language)):
        yield


def type_name(type_code: str, language: str | None) -> str:
    try:
        type_def = rulebook().type(type_code)
    except UnknownType:
        return type_code
    return type_def.name_en if short_language(language) == "en" else type_def.name_zh


def place_of(order: WorkOrder) -> str:
    if order.address:
        return " ".join(order.address.split())
    if order.lat is not None and order.lon is not None:
        return f"{order.lat:.4f},{order.lon:.4f}"
    return "?"


def when(moment: datetime | None, now: datetime | None = None, language: str | None = None) -> str:
    """A due time as a technician reads it: "10:30" today; another day as the citizens'
    acknowledgements write it ("11月5日10:30", "5 Nov 10:30"). ``language``: the current
    locale's when not given."""
    if moment is None:
        return "?"
    local, today = clock.local(moment), clock.local(now or clock.now())
    if local.date() == today.date():
        return local.strftime("%H:%M")
    return format_due(moment, locale_of(language) if language else str(get_locale() or CHINESE))


def sentences(*parts: str) -> str:
    """Sentences of one text in the current locale: Chinese runs them together, English puts a
    space between."""
    chinese = str(get_locale() or CHINESE).startswith("zh")
    return ("" if chinese else " ").join(p for p in parts if p)


def next_deadline(order: WorkOrder) -> Milestone | None:
    """The deadline the technician works to now: the time to be on site (``target_milestone``),
    else the earliest running milestone still open (the finish, once he is there); None when no
    deadline runs."""
    target = target_milestone(order)
    if target is not None:
        return target
    running = [m for m in order.milestones if m.met_at is None and m.due_at is not None]
    return min(running, key=lambda m: m.due_at, default=None)


def deadline_sentence(milestone: Milestone, now: datetime | None = None) -> str:
    """A deadline other than the time to be on site, in the current locale: "To finish by …"."""
    due = when(milestone.due_at, now)
    if milestone.name == "resolve":
        return _("To finish by %(due)s.") % {"due": due}
    label = MILESTONE_LABELS.get(milestone.name)
    return _("%(milestone)s by %(due)s.") % {"milestone": str(label or milestone.name), "due": due}


def next_deadline_sentence(order: WorkOrder, now: datetime | None = None) -> str:
    """``deadline_sentence`` of the order's next deadline, escaped to stand inside a %-template
    (its time may hold no "%", a place may); "" when no deadline runs."""
    deadline = next_deadline(order)
    return deadline_sentence(deadline, now).replace("%", "%%") if deadline is not None else ""


def sign_due(order: WorkOrder) -> datetime | None:
    """When the warning sign must be in place, while it is not yet; else None."""
    for milestone in order.milestones:
        if milestone.name == "warning_sign" and milestone.met_at is None and milestone.due_at is not None:
            return milestone.due_at
    return None


def sign_sentence(order: WorkOrder, code: str, now: datetime | None = None) -> str:
    """While a warning sign is still to be placed: by when, and the reply that records it; ""
    otherwise. In the current locale."""
    due = sign_due(order)
    if due is None:
        return ""
    return _("Warning sign by %(due)s: reply SIGN %(code)s.") % {"due": when(due, now), "code": code}


def km(distance_km: float | None) -> str:
    if distance_km is None or distance_km != distance_km or distance_km == float("inf"):
        return "?"
    return f"{distance_km:.1f}" if distance_km < 100 else f"{distance_km:.0f}"


def _cut(value: str, length: int) -> str:
    if length >= len(value):
        return value
    # An ASCII text keeps an ASCII ellipsis: "…" alone would make the whole SMS UCS-2.
    return value[:length] + (ELLIPSIS if not is_gsm7(value) else "...")


def fit(
    build, parts: dict[str, str], shrink: tuple[tuple[str, int], ...], max_segments: int = MAX_OFFER_SEGMENTS
) -> str:
    """``build(parts)``, with the parts named in ``shrink`` cut (ending in "…") until the text
    fits in ``max_segments``: each in turn, down to its floor length, longest prefix first."""
    current = dict(parts)

    def fits(values) -> bool:
        return count_segments(build(values)).segments <= max_segments

    for name, floor in shrink:
        if fits(current):
            break
        value = current[name]
        low, high = min(floor, len(value)), len(value)
        # Binary search on the part's length: the longest prefix that still fits.
        while low < high:
            mid = (low + high + 1) // 2
            if fits(dict(current, **{name: _cut(value, mid)})):
                low = mid
            else:
                high = mid - 1
        current[name] = _cut(value, low)
    return Rendered(build(current), current)


#: Cut the place first (down to 12 characters), then the type name, then the place again.
OFFER_SHRINK = (("place", 12), ("type", 8), ("place", 1))


def offer_text(
    order: WorkOrder,
    code: str,
    language: str | None,
    *,
    distance_km: float | None,
    due_at: datetime | None,
    broadcast: bool = False,
    now: datetime | None = None,
) -> str:
    """The offer SMS: code, type, place, distance, time to be on site and how to answer — in at
    most two segments whatever the place (the place, then the type name, are cut to fit)."""
    sign = sign_due(order)
    if sign is not None and due_at is not None and sign <= due_at:
        # The sign is what must be on site first: its time is the one that counts (and the
        # offer stays short).
        due_at = None
    with in_language(language):
        values = {"code": code, "type": type_name(order.type_code, language), "km": km(distance_km)}
        if due_at is not None:
            values["due"] = when(due_at, now)
            template = _(
                "Job %(code)s: %(type)s, %(place)s, %(km)s km. On site by %(due)s. "
                "Reply Y %(code)s accept, N %(code)s decline."
            )
        else:
            template = _(
                "Job %(code)s: %(type)s, %(place)s, %(km)s km. Reply Y %(code)s accept, N %(code)s decline."
            )
        prefix = _("URGENT, first Y wins. ") if broadcast else ""
        sign_text = sign_sentence(order, code, now)

    def build(parts: dict[str, str]) -> str:
        return prefix + sentences(template % parts, sign_text)

    with in_language(language):
        text = fit(build, dict(values, place=place_of(order)), OFFER_SHRINK)
        if count_segments(text).segments > MAX_OFFER_SEGMENTS:
            # Too long even with the place cut: the sign is asked for again on acceptance.
            sign_text = ""
            text = fit(build, dict(values, place=place_of(order)), OFFER_SHRINK)
        return text


def assigned_text(order: WorkOrder, code: str, language: str | None, *, due_at: datetime | None) -> str:
    """Sent when a dispatcher gives a job directly (or records an acceptance made by phone)."""
    with in_language(language):
        values = {"code": code, "type": type_name(order.type_code, language), "due": when(due_at)}
        sign = sign_sentence(order, code)
        if due_at is not None:
            template = _(
                "Job %(code)s is yours: %(type)s, %(place)s. Be on site by %(due)s. "
                "Reply OTW %(code)s when you leave."
            )
        else:
            template = yours_template(order)

        def build(parts: dict[str, str]) -> str:
            return sentences(template % parts, sign)

        return fit(build, dict(values, place=place_of(order)), OFFER_SHRINK)


def yours_template(order: WorkOrder, now: datetime | None = None) -> str:
    """The "job is yours" text of a job without a time to be on site: its next deadline, if any,
    and how to answer (a template on ``code`` and ``place``, in the current locale)."""
    return sentences(
        _("Job %(code)s is yours: %(place)s."),
        next_deadline_sentence(order, now),
        _("Reply OTW when you leave, ARR on arrival."),
    )


def taken_text(code: str, language: str | None) -> str:
    with in_language(language):
        return Rendered(
            _("Job %(code)s has been taken by a colleague. No action needed.") % {"code": code},
            {"code": code},
        )


def withdrawn_text(code: str, language: str | None) -> str:
    with in_language(language):
        template = _("Job %(code)s is no longer for you (the dispatcher changed it). No action needed.")
        return Rendered(template % {"code": code}, {"code": code})


def customer_on_the_way(order: WorkOrder, minutes: int | None) -> Rendered:
    values = {"reference": order.reference, "minutes": minutes or ""}
    with in_language(order.reporter_language):
        if minutes:
            template = _(
                "%(reference)s: our technician is on the way and should arrive in about %(minutes)s minutes."
            )
        else:
            template = _("%(reference)s: our technician is on the way.")
    return Rendered(template % values, values)


#: The technician's note on a done job is passed on to the customer up to this length.
NOTE_MAX = 60


def customer_done(order: WorkOrder, note: str | None = None) -> Rendered:
    """Work done, with the technician's note (what was done) when he gave one."""
    note = " ".join((note or "").split())
    values = {"reference": order.reference, "note": _cut(note, NOTE_MAX) if note else ""}
    with in_language(order.reporter_language):
        if note:
            template = _("%(reference)s: the work is done (%(note)s). Thank you for reporting it.")
        else:
            template = _("%(reference)s: the work is done. Thank you for reporting it.")
    return Rendered(template % values, values)


# -- template parameters (gateways that send only approved templates: config/sms_templates.toml) --


def job_params(
    order: WorkOrder, code: str, *, due_at: datetime | None, distance_km: float | None = None, now=None
) -> dict[str, str]:
    """The parameters of the ``offer`` and ``assignment`` templates (Chinese names: the approved
    templates are Chinese; the template gate shortens the place to its limit)."""
    return {
        "code": code,
        "type": type_name(order.type_code, "zh"),
        "place": place_of(order),
        "km": km(distance_km).replace("?", "0"),
        "due": when(due_at, now, "zh"),
    }
