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

from flask_babel import force_locale
from flask_babel import gettext as _

from dispatch import clock
from dispatch.language import Rendered, locale_of, short_language
from dispatch.orders.models import WorkOrder
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


def when(moment: datetime | None, now: datetime | None = None) -> str:
    """A due time as a technician reads it: "10:30" today, "11-05 10:30" another day."""
    if moment is None:
        return "?"
    local, today = clock.local(moment), clock.local(now or clock.now())
    return local.strftime("%H:%M") if local.date() == today.date() else local.strftime("%m-%d %H:%M")


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

    def build(parts: dict[str, str]) -> str:
        return prefix + template % parts

    return fit(build, dict(values, place=place_of(order)), OFFER_SHRINK)


def assigned_text(order: WorkOrder, code: str, language: str | None, *, due_at: datetime | None) -> str:
    """Sent when a dispatcher gives a job directly (or records an acceptance made by phone)."""
    with in_language(language):
        values = {"code": code, "type": type_name(order.type_code, language), "due": when(due_at)}
        template = _(
            "Job %(code)s is yours: %(type)s, %(place)s. Be on site by %(due)s. "
            "Reply OTW %(code)s when you leave."
        )
    return fit(lambda parts: template % parts, dict(values, place=place_of(order)), OFFER_SHRINK)


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
        "due": when(due_at, now),
    }
