"""How many SMS segments a text costs, counted the way handsets and carriers split it.

A text made only of characters of the GSM 03.38 default alphabet travels as GSM-7: 160 septets
in a single message, 153 per segment once it must be split (the other 7 carry the
concatenation header). Characters of the extension table (``{}[]~\\^|€`` and form feed) are sent
as an escape plus a septet, so they cost two — and a segment boundary never falls between the
two halves. Any other character (every Chinese character, an emoji, a curly quote) switches the
whole text to UCS-2: 70 UTF-16 code units alone, 67 per segment when split; an emoji outside
the Basic Multilingual Plane is a surrogate pair (2 units) that is never split either.

Offers are kept to one or two segments (DESIGN.md §3 "SMS"), so callers count before they
send: ``count_segments(body).segments <= 2``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Encoding = Literal["GSM-7", "UCS-2"]

GSM7_SINGLE = 160
GSM7_PER_SEGMENT = 153
UCS2_SINGLE = 70
UCS2_PER_SEGMENT = 67

# The GSM 03.38 default alphabet, one septet each. ESC (0x1B) is left out on purpose: it is the
# switch to the extension table, not a character anyone means to send.
_GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# The extension table: ESC + one septet, so two septets each.
_GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")


@dataclass(frozen=True)
class SegmentInfo:
    encoding: Encoding
    #: How many messages the carrier bills; an empty text is still one (empty) message.
    segments: int
    #: Septets (GSM-7) or UTF-16 code units (UCS-2) of the whole text.
    units: int


def is_gsm7(text: str) -> bool:
    """True when every character of ``text`` can be sent in the GSM-7 alphabet."""
    return all(ch in _GSM7_BASIC or ch in _GSM7_EXTENSION for ch in text)


def _cost(ch: str, encoding: Encoding) -> int:
    if encoding == "GSM-7":
        return 2 if ch in _GSM7_EXTENSION else 1
    return 2 if ord(ch) > 0xFFFF else 1


def split_segments(text: str) -> list[str]:
    """The pieces ``text`` is sent as, in order; ``[""]`` for an empty text (one empty message).

    Splitting is per character, so an extension character or a surrogate pair that would
    straddle a boundary moves whole to the next segment (which may then hold a unit less).
    """
    encoding: Encoding = "GSM-7" if is_gsm7(text) else "UCS-2"
    single, per_segment = (
        (GSM7_SINGLE, GSM7_PER_SEGMENT) if encoding == "GSM-7" else (UCS2_SINGLE, UCS2_PER_SEGMENT)
    )
    if sum(_cost(ch, encoding) for ch in text) <= single:
        return [text]
    pieces: list[str] = []
    current: list[str] = []
    used = 0
    for ch in text:
        cost = _cost(ch, encoding)
        if used + cost > per_segment:
            pieces.append("".join(current))
            current, used = [], 0
        current.append(ch)
        used += cost
    pieces.append("".join(current))
    return pieces


def count_segments(text: str) -> SegmentInfo:
    """The encoding, the number of segments and the number of units ``text`` costs."""
    encoding: Encoding = "GSM-7" if is_gsm7(text) else "UCS-2"
    units = sum(_cost(ch, encoding) for ch in text)
    return SegmentInfo(encoding=encoding, segments=len(split_segments(text)), units=units)
