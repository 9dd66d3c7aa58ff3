"""The parts words by SMS: replies fit two segments, English works as Chinese does."""

from __future__ import annotations

import sqlalchemy as sa

from dispatch.assign.models import Technician
from dispatch.parts import catalog, documents, locations
from dispatch.parts.models import Part
from dispatch.sms.segments import count_segments
from tests.assign.helpers import text


def test_a_full_van_is_listed_within_two_segments_in_both_languages(demo, db):
    tech = db.scalar(sa.select(Technician).where(Technician.code == "XY-T03"))
    van = locations.of_technician(db, tech)
    parts = list(db.scalars(sa.select(Part).where(Part.org_id == demo.xinye.id)))
    documents.transfer(db, locations.warehouse(db, demo.xinye.id), van, [(p, 1) for p in parts], None, "load")
    db.commit()
    zh = text(db, tech.phone, "车存")
    assert zh.startswith("车上配件：C-4001 x1") and zh.endswith("…") and count_segments(zh).segments <= 2
    tech.language = "en"
    db.commit()
    en = text(db, tech.phone, "VAN")
    assert en.startswith("On your van: C-4001 x1") and count_segments(en).segments <= 2


def test_an_empty_van_and_a_part_nobody_knows(demo, db):
    tech = db.scalar(sa.select(Technician).where(Technician.code == "XY-T05"))
    tech.language = "en"
    db.commit()
    assert text(db, tech.phone, "VAN") == "Your van holds no parts."
    assert catalog.find(db, demo.xinye.id, "clamp150").number == "P-1002"
