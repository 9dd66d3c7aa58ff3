"""The offline gazetteer geocoder against the shipped demo gazetteer (config/gazetteer.csv)."""

from pathlib import Path

import pytest
from geopy.geocoders.base import Geocoder
from geopy.location import Location

from dispatch.geo.gazetteer import GazetteerGeocoder, load_entries

GAZETTEER = Path(__file__).resolve().parents[2] / "config" / "gazetteer.csv"


@pytest.fixture(scope="module")
def xinye():
    return GazetteerGeocoder(GAZETTEER, org="xinye")


@pytest.fixture(scope="module")
def zycoach():
    return GazetteerGeocoder(GAZETTEER, org="zycoach")


@pytest.mark.parametrize(
    ("query", "name", "precision"),
    [
        # intersections, either order, every way of writing the corner
        ("书院路与新华路交叉口", "书院路与新华路交叉口", "intersection"),
        ("新华路与书院路交叉口", "书院路与新华路交叉口", "intersection"),
        ("新华街和书院路路口", "书院路与新华路交叉口", "intersection"),
        ("书院路新华路口", "书院路与新华路交叉口", "intersection"),
        ("書院路與新華路交叉口", "书院路与新华路交叉口", "intersection"),
        ("河南省南阳市新野县书院路与新华路交叉口东北角", "书院路与新华路交叉口", "intersection"),
        ("corner of Shuyuan Rd and Xinhua Rd", "书院路与新华路交叉口", "intersection"),
        ("我在汉城路和人民路路口，井盖没了", "人民路与汉城路交叉口", "intersection"),
        ("中兴路和白河大道交叉口", "中兴路与白河大道交叉口", "intersection"),
        ("汉城路/解放路", "解放路与汉城路交叉口", "intersection"),
        # villages, alone or inside what a caller says
        ("我在王庄镇李庄村这里水管爆了", "李庄村", "village"),
        ("李庄村", "李庄村", "village"),
        ("李庄", "李庄村", "village"),
        ("沙堰镇赵营村5组", "赵营村", "village"),
        # landmarks and compounds, with and without the county prefix
        ("县人民医院", "县人民医院", "landmark"),
        ("河南省南阳市新野县人民医院", "县人民医院", "landmark"),
        ("新野县人民医院门口井盖丢了", "县人民医院", "landmark"),
        ("新野一高东门", "新野一高", "landmark"),
        ("Xinye No.1 High School", "新野一高", "landmark"),
        ("near the bus station", "汽车站", "landmark"),
        ("白河大桥上有个坑", "白河大桥", "landmark"),
        ("沙堰镇卫生院旁边", "沙堰镇卫生院", "landmark"),
        ("东方明珠小区10号楼2单元403室", "东方明珠小区", "community"),
        ("县政务服务中心", "县政务服务中心", "building"),
        # streets: full-width, 街 for 路, English, with a house number, inside text
        ("ｓｈｕｙｕａｎ　ｒｏａｄ", "书院路", "street"),
        ("书院街", "书院路", "street"),
        ("Baihe Ave", "白河大道", "street"),
        ("白河大道边上冒水", "白河大道", "street"),
        # towns, and a village the gazetteer does not know falls back to its town
        ("王庄镇", "王庄镇", "town"),
        ("樊集", "樊集乡", "town"),
        ("沙堰镇某某村", "沙堰镇", "town"),
    ],
)
def test_real_world_spellings_are_found(xinye, query, name, precision):
    location = xinye.geocode(query)
    assert location is not None, query
    assert location.raw["name"] == name
    assert location.raw["precision"] == precision
    assert location.raw["source"] == "gazetteer"
    assert location.raw["org"] == "xinye"


@pytest.mark.parametrize(
    ("query", "address", "number"),
    [
        ("书院路128号3单元", "书院路128号", "128"),
        ("新野县书院街88号", "书院路88号", "88"),
        ("家住新华路 ５６ 号", "新华路56号", "56"),
        ("No. 128 Shuyuan Road, Xinye County", "书院路128号", "128"),
    ],
)
def test_a_street_with_a_house_number_is_placed_on_the_street(xinye, query, address, number):
    location = xinye.geocode(query)
    street = xinye.geocode(address.split("路")[0] + "路")
    assert location.address == address
    assert location.raw["precision"] == "street"
    assert location.raw["number"] == number
    assert location.point == street.point


@pytest.mark.parametrize("query", ["火星基地123号", "asdfgh", "", "   ", "，。", "随便说点什么"])
def test_nonsense_finds_nothing(xinye, query):
    assert xinye.geocode(query) is None


def test_both_orders_of_a_corner_give_the_same_point(xinye):
    assert xinye.geocode("人民路与健康路交叉口").point == xinye.geocode("健康路和人民路路口").point


def test_the_geocoder_is_a_geopy_geocoder_returning_locations(xinye):
    assert isinstance(xinye, Geocoder)
    location = xinye.geocode("汉桑城")
    assert isinstance(location, Location)
    assert 32.5 < location.latitude < 32.56 and 112.33 < location.longitude < 112.40
    many = xinye.geocode("汉桑城", exactly_one=False)
    assert isinstance(many, list) and many[0].raw["name"] == "汉桑城"


def test_the_gazetteer_never_goes_online(xinye):
    with pytest.raises(RuntimeError):
        xinye.adapter.get_json("https://example.org/", timeout=1, headers={})


def test_an_org_sees_only_its_own_places(xinye, zycoach):
    assert xinye.geocode("武汉市") is None
    assert zycoach.geocode("书院路与新华路交叉口") is None
    wuhan = zycoach.geocode("车在武汉市三环线上抛锚")
    assert wuhan.raw["name"] == "武汉市" and wuhan.raw["org"] == "zycoach"
    assert zycoach.geocode("Wuhan").raw["name"] == "武汉市"
    assert zycoach.geocode("湖北省武汉市").raw["name"] == "武汉市"


def test_reverse_names_the_nearest_place(xinye):
    li_zhuang = xinye.geocode("李庄村")
    found = xinye.reverse((li_zhuang.latitude, li_zhuang.longitude))
    assert found.raw["name"] == "李庄村"
    assert found.raw["distance_km"] == 0
    assert xinye.reverse((30.0, 100.0)) is None


def test_the_demo_gazetteer_covers_the_county(xinye):
    entries = load_entries(GAZETTEER, org="xinye")
    assert len(entries) >= 300
    kinds = {e.kind for e in entries}
    assert {"street", "intersection", "landmark", "village", "town", "community", "building"} <= kinds
    assert all(32.3 <= e.lat <= 32.75 and 112.2 <= e.lon <= 112.6 for e in entries)
    assert len({e.name for e in entries}) == len(entries)


def test_bad_rows_are_reported_with_their_line(tmp_path):
    bad = tmp_path / "gazetteer.csv"
    bad.write_text(
        "org,name,aliases,kind,lat,lon\nxinye,某路,,street,32.5,112.3\nxinye,某地,,planet,32.5,112.3\n"
    )
    with pytest.raises(ValueError, match=":3: unknown kind"):
        GazetteerGeocoder(bad)
    bad.write_text("org,name,aliases,kind,lat,lon\nxinye,某路,,street,north,112.3\n")
    with pytest.raises(ValueError, match="must be numbers"):
        GazetteerGeocoder(bad)
    bad.write_text("org,name,kind\nxinye,某路,street\n")
    with pytest.raises(ValueError, match="missing columns"):
        GazetteerGeocoder(bad)
