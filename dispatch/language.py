"""Who reads what: the one place that says whether a text is Chinese, which catalog a person's
language maps to, the language a phone number implies, and whether a number can take an SMS.

Every package asks here (texts to technicians, citizens' acknowledgements, the deadline engine's
warnings, the inbound fallback reply), so a Chinese text or a +86 number is read the same way
everywhere. Numbers are read with ``phonenumbers``, never by their first characters.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType

CHINESE = "zh_Hans_CN"
ENGLISH = "en"

IDEOGRAPHS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
#: Ideographs, CJK radicals and punctuation, full-width forms.
CJK = re.compile(f"[{IDEOGRAPHS}\u2e80-\u2fdf\u3000-\u303f\uff00-\uffef]")
#: Regions whose people get Chinese by default (mainland, Hong Kong, Macao, Taiwan).
CHINESE_REGIONS = frozenset({"CN", "HK", "MO", "TW"})
#: Number types that take SMS (FIXED_LINE_OR_MOBILE is how some regions answer ambiguous ranges).
_SMS_TYPES = frozenset({PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE})


def is_chinese(text: str | None) -> bool:
    """True when ``text`` has any CJK character (ideograph, CJK punctuation, full-width form)."""
    return bool(text) and CJK.search(text) is not None


def text_language(text: str | None) -> str:
    """``zh`` for a text with any CJK character, else ``en``."""
    return "zh" if is_chinese(text) else "en"


def locale_of(language: str | None) -> str:
    """The catalog locale of a stored language (zh, zh_Hans_CN, en, en_GB, …); Chinese by default."""
    return ENGLISH if (language or "zh").lower().startswith("en") else CHINESE


def short_language(language: str | None) -> str:
    """``zh`` or ``en``: the two-letter form stored on outbox rows and orders."""
    return "en" if locale_of(language) == ENGLISH else "zh"


@lru_cache(maxsize=4096)
def _parsed(number: str) -> phonenumbers.PhoneNumber | None:
    try:
        return phonenumbers.parse(number, None)
    except NumberParseException:
        return None


def number_language(number: str | None) -> str:
    """The language a phone number implies: ``zh`` for Chinese-speaking regions (and an unknown
    number), ``en`` elsewhere."""
    parsed = _parsed(number) if number else None
    if parsed is None:
        return "zh"
    return "zh" if phonenumbers.region_code_for_number(parsed) in CHINESE_REGIONS else "en"


def language_for(language: str | None, number: str | None = None) -> str:
    """The catalog locale for a person: their stored language, else their number's."""
    return locale_of(language or number_language(number))


def takes_sms(number: str | None) -> bool:
    """Whether an E.164 number can receive SMS (a mobile); a landline or no number cannot."""
    parsed = _parsed(number) if number else None
    return parsed is not None and phonenumbers.number_type(parsed) in _SMS_TYPES


class Rendered(str):
    """An SMS text as rendered, carrying the values substituted into it: the parameters a
    template gateway sends with the template id instead of the text."""

    params: dict[str, str]

    def __new__(cls, text: str, params: Mapping[str, Any] | None = None) -> Rendered:
        rendered = super().__new__(cls, text)
        rendered.params = {k: "" if v is None else str(v) for k, v in (params or {}).items()}
        return rendered
