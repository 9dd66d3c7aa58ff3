"""The geocoding chain: coordinates, registry, gazetteer, an external provider, or nothing."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest

from dispatch.errors import DomainError
from dispatch.geo import coords, external
from dispatch.geo.chain import locate
from tests.factories import make_org


@pytest.fixture
def county(db):
    """The county without its registry: enough for every link but the registry's."""
    return make_org("xinye")


def find(db, org, **kw):
    return locate(db, org_id=org.id, org_code=org.code, **kw)


def test_coordinates_given_win(db, county):
    found = find(db, county, lat=32.52, lon=112.36, address="书院路", coordinates_source="pin")
    assert (found.lat, found.lon, found.source, found.precision) == (32.52, 112.36, "pin", "pin")
    device = find(db, county, lat=32.52, lon=112.36, coordinates_source="device")
    assert (device.source, device.precision) == ("device", "device")
    given = find(db, county, lat=32.52, lon=112.36, coordinates_source="given")
    assert (given.source, given.precision) == ("given", "coordinates")


def test_coordinates_of_a_picked_suggestion_keep_the_suggestions_source(db, county):
    # The type-ahead fills the coordinates of the gazetteer place picked: it is that place.
    place = find(db, county, address="书院路与新华路交叉口")
    picked = find(
        db, county, lat=place.lat, lon=place.lon, address="书院路与新华路交叉口", coordinates_source="pin"
    )
    assert (picked.source, picked.precision) == ("gazetteer", "intersection")
    moved = find(
        db,
        county,
        lat=place.lat + 0.01,
        lon=place.lon,
        address="书院路与新华路交叉口",
        coordinates_source="pin",
    )
    assert (moved.source, moved.precision) == ("pin", "pin")


def test_a_street_picked_from_the_suggestions_is_the_street_a_pin_near_it_is_the_pin(db, county):
    # A street's point is only its middle: a click near it says more than the street's name,
    # but the very point the type-ahead filled in (six decimals) is the street picked.
    street = find(db, county, address="新华路")
    assert street.precision == "street"
    picked = find(
        db,
        county,
        lat=round(street.lat, 6),
        lon=round(street.lon, 6),
        address="新华路",
        coordinates_source="pin",
    )
    assert (picked.source, picked.precision) == ("gazetteer", "street")
    near = find(
        db, county, lat=street.lat + 0.0002, lon=street.lon, address="新华路", coordinates_source="pin"
    )
    assert (near.source, near.precision) == ("pin", "pin")


@pytest.mark.parametrize(("lat", "lon"), [(95, 112), (32, 190), (None, 112.3), (32.5, None)])
def test_coordinates_out_of_range_or_half_given_are_refused(db, county, lat, lon):
    with pytest.raises(DomainError):
        find(db, county, lat=lat, lon=lon)


def test_a_meter_account_in_the_text_finds_the_registry_place(db, demo):
    found = find(db, demo.xinye, address="我家水表号ｘｙ－０１００６９８，表前漏水")
    assert found.source == "registry" and found.precision == "building"
    assert found.label == "人民路258号" and found.customer_id is not None


def test_a_vin_finds_the_coach(db, demo):
    found = find(db, demo.zycoach, account="lzyb908dxlz123332")
    assert found.source == "registry" and found.precision == "vehicle"
    assert abs(found.lat - 32.954604) < 1e-6


def test_another_organisations_registry_is_not_searched(db, demo):
    assert find(db, demo.xinye, account="LZYB908DXLZ123332") is None


# A few dozen ways people write the demo county's places (Chinese, English, full-width,
# 街 for 路, corners both ways round, landmarks inside a sentence, villages alone).
SPELLINGS = [
    ("人民路258号", "人民路", "street"),
    ("人民街", "人民路", "street"),
    ("Renmin Road", "人民路", "street"),
    ("ＲＥＮＭＩＮ　ＲＯＡＤ", "人民路", "street"),
    ("书院路与新华路交叉口", "书院路与新华路交叉口", "intersection"),
    ("新华路和书院路路口", "书院路与新华路交叉口", "intersection"),
    ("書院路與新華路交叉口", "书院路与新华路交叉口", "intersection"),
    ("corner of Shuyuan Rd and Xinhua Rd", "书院路与新华路交叉口", "intersection"),
    ("汉城路/解放路", "解放路与汉城路交叉口", "intersection"),
    ("我在汉城路和人民路路口，井盖没了", "人民路与汉城路交叉口", "intersection"),
    ("中兴路和白河大道交叉口", "中兴路与白河大道交叉口", "intersection"),
    ("人民路与健康路交叉口", "人民路与健康路交叉口", "intersection"),
    ("县人民医院", "县人民医院", "landmark"),
    ("新野县人民医院门口井盖丢了", "县人民医院", "landmark"),
    ("河南省南阳市新野县人民医院", "县人民医院", "landmark"),
    ("新野一高东门", "新野一高", "landmark"),
    ("Xinye No.1 High School", "新野一高", "landmark"),
    ("near the bus station", "汽车站", "landmark"),
    ("汽车站门口漏水了", "汽车站", "landmark"),
    ("白河大桥上有个坑", "白河大桥", "landmark"),
    ("沙堰镇卫生院旁边", "沙堰镇卫生院", "landmark"),
    ("东方明珠小区10号楼2单元403室", "东方明珠小区", "community"),
    ("县政务服务中心", "县政务服务中心", "building"),
    ("我在王庄镇李庄村这里水管爆了", "李庄村", "village"),
    ("李庄村", "李庄村", "village"),
    ("李庄", "李庄村", "village"),
    ("沙堰镇赵营村5组", "赵营村", "village"),
    ("书院街", "书院路", "street"),
    ("Baihe Ave", "白河大道", "street"),
    ("白河大道边上冒水", "白河大道", "street"),
    ("王庄镇", "王庄镇", "town"),
]


@pytest.mark.parametrize(("text", "name", "precision"), SPELLINGS)
def test_the_gazetteer_link_reads_real_spellings(db, county, text, name, precision):
    found = find(db, county, address=text)
    assert found is not None, text
    assert (found.source, found.precision) == ("gazetteer", precision)
    assert found.label.startswith(name)


@pytest.mark.parametrize("text", ["我家门口", "就在那边", "somewhere near my house", ""])
def test_nothing_found_means_none(db, county, text):
    assert find(db, county, address=text) is None


# --- an external provider, against a local fake at the network edge -----------------------------


class _Provider(BaseHTTPRequestHandler):
    answers: dict[str, object] = {}
    seen: list[str] = []

    def do_GET(self):  # noqa: N802 (http.server's naming)
        url = urlparse(self.path)
        query = parse_qs(url.query)
        self.seen.append(self.path)
        if url.path.startswith("/search"):
            body = self.answers.get(query.get("q", [""])[0], [])
        elif url.path.startswith("/geocoding/v3/"):
            body = self.answers.get(query.get("address", [""])[0], {"status": 1, "msg": "no result"})
        else:
            self.send_response(404)
            self.end_headers()
            return
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def provider():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Provider)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Provider.answers, _Provider.seen = {}, []
    yield server, _Provider
    server.shutdown()
    server.server_close()
    external._cache.clear()


def _config(server, name, **extra):
    config = {
        "GEOCODER_PROVIDER": name,
        "GEOCODER_DOMAIN": f"127.0.0.1:{server.server_address[1]}",
        "GEOCODER_SCHEME": "http",
        "GEOCODER_API_KEY": "test-ak",
        "GEOCODER_MIN_DELAY_S": 0.0,
        "GEOCODER_TIMEOUT_S": 5,
        "GEOCODER_USER_AGENT": "dispatch-tests",
        "GEOCODER_BOUNDS": "32.2,112.0,32.9,112.8",
    }
    config.update(extra)
    return config


def test_nominatim_answers_in_wgs84_and_is_used_after_the_gazetteer(db, county, provider):
    server, handler = provider
    handler.answers["Zhangzhuang hamlet"] = [
        {"lat": "32.5401", "lon": "112.3333", "display_name": "张庄, 新野县", "addresstype": "village"}
    ]
    found = find(db, county, address="Zhangzhuang hamlet", config=_config(server, "nominatim"))
    assert (found.lat, found.lon) == (32.5401, 112.3333)
    assert found.source == "geocoder:nominatim" and found.precision == "village"
    assert handler.seen and handler.seen[0].startswith("/search")
    # A place the gazetteer knows never reaches the provider.
    handler.seen.clear()
    assert find(db, county, address="书院路", config=_config(server, "nominatim")).source == "gazetteer"
    assert handler.seen == []


def test_baidu_answers_in_bd09_and_is_converted_to_wgs84(db, county, provider):
    server, handler = provider
    wgs = (32.5290, 112.3650)
    bd_lat, bd_lon = coords.wgs84_to_bd09(*wgs)
    handler.answers["新野县某某加油站"] = {
        "status": 0,
        "result": {
            "location": {"lat": bd_lat, "lng": bd_lon},
            "precise": 1,
            "confidence": 80,
            "level": "门址",
        },
    }
    found = find(db, county, address="新野县某某加油站", config=_config(server, "baiduv3"))
    assert abs(found.lat - wgs[0]) < 1e-5 and abs(found.lon - wgs[1]) < 1e-5
    # The raw BD-09 answer is hundreds of metres off: the conversion matters.
    assert abs(bd_lat - wgs[0]) + abs(bd_lon - wgs[1]) > 0.005
    assert found.source == "geocoder:baiduv3" and found.precision == "building"
    assert "ak=test-ak" in handler.seen[0]


def test_an_answer_outside_the_service_bounds_is_refused(db, county, provider):
    server, handler = provider
    handler.answers["Nanjing Road, Shanghai"] = [
        {"lat": "31.2304", "lon": "121.4737", "display_name": "上海人民广场"}
    ]
    assert find(db, county, address="Nanjing Road, Shanghai", config=_config(server, "nominatim")) is None


def test_a_provider_that_is_down_means_not_found(db, county, provider):
    server, _handler = provider
    config = _config(server, "nominatim", GEOCODER_DOMAIN="127.0.0.1:1")
    assert find(db, county, address="Zhangzhuang hamlet", config=config) is None


def test_no_provider_by_default(app):
    assert external.build(app.config) is None
