"""Reporters' numbers: the seed's local style, mobiles, landlines, and numbers that are none."""

import pytest

from dispatch.intake.phones import BadPhone, parse_phone


def parse(raw):
    return parse_phone(raw, region="CN", area_code="0377", upgrade_prefix="6")


@pytest.mark.parametrize(
    ("raw", "e164", "mobile"),
    [
        ("6221750", "+8637766221750", False),  # the seed's own seven-digit style
        ("0377-6221750", "+8637766221750", False),
        ("(0377) 66221750", "+8637766221750", False),
        ("６２２１７５０", "+8637766221750", False),  # full-width digits
        ("62617512", "+8637762617512", False),
        ("13812345678", "+8613812345678", True),
        ("138 1234 5678", "+8613812345678", True),
        ("+86 138-1234-5678", "+8613812345678", True),
        ("＋8613812345678", "+8613812345678", True),
        ("400-600-0100", "+864006000100", False),
    ],
)
def test_numbers_as_people_write_them(raw, e164, mobile):
    phone = parse(raw)
    assert phone.e164 == e164 and phone.mobile is mobile


@pytest.mark.parametrize("raw", ["12345", "abc", "1234567", "138123456789999", "+86 000", "   "])
def test_bogus_numbers_are_refused_clearly(raw):
    with pytest.raises(BadPhone) as caught:
        parse(raw)
    assert caught.value.details["field"] == "phone"
    assert "number" in caught.value.message.lower()
