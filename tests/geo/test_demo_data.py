"""The shipped demo data fits together: codes resolve, phones are valid, VINs check out."""

import csv
import re
from datetime import date
from pathlib import Path

import phonenumbers
import pytest

from dispatch.geo.area import ServiceArea
from dispatch.geo.distance import great_circle_km
from dispatch.geo.gazetteer import GazetteerGeocoder

CONFIG = Path(__file__).resolve().parents[2] / "config"
SKILLS = {
    "xinye": {"water", "sewer", "roads", "civil", "inspection", "customer_service"},
    "zycoach": {"vehicle_body", "vehicle_chassis", "customer_service"},
}


def _rows(name):
    with open(CONFIG / "demo" / name, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _is_mobile(number):
    parsed = phonenumbers.parse(number)
    return (
        number.startswith("+86")
        and phonenumbers.is_valid_number(parsed)
        and phonenumbers.number_type(parsed) == phonenumbers.PhoneNumberType.MOBILE
    )


@pytest.fixture(scope="module")
def area():
    return ServiceArea.load(CONFIG / "service_area.geojson")


def test_technicians_resolve_to_depots_and_substitutes(area):
    rows = _rows("technicians.csv")
    by_code = {r["code"]: r for r in rows}
    assert len(by_code) == len(rows)
    assert len({r["phone"] for r in rows}) == len(rows)
    for r in rows:
        assert _is_mobile(r["phone"]), r["code"]
        assert r["kind"] in {"technician", "station"}
        assert r["language"] in {"zh", "en"}
        assert r["on_duty"] in {"true", "false"}
        assert set(r["skills"].split(";")) <= SKILLS[r["org"]], r["code"]
        assert area.site(r["home_depot"]).org == r["org"]
        if r["substitute"]:
            assert r["substitute"] != r["code"]
            assert by_code[r["substitute"]]["org"] == r["org"]
    xinye = [r for r in rows if r["org"] == "xinye"]
    assert 18 <= len(xinye) <= 22
    assert sum(1 for r in xinye if r["substitute"]) >= len(xinye) - 2
    assert any(r["language"] == "en" for r in rows)


def test_every_service_station_is_an_assignee_reachable_on_its_duty_phone(area):
    stations = {r["code"]: r for r in _rows("technicians.csv") if r["kind"] == "station"}
    for site in area.sites("zycoach", "service_station"):
        assert stations[site.code]["phone"] == site.duty_phone


def test_meter_accounts_are_placed_by_the_gazetteer():
    gazetteer = GazetteerGeocoder(CONFIG / "gazetteer.csv", org="xinye")
    rows = _rows("meter_accounts.csv")
    assert 70 <= len(rows) <= 100
    assert len({r["account"] for r in rows}) == len(rows)
    for r in rows:
        assert re.fullmatch(r"XY-\d{7}", r["account"])
        assert _is_mobile(r["phone"])
        lat, lon = float(r["lat"]), float(r["lon"])
        found = gazetteer.geocode(r["address"])
        assert found is not None, r["address"]
        # A street is placed at its middle; the county town's streets are under 6 km long.
        limit = 3.5 if found.raw["precision"] == "street" else 1.5
        assert great_circle_km(lat, lon, found.latitude, found.longitude) < limit, r["address"]


_VIN_VALUES = {**{str(d): d for d in range(10)}, **dict(zip("ABCDEFGH", range(1, 9), strict=True))}
_VIN_VALUES |= {**dict(zip("JKLMN", range(1, 6), strict=True)), "P": 7, "R": 9}
_VIN_VALUES |= dict(zip("STUVWXYZ", range(2, 10), strict=True))
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
_MODEL_YEAR = {"L": 2020, "M": 2021, "N": 2022, "P": 2023, "R": 2024, "S": 2025, "T": 2026}


def _check_digit(vin):
    remainder = sum(_VIN_VALUES[c] * w for c, w in zip(vin, _VIN_WEIGHTS, strict=True)) % 11
    return "X" if remainder == 10 else str(remainder)


def test_check_digit_of_a_published_vin():
    assert _check_digit("1M8GDM9AXKP042788") == "X"  # the textbook example (ISO 3779 / 49 CFR 565)


def test_coaches_have_valid_vins_and_plausible_mileage():
    rows = _rows("coaches.csv")
    assert len(rows) >= 250
    assert len({r["vin"] for r in rows}) == len(rows)
    for r in rows:
        vin = r["vin"]
        assert re.fullmatch(r"[A-HJ-NPR-Z0-9]{17}", vin), vin
        assert vin.startswith("LZY")
        assert vin[8] == _check_digit(vin), vin
        sold = date.fromisoformat(r["sale_date"])
        assert date(2020, 1, 1) <= sold <= date(2026, 11, 15)
        assert _MODEL_YEAR[vin[9]] == sold.year
        years = (date(2026, 11, 15) - sold).days / 365.25
        assert 15_000 * years <= int(r["mileage_km"]) <= 150_000 * years + 1, vin
        assert _is_mobile(r["owner_phone"])
        assert 18 < float(r["lat"]) < 54 and 73 < float(r["lon"]) < 135
    assert len({r["base_city"] for r in rows}) >= 10
