"""Reporters' phone numbers: read as people write them, stored in E.164, mobile or landline.

Numbers are parsed with ``phonenumbers`` in the configured region (CN). A short local number as
the seed writes them (6221750, seven or eight digits) is read inside the configured area code
(0377). Nanyang's local numbers went from seven digits to eight by putting a 6 in front, and
the seed (and people) still write the old ones: a seven-digit number that is not valid as it
stands gets the configured ``upgrade_prefix`` (6221750 → +86 377 6622 1750). A landline cannot
receive SMS: its reporter is acknowledged by voice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType

from dispatch.errors import DomainError
from dispatch.intake.text import _

_LOCAL_ONLY = re.compile(r"^[2-9]\d{6,7}$")
_SEPARATORS = re.compile(r"[\s\-()（）.—]")
#: Types that take SMS. FIXED_LINE_OR_MOBILE is how some regions answer for ambiguous ranges.
_MOBILE_TYPES = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}


@dataclass(frozen=True)
class Phone:
    e164: str
    mobile: bool

    @property
    def region(self) -> str | None:
        return phonenumbers.region_code_for_number(phonenumbers.parse(self.e164))


class BadPhone(DomainError):
    """A number that cannot be a real phone number."""


def parse_phone(raw: str, *, region: str = "CN", area_code: str = "", upgrade_prefix: str = "") -> Phone:
    """Read ``raw`` as a phone number. Raises ``BadPhone`` with a clear message when it is not one."""
    text = _SEPARATORS.sub("", (raw or "").strip())
    # Full-width digits and plus sign, as typed on a Chinese keyboard.
    text = text.translate({0xFF0B: "+", **{0xFF10 + i: str(i) for i in range(10)}})
    if not text:
        raise BadPhone(_("A phone number is needed."), field="phone")
    if _LOCAL_ONLY.match(text) and area_code:
        text = area_code + text
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException:
        raise BadPhone(_("%(number)s is not a phone number.", number=raw), field="phone") from None
    if not phonenumbers.is_valid_number(number) and upgrade_prefix:
        number = _upgraded(number, area_code, upgrade_prefix) or number
    if not phonenumbers.is_valid_number(number):
        raise BadPhone(_("%(number)s is not a valid phone number.", number=raw), field="phone")
    kind = phonenumbers.number_type(number)
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return Phone(e164=e164, mobile=kind in _MOBILE_TYPES)


def _upgraded(number, area_code: str, prefix: str):
    """The eight-digit form of an old seven-digit local number in ``area_code``, if valid."""
    national = str(number.national_number)
    area = area_code.lstrip("0")
    if not area or not national.startswith(area) or len(national) != len(area) + 7:
        return None
    upgraded = phonenumbers.PhoneNumber(
        country_code=number.country_code, national_number=int(area + prefix + national[len(area) :])
    )
    return upgraded if phonenumbers.is_valid_number(upgraded) else None


def parse_optional(raw: str | None, config) -> Phone | None:
    """``parse_phone`` with the app's region and area code; None for an empty field."""
    if raw is None or not str(raw).strip():
        return None
    return parse_phone(
        str(raw),
        region=config["PHONE_REGION"],
        area_code=config["LOCAL_AREA_CODE"],
        upgrade_prefix=config.get("INTAKE_LOCAL_UPGRADE_PREFIX", ""),
    )
