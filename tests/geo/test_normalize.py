"""Address normalisation: many spellings, one canonical form."""

import pytest

from dispatch.geo.normalize import ParsedAddress, clean_text, normalize_address, parse_address


@pytest.mark.parametrize(
    "spelling",
    [
        "书院路与新华路交叉口",
        "新华路与书院路交叉口",
        "书院路和新华路路口",
        "新华街和书院路路口",
        "书院路新华路口",
        "书院大街与新华大道交汇处",
        "书院路 / 新华路",
        "书院路、新华路十字路口",
        "河南省南阳市新野县书院路与新华路交叉口",
        "书院路　与　新华路（交叉口）",
        "書院路與新華路交叉口",
    ],
)
def test_spellings_of_one_corner_are_equal(spelling):
    assert normalize_address(spelling) == "书院路与新华路交叉口"


@pytest.mark.parametrize(
    "spelling",
    [
        "corner of Shuyuan Rd and Xinhua Rd",
        "Shuyuan Road & Xinhua Street",
        "Xinhua Lu / Shuyuan Lu",
        "intersection of Xinhua Road and Shuyuan Road",
    ],
)
def test_english_corners_become_one_canonical_form(spelling):
    assert normalize_address(spelling) == "shuyuan路与xinhua路交叉口"


@pytest.mark.parametrize(
    ("spelling", "canonical"),
    [
        ("新华路128号", "新华路128号"),
        ("新华路１２８号", "新华路128号"),
        ("新华路 128 號", "新华路128号"),
        ("新华街128#", "新华路128号"),
        ("河南省南阳市新野县新华路128号", "新华路128号"),
        ("河南南阳新野新华路128号", "新华路128号"),
        ("新野县城新华路128号", "新华路128号"),
        ("No. 128 Xinhua Road, Xinye County, Henan Province", "xinhua路128号"),
        ("128 Xinhua Rd", "xinhua路128号"),
        ("白河大道", "白河路"),
        ("王庄镇李庄村", "王庄镇李庄村"),
        ("湖北省武汉市洪山区珞喻路100号", "珞喻路100号"),
    ],
)
def test_house_numbers_suffixes_and_prefixes(spelling, canonical):
    assert normalize_address(spelling) == canonical


def test_a_street_named_after_a_city_keeps_its_name():
    assert normalize_address("南阳路") == "南阳路"
    assert normalize_address("郑州大学") == "郑州大学"


def test_a_prefix_alone_is_not_stripped_to_nothing():
    assert normalize_address("南阳市") == "南阳市"
    assert normalize_address("湖北省武汉市") == "武汉市"
    assert normalize_address("新野县城") == "新野县城"


def test_a_subdistrict_is_not_a_street():
    assert normalize_address("汉城街道办事处") == "汉城街道办事处"


def test_residential_compound_after_the_county_is_kept():
    assert normalize_address("南阳市新野县书院社区5号楼") == "书院社区5号楼"


def test_empty_and_punctuation_only_input():
    assert normalize_address("") == ""
    assert normalize_address(" ，。！ ") == ""


def test_parse_splits_intersection_and_rest():
    parsed = parse_address("河南省新野县书院路与新华街交叉口东北角")
    assert parsed == ParsedAddress("书院路", "新华路", None, "东北角")
    assert parse_address("汉城路与人民路交叉口").is_intersection


def test_parse_splits_house_number():
    assert parse_address("新华路128号3单元") == ParsedAddress("新华路", None, "128", "3单元")
    assert parse_address("新华路12-3号") == ParsedAddress("新华路", None, "12-3", "")
    assert not parse_address("新华路128号").is_intersection


def test_parse_of_text_without_a_street():
    assert parse_address("王庄镇李庄村") == ParsedAddress(None, None, None, "王庄镇李庄村")


def test_a_street_that_starts_with_a_connector_word():
    # 和平路: 和 is part of the name, not "and".
    assert parse_address("新华路和平路口") == ParsedAddress("新华路", "和平路", None, "")
    assert parse_address("和平路与新华路交叉口") == ParsedAddress("和平路", "新华路", None, "")


def test_clean_text_keeps_the_county_prefix_for_searching_inside_text():
    assert clean_text("新野一高 东门") == "新野一高东门"
    assert clean_text("ｓｈｕｙｕａｎ　ｒｏａｄ") == "shuyuan路"
