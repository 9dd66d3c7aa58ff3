"""Address normalisation: one spelling for the many ways people write the same place.

Reports arrive typed by dispatchers in a hurry, by citizens on phones (full-width digits, stray
spaces, 街 for 路) and sometimes in English. Everything is reduced to a canonical string so the
gazetteer can compare by equality:

* NFKC folds full-width letters, digits and punctuation to ASCII; a few traditional characters
  (號, 與, 縣 …) are mapped to their simplified forms; Latin text is lower-cased.
* Street suffixes are unified to 路 (街, 大街, 大道; in English road/rd/street/st/avenue/lu/…),
  so "书院街", "书院大道" and "Shuyuan Rd" all compare as 书院路 / "shuyuan路". A county rarely
  has two streets differing only by suffix; where it does, the gazetteer must give one an alias.
* House numbers in any spelling ("128号", "128#", "No. 128", "128 Shuyuan Rd") become "128号".
* Intersections ("A路与B路交叉口", "A路和B路路口", "A路B路口", "corner of A Rd and B Rd",
  "A Rd & B Rd") become "A路与B路交叉口" with the two streets in a fixed (sorted) order, so both
  orders of the same corner compare equal.
* Leading administrative prefixes (河南省南阳市新野县, 湖北省武汉市洪山区, 新野县城 …) are
  stripped, unless nothing would be left ("南阳市" alone stays "南阳市").
* Whitespace and punctuation are dropped.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

#: The one street suffix left after normalisation.
STREET_SUFFIX = "路"
#: Words that, following the second street, mark an intersection (longest first).
INTERSECTION_CUES: tuple[str, ...] = (
    "交叉路口",
    "十字路口",
    "交叉口",
    "十字口",
    "交汇处",
    "交汇口",
    "交界处",
    "相交处",
    "交口",
    "路口",
    "口",
)
#: Words that join two streets of an intersection.
INTERSECTION_CONNECTORS: tuple[str, ...] = ("与", "和", "跟", "同", "及", "交")

_TRADITIONAL = str.maketrans(
    {
        "號": "号",
        "與": "与",
        "縣": "县",
        "鎮": "镇",
        "鄉": "乡",
        "莊": "庄",
        "區": "区",
        "東": "东",
        "門": "门",
        "橋": "桥",
        "園": "园",
        "廠": "厂",
        "醫": "医",
        "車": "车",
        "陽": "阳",
        "漢": "汉",
        "書": "书",
        "華": "华",
        "興": "兴",
        "設": "设",
        "場": "场",
    }
)

# --- English ---------------------------------------------------------------------------------
_EN_SUFFIX = re.compile(
    r"(?<=[a-z0-9])\s+(?:road|rd|street|str|st|avenue|ave|av|boulevard|blvd|lu|jie|dajie|dadao|da\s+dao)\b\.?"
)
_EN_NUMBER = re.compile(r"(?:\bno\b\.?|\bnumber\b|#)\s*(\d+(?:-\d+)?)")
_NUMBER_HASH = re.compile(r"(\d+(?:-\d+)?)\s*#")
_EN_NUMBER_FIRST = re.compile(r"^\s*(\d+(?:-\d+)?)(?:号)?\s*,?\s+([a-z][a-z\s]*?路)")
_EN_CORNER = re.compile(
    r"\b(?:at\s+)?(?:the\s+)?(?:corner|intersection|junction|crossing|crossroads?)\s+(?:of\s+)?"
)
_EN_ADMIN = re.compile(
    r"(?:,\s*|\b)(?:xinye\s+county|nanyang\s+city|henan\s+province|hubei\s+province|p\.?\s*r\.?\s*china|china)\b"
)
_STREET_JOIN = re.compile(r"路\s*(?:\band\b|&|/|、|\+|\bat\b|×|\bx\b)\s*")

# --- Chinese ---------------------------------------------------------------------------------
# 街道 is a sub-district (汉城街道), not a street: leave it alone.
_ZH_SUFFIX = re.compile(r"大道|大街|街(?!道)")
_DROP = re.compile(r"[^0-9a-z\u3400-\u9fff-]")
_LOOSE_DASH = re.compile(r"(?<!\d)-|-(?!\d)")

_PROVINCES = (
    "河南|湖北|湖南|河北|山东|山西|陕西|安徽|江苏|浙江|江西|福建|广东|海南|四川|贵州|云南|甘肃|青海|"
    "辽宁|吉林|黑龙江|台湾"
)
_REGIONS = "内蒙古|广西壮族|广西|西藏|宁夏回族|宁夏|新疆维吾尔|新疆"
_MUNICIPALITIES = "北京|上海|天津|重庆"
_CITIES = (
    "郑州|开封|洛阳|平顶山|安阳|鹤壁|新乡|焦作|濮阳|许昌|漯河|三门峡|南阳|商丘|信阳|周口|驻马店|济源|"
    "武汉|襄阳|十堰|随州|孝感|西安|咸阳|合肥|济南|石家庄|长沙|成都|太原|南京|杭州|广州"
)
_COUNTIES = "新野|邓州|唐河|社旗|方城|南召|镇平|内乡|西峡|淅川|桐柏"
# One pattern per level (province, city, county), written with its suffix and without. A unit
# written without its suffix (河南南阳新野…) is only stripped when another administrative unit
# follows it: "南阳路" is a street and "郑州大学" a university.
_SUFFIXED: tuple[re.Pattern[str], ...] = (
    re.compile(rf"^(?:(?:{_PROVINCES})省|(?:{_REGIONS})自治区|(?:{_MUNICIPALITIES})市)"),
    re.compile(rf"^(?:{_CITIES})市(?:辖区)?"),
    re.compile(rf"^(?:{_COUNTIES})(?:县城区|县城|县|市|城区)"),
)
_BARE: tuple[re.Pattern[str], ...] = (
    re.compile(rf"^(?:{_PROVINCES}|{_REGIONS}|{_MUNICIPALITIES})"),
    re.compile(rf"^(?:{_CITIES})"),
    # County names are few and distinctive, so a bare one is stripped unless a street or a
    # school's number follows ("新野路", "新野一高" keep their prefix).
    re.compile(rf"^(?:{_COUNTIES})(?![路街道巷桥村一二三])"),
)
_COUNTY_LEVEL = len(_SUFFIXED) - 1
# A district of any name (洪山区, 宛城区), only right after a city: 社区, 小区 and 园区 are places.
_DISTRICT = re.compile(r"^[\u4e00-\u9fff]{1,4}?(?<![社小园景校厂矿])[区县](?![路街道巷])")


def _unit_end(s: str, level: int) -> int:
    """Length of the administrative unit of ``level`` that starts ``s``, or 0."""
    m = _SUFFIXED[level].match(s)
    if m:
        return m.end()
    m = _BARE[level].match(s)
    if not m:
        return 0
    rest = s[m.end() :]
    if level == _COUNTY_LEVEL or any(_unit_end(rest, lower) for lower in range(level + 1, _COUNTY_LEVEL + 1)):
        return m.end()
    return 0


@dataclass(frozen=True)
class ParsedAddress:
    """An address split into its parts, every part already normalised.

    ``street`` and ``cross_street`` end in 路; ``number`` is the house number without 号 (e.g.
    "128" or "12-3"); ``rest`` is whatever follows (or, when no street was recognised, the whole
    normalised text).
    """

    street: str | None
    cross_street: str | None
    number: str | None
    rest: str

    @property
    def is_intersection(self) -> bool:
        return self.street is not None and self.cross_street is not None


_CUES = "|".join(INTERSECTION_CUES)
_CONNECTORS = "|".join(INTERSECTION_CONNECTORS)
_INTERSECTION = re.compile(
    rf"^(?P<a>.+?路)(?P<conn>{_CONNECTORS})?(?P<b>[^\d]+?路)(?P<cue>{_CUES})?(?P<rest>.*)$"
)
_STREET_NUMBER = re.compile(r"^(?P<street>.+?路)(?P<number>\d+(?:-\d+)?)号?(?P<rest>.*)$")
_STREET = re.compile(r"^(?P<street>[^\d]+?路)(?P<rest>.*)$")


def clean_text(text: str) -> str:
    """Fold widths, case, spelling variants and punctuation; keep administrative prefixes.

    This is the form the gazetteer searches for place names *inside* longer text, where a
    prefix such as 新野 may be part of the name being looked for ("新野一高").
    """
    s = unicodedata.normalize("NFKC", text or "").lower().translate(_TRADITIONAL)
    s = _EN_ADMIN.sub(" ", s)
    s = _EN_CORNER.sub(" ", s)
    s = _EN_SUFFIX.sub(STREET_SUFFIX, s)
    s = _EN_NUMBER.sub(r"\1号", s)
    s = _NUMBER_HASH.sub(r"\1号", s)
    s = _EN_NUMBER_FIRST.sub(r"\2\1号", s)
    s = _STREET_JOIN.sub("路与", s)
    s = _ZH_SUFFIX.sub(STREET_SUFFIX, s)
    s = _DROP.sub("", s)
    return _LOOSE_DASH.sub("", s)


def strip_admin_prefix(text: str) -> str:
    """Remove leading province / city / county names from already cleaned text.

    Never removes the last unit, so a query that is only "武汉市" keeps its meaning.
    """
    s = text
    for level in range(_COUNTY_LEVEL + 1):
        end = _unit_end(s, level)
        if not end or end >= len(s):
            continue
        s = s[end:]
        if level == 1 and not _unit_end(s, _COUNTY_LEVEL):
            m = _DISTRICT.match(s)
            if m and m.end() < len(s):
                s = s[m.end() :]
    return s


def parse_address(text: str) -> ParsedAddress:
    """Split an address into street, cross street, house number and the rest.

    "河南省新野县书院路与新华街交叉口东北角" → ParsedAddress("书院路", "新华路", None, "东北角");
    "新华路128号3单元" → ParsedAddress("新华路", None, "128", "3单元");
    "王庄镇李庄村" → ParsedAddress(None, None, None, "王庄镇李庄村").

    The parse is textual: a street is the shortest run ending in 路, so free text before a
    street stays part of it ("我在书院路" is returned as the street). The gazetteer, which knows
    the real street names, looks for them inside such text itself.
    """
    return parse_cleaned(clean_text(text))


def parse_cleaned(cleaned: str) -> ParsedAddress:
    """``parse_address`` for text already passed through ``clean_text`` (saves a second pass)."""
    s = strip_admin_prefix(cleaned)
    m = _INTERSECTION.match(s)
    if m and (m["conn"] or m["cue"]):
        b = m["b"]
        # "新华路和平路口": read 和 as a connector and the cross street would be "平路". Street
        # names of one character are rare, names starting with a connector (和平路) common.
        if m["conn"] and m["cue"] and len(b) == 2:
            b = m["conn"] + b
        return ParsedAddress(m["a"], b, None, m["rest"])
    m = _STREET_NUMBER.match(s)
    if m:
        return ParsedAddress(m["street"], None, m["number"], m["rest"])
    m = _STREET.match(s)
    if m and len(m["street"]) > 1:
        return ParsedAddress(m["street"], None, None, m["rest"])
    return ParsedAddress(None, None, None, s)


def format_address(parsed: ParsedAddress) -> str:
    """The canonical string of a parsed address (see ``normalize_address``)."""
    if parsed.street and parsed.cross_street:
        first, second = sorted((parsed.street, parsed.cross_street))
        return f"{first}与{second}交叉口{parsed.rest}"
    if parsed.street and parsed.number:
        return f"{parsed.street}{parsed.number}号{parsed.rest}"
    if parsed.street:
        return f"{parsed.street}{parsed.rest}"
    return parsed.rest


def normalize_address(text: str) -> str:
    """The canonical form of an address, for comparison by equality.

    Two spellings of the same place give the same string: "新野县书院路与新华路交叉口",
    "新华街和书院路路口" and "corner of Shuyuan Rd and Xinhua Rd" → "书院路与新华路交叉口"
    (the English one → "shuyuan路与xinhua路交叉口", which the gazetteer matches through its
    English aliases). Returns "" for empty or punctuation-only input.
    """
    return format_address(parse_address(text))
