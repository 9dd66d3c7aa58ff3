"""SMS segment counting: what a text costs, at the exact boundaries carriers split on."""

from hypothesis import given, settings
from hypothesis import strategies as st

from dispatch.sms.segments import SegmentInfo, count_segments, is_gsm7, split_segments

HAN = "中"
EMOJI = "😀"  # outside the BMP: a surrogate pair, 2 UTF-16 units


def test_empty_text_is_still_one_message():
    assert count_segments("") == SegmentInfo("GSM-7", 1, 0)
    assert split_segments("") == [""]


def test_160_gsm_characters_fit_one_sms_and_161_need_two():
    assert count_segments("a" * 160).segments == 1
    info = count_segments("a" * 161)
    assert (info.encoding, info.segments, info.units) == ("GSM-7", 2, 161)


def test_split_gsm_text_holds_153_per_segment():
    assert count_segments("a" * 153 * 2).segments == 2
    assert count_segments("a" * (153 * 2 + 1)).segments == 3
    assert [len(p) for p in split_segments("a" * 307)] == [153, 153, 1]


def test_gsm_accented_letters_and_symbols_of_the_basic_set_stay_gsm7():
    text = "Réparé à 14h, cout £20 @ Zürich: ÄÖÑÜ §¿ ΔΩ"
    assert is_gsm7(text)
    assert count_segments(text).units == len(text)


def test_extension_characters_cost_two_septets():
    assert count_segments("€").units == 2
    assert count_segments("{}[]~\\^|").units == 16
    assert count_segments("€" * 80) == SegmentInfo("GSM-7", 1, 160)
    assert count_segments("€" * 80 + "a").segments == 2


def test_extension_character_is_not_split_across_segments():
    # 152 + 2 + 152 = 306 septets = exactly 2 × 153, but the euro cannot straddle the first
    # boundary: it moves to segment two, which then overflows into a third.
    text = "a" * 152 + "€" + "a" * 152
    assert count_segments(text).units == 306
    assert count_segments(text).segments == 3
    pieces = split_segments(text)
    assert pieces[0] == "a" * 152 and pieces[1].startswith("€")


def test_one_chinese_character_makes_the_whole_text_ucs2():
    info = count_segments("a" * 100 + HAN)
    assert (info.encoding, info.segments, info.units) == ("UCS-2", 2, 101)


def test_70_ucs2_units_fit_one_sms_and_71_need_two():
    assert count_segments(HAN * 70).segments == 1
    assert count_segments(HAN * 71).segments == 2


def test_split_ucs2_text_holds_67_per_segment():
    assert count_segments(HAN * 67 * 2).segments == 2
    assert count_segments(HAN * (67 * 2 + 1)).segments == 3


def test_emoji_counts_two_units():
    assert count_segments(EMOJI).units == 2
    assert count_segments(EMOJI * 35).segments == 1
    assert count_segments(EMOJI * 35 + "a").segments == 2


def test_emoji_at_a_segment_boundary_is_not_split():
    # 66 + 2 + 66 = 134 units = exactly 2 × 67, but the surrogate pair would straddle the
    # first boundary, so it starts segment two and the last character spills into a third.
    text = HAN * 66 + EMOJI + HAN * 66
    assert count_segments(text).units == 134
    assert count_segments(text).segments == 3
    assert split_segments(text)[1].startswith(EMOJI)


def test_typographic_quotes_and_escape_force_ucs2():
    assert count_segments("it’s done").encoding == "UCS-2"
    assert count_segments("\x1b").encoding == "UCS-2"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab€{" + HAN + EMOJI), max_size=400))
def test_segments_rebuild_the_text_and_respect_their_limits(text):
    pieces = split_segments(text)
    assert "".join(pieces) == text
    info = count_segments(text)
    assert info.segments == len(pieces)
    if len(pieces) > 1:
        for piece in pieces:
            if info.encoding == "GSM-7":
                assert count_segments(piece).units <= 153
            else:
                assert len(piece.encode("utf-16-le")) // 2 <= 67
