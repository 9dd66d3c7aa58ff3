"""The offline gazetteer: place names the service knows, as a geopy geocoder.

It is one link of the geocoding chain (DESIGN.md §3), after the customer/asset registry and
before any external provider. It reads ``config/gazetteer.csv`` (columns
``org,name,aliases,kind,lat,lon``; aliases separated by ``|``; coordinates WGS-84) once, indexes
every name and alias by its normalised spelling, and never touches the network.

A query is tried, in this order, until something matches:

1. the whole query equals a name or alias (after ``normalize_address``);
2. an intersection: two known streets joined by 与/和/… or followed by 路口/交叉口/口, in
   either order ("新华街和书院路路口" finds 书院路与新华路交叉口);
3. a landmark, building, community or village named somewhere inside the text — the longest
   name wins, so "我在王庄镇李庄村这里水管爆了" finds 李庄村 through its alias 王庄镇李庄村;
4. a known street with a house number ("书院路128号3单元"): the street's point;
5. a known street named anywhere in the text;
6. a town or township named anywhere in the text.

Each answer is a ``geopy.location.Location`` whose ``raw`` is
``{"source": "gazetteer", "precision": <kind matched>, "name": ..., "org": ..., "kind": ...}``
(plus ``"number"`` for step 4), so the chain can store where a position came from and how
precise it is.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from geopy.adapters import BaseSyncAdapter
from geopy.geocoders.base import Geocoder
from geopy.location import Location
from geopy.point import Point

from dispatch.geo.distance import haversine_km_many
from dispatch.geo.normalize import (
    INTERSECTION_CONNECTORS,
    INTERSECTION_CUES,
    clean_text,
    format_address,
    parse_address,
    parse_cleaned,
    strip_admin_prefix,
)

KINDS = ("building", "landmark", "intersection", "community", "village", "street", "town")
#: Finer places first: when two names of the same length match, the finer one wins.
_RANK = {kind: i for i, kind in enumerate(KINDS)}
_INSIDE_TEXT_KINDS = frozenset({"building", "landmark", "community", "village"})
#: Names shorter than this are only matched as the whole query: "李庄" or "一高" inside free
#: text would match far too much by accident.
MIN_NAME_IN_TEXT = 3
_COLUMNS = ("org", "name", "aliases", "kind", "lat", "lon")


@dataclass(frozen=True)
class GazetteerEntry:
    """One row of the gazetteer."""

    org: str
    name: str
    aliases: tuple[str, ...]
    kind: str
    lat: float
    lon: float

    @property
    def spellings(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@dataclass(frozen=True)
class _Hit:
    entry: GazetteerEntry
    start: int
    end: int


class _OfflineAdapter(BaseSyncAdapter):
    """An adapter that refuses to fetch anything: the gazetteer must never go online."""

    def get_json(self, url: str, *, timeout: float, headers: dict[str, str]) -> Any:
        raise RuntimeError(f"the gazetteer is offline and will not fetch {url}")

    def get_text(self, url: str, *, timeout: float, headers: dict[str, str]) -> str:
        raise RuntimeError(f"the gazetteer is offline and will not fetch {url}")


def load_entries(path: str | os.PathLike[str], org: str | None = None) -> list[GazetteerEntry]:
    """Read the gazetteer CSV; rows of another org are skipped (rows with no org are shared).

    Raises ValueError naming the line of a row with missing columns, an unknown kind or
    coordinates that are not numbers.
    """
    entries = []
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        missing = set(_COLUMNS) - set(reader.fieldnames or ())
        if missing:
            raise ValueError(f"{path}: missing columns {sorted(missing)}")
        for row in reader:
            where = f"{path}:{reader.line_num}"
            if row["kind"] not in _RANK:
                raise ValueError(f"{where}: unknown kind {row['kind']!r}")
            try:
                lat, lon = float(row["lat"]), float(row["lon"])
            except (TypeError, ValueError):
                raise ValueError(f"{where}: lat/lon must be numbers") from None
            if not (-90 <= lat <= 90 and -180 <= lon <= 180) or not row["name"]:
                raise ValueError(f"{where}: needs a name and coordinates in range")
            if org is not None and row["org"] not in (org, ""):
                continue
            aliases = tuple(a.strip() for a in (row["aliases"] or "").split("|") if a.strip())
            entries.append(GazetteerEntry(row["org"], row["name"].strip(), aliases, row["kind"], lat, lon))
    return entries


class GazetteerGeocoder(Geocoder):
    """Geocode against the service's own list of streets, landmarks, villages and towns.

    ``GazetteerGeocoder("config/gazetteer.csv", org="xinye")`` loads the rows of one
    organisation (and the shared ones); ``org=None`` loads all. ``reverse`` names the nearest
    entry within ``max_reverse_km``.
    """

    def __init__(
        self, path: str | os.PathLike[str], org: str | None = None, *, max_reverse_km: float = 3.0
    ) -> None:
        super().__init__(adapter_factory=_OfflineAdapter)
        self.org = org
        self.max_reverse_km = max_reverse_km
        self.entries: list[GazetteerEntry] = load_entries(path, org)
        self._exact: dict[str, list[GazetteerEntry]] = {}
        self._streets: dict[str, GazetteerEntry] = {}
        self._intersections: dict[frozenset[str], GazetteerEntry] = {}
        # (key, entry) pairs searched inside free text, longest key first.
        self._inside: list[tuple[str, GazetteerEntry]] = []
        self._street_keys: list[tuple[str, GazetteerEntry]] = []
        self._town_keys: list[tuple[str, GazetteerEntry]] = []
        self._build_indexes()
        self._lats = np.array([e.lat for e in self.entries])
        self._lons = np.array([e.lon for e in self.entries])

    def _build_indexes(self) -> None:
        inside: dict[tuple[str, int], GazetteerEntry] = {}
        for entry in self.entries:
            for spelling in entry.spellings:
                cleaned = clean_text(spelling)
                key = format_address(parse_cleaned(cleaned))
                if key and entry not in self._exact.setdefault(key, []):
                    self._exact[key].append(entry)
                if entry.kind == "street" and key:
                    self._streets.setdefault(key, entry)
                for text_key in {cleaned, key}:
                    if len(text_key) >= MIN_NAME_IN_TEXT:
                        inside.setdefault((text_key, id(entry)), entry)
        for (key, _), entry in inside.items():
            if entry.kind in _INSIDE_TEXT_KINDS:
                self._inside.append((key, entry))
            elif entry.kind == "town":
                self._town_keys.append((key, entry))
        self._street_keys = sorted(self._streets.items(), key=lambda kv: -len(kv[0]))
        for keys in (self._inside, self._town_keys):
            keys.sort(key=lambda kv: (-len(kv[0]), _RANK[kv[1].kind]))
        for entry in self.entries:
            if entry.kind != "intersection":
                continue
            for spelling in entry.spellings:
                parsed = parse_address(spelling)
                if parsed.street and parsed.cross_street:
                    pair = [self._resolve_street(s) for s in (parsed.street, parsed.cross_street)]
                    if pair[0] and pair[1] and pair[0] != pair[1]:
                        self._intersections.setdefault(frozenset((pair[0].name, pair[1].name)), entry)

    # --- geopy interface ---------------------------------------------------------------------

    def geocode(
        self, query: str, exactly_one: bool = True, timeout: float | None = None
    ) -> Location | list[Location] | None:
        """Find ``query``; returns a Location (or a list of them), or None when nothing matches.

        ``timeout`` is accepted for the geopy interface and ignored: nothing here waits.
        """
        locations = self._find(query or "")
        if not locations:
            return None
        return locations[0] if exactly_one else locations

    def reverse(
        self,
        query: Any,
        exactly_one: bool = True,
        timeout: float | None = None,
        skip_kinds: tuple[str, ...] = ("street", "intersection"),
    ) -> Location | list[Location] | None:
        """The entries nearest to a point (anything geopy's ``Point`` accepts), nearest first.

        Streets and intersections are left out by default (a street's point is only its
        middle; an intersection's is a corner, which names a place well: pass
        ``skip_kinds=("street",)`` to keep them); returns None when nothing lies within
        ``max_reverse_km``.
        """
        point = Point(query)
        if not self.entries:
            return None
        distances = haversine_km_many(point.latitude, point.longitude, self._lats, self._lons)
        found = []
        for i in np.argsort(distances):
            if distances[i] > self.max_reverse_km:
                break
            entry = self.entries[i]
            if entry.kind in skip_kinds:
                continue
            found.append(self._location(entry, distance_km=round(float(distances[i]), 3)))
            if exactly_one:
                return found[0]
        return found or None

    # --- matching ----------------------------------------------------------------------------

    def _find(self, query: str) -> list[Location]:
        text = clean_text(query)
        parsed = parse_cleaned(text)
        canonical = format_address(parsed)
        if not canonical:
            return []
        exact = self._exact.get(canonical)
        if exact:
            return [self._location(e) for e in sorted(exact, key=lambda e: _RANK[e.kind])]
        streets = self._streets_in(text)
        corner = self._intersection_in(text, streets)
        if corner:
            return [self._location(corner)]
        inside = self._best_inside(text, self._inside)
        if inside:
            return [self._location(e) for e in inside]
        if parsed.street and parsed.number and not parsed.cross_street:
            street = self._resolve_street(parsed.street)
            if street:
                return [self._location(street, number=parsed.number)]
        if streets:
            return [self._location(hit.entry) for hit in streets[:1]]
        towns = self._best_inside(text, self._town_keys)
        return [self._location(e) for e in towns]

    def _resolve_street(self, token: str) -> GazetteerEntry | None:
        """The street a parsed street token names; free text before the name is ignored."""
        key = strip_admin_prefix(token)
        if key in self._streets:
            return self._streets[key]
        for name, entry in self._street_keys:
            if key.endswith(name):
                return entry
        return None

    def _streets_in(self, text: str) -> list[_Hit]:
        """Known streets named in ``text``, in reading order, longer names winning overlaps."""
        hits: list[_Hit] = []
        for key, entry in self._street_keys:
            start = text.find(key)
            while start >= 0:
                end = start + len(key)
                if all(end <= h.start or start >= h.end for h in hits):
                    hits.append(_Hit(entry, start, end))
                start = text.find(key, end)
        return sorted(hits, key=lambda h: h.start)

    def _intersection_in(self, text: str, streets: list[_Hit]) -> GazetteerEntry | None:
        for first, second in zip(streets, streets[1:], strict=False):
            between = text[first.end : second.start]
            followed_by_cue = text.startswith(INTERSECTION_CUES, second.end)
            if between in INTERSECTION_CONNECTORS or (between == "" and followed_by_cue):
                corner = self._intersections.get(frozenset((first.entry.name, second.entry.name)))
                if corner:
                    return corner
        return None

    @staticmethod
    def _best_inside(text: str, keys: Iterable[tuple[str, GazetteerEntry]]) -> list[GazetteerEntry]:
        """Entries whose name occurs in ``text``: all those of the longest matching length."""
        best: list[GazetteerEntry] = []
        best_len = 0
        for key, entry in keys:
            if len(key) < best_len:
                break
            if key in text and entry not in best:
                best.append(entry)
                best_len = len(key)
        return best

    def _location(self, entry: GazetteerEntry, *, number: str | None = None, **extra: Any) -> Location:
        raw: dict[str, Any] = {
            "source": "gazetteer",
            "precision": entry.kind,
            "name": entry.name,
            "org": entry.org,
            "kind": entry.kind,
            **extra,
        }
        address = entry.name
        if number:
            raw["number"] = number
            address = f"{entry.name}{number}号"
        return Location(address, (entry.lat, entry.lon), raw)
