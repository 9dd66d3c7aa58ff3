"""The parts words by SMS: replies fit two segments, English works as Chinese does."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_babel import gettext as _

from dispatch.assign.dispatcher import record_phone_acceptance
from dispatch.assign.models import Technician
from dispatch.assign.texts import in_language
from dispatch.orders.lifecycle import Actor
from dispatch.orders.models import Channel, WorkOrder
from dispatch.parts import catalog, documents, locations, returns
from dispatch.parts.models import Part
from dispatch.reports import flow as report_flow
from dispatch.reports import service as report_service
from dispatch.sms.segments import count_segments
from tests.assign.helpers import report, text


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


@pytest.fixture
def on_site_job(app, db, request):
    """A county job of XY-T03's, on site; the technician texts in ``language``."""

    def make(language: str) -> tuple[Technician, WorkOrder]:
        demo = request.getfixturevalue("demo")
        tech = db.scalar(sa.select(Technician).where(Technician.code == "XY-T03"))
        tech.language = language
        order = report(db, demo.xinye, reporter_language=language)
        record_phone_acceptance(
            db, order, tech.id, Actor(Channel.CONSOLE, user_id=demo.users["dispatcher"].id)
        )
        db.commit()
        text(db, tech.phone, f"ARR {order.job_code}")
        return tech, db.get(WorkOrder, order.id)

    return make


@pytest.mark.parametrize("language", ["zh", "en"])
def test_packed_before_the_report_is_submitted_knows_the_catalogs_old_part(on_site_job, db, language):
    tech, order = on_site_job(language)
    code = order.job_code
    assert "V-2001" in text(db, tech.phone, f"PART {code} V-2001 1")

    reply = text(db, tech.phone, f"PACKED {code}")
    with in_language(language):
        nothing = _("Job %(code)s has no old part to bring back.") % {"code": code}
    assert reply != nothing
    assert code in reply and "V-2001" in reply and count_segments(reply).segments <= 2

    # The return the submitted report books is already packed.
    service_report = report_service.current_report(db, order)
    report_service.fill(db, service_report, {"work_done": "换闸阀", "cause": "阀杆断裂"})
    report_service.fill(db, service_report, {"responsibility": "product_quality"})
    report_flow.submit(db, service_report, Actor(Channel.SMS, technician_id=tech.id))
    db.commit()
    [expected] = returns.outstanding(db, order.org_id, work_order_id=order.id)
    assert expected.part.number == "V-2001" and expected.packed_at is not None


@pytest.mark.parametrize("language", ["zh", "en"])
def test_packed_says_there_is_nothing_to_bring_back_only_when_nothing_must_come_back(
    on_site_job, db, language
):
    tech, order = on_site_job(language)
    code = order.job_code
    text(db, tech.phone, f"PART {code} P-1001 1")  # a clamp: its old part stays
    with in_language(language):
        nothing = _("Job %(code)s has no old part to bring back.") % {"code": code}
    assert text(db, tech.phone, f"PACKED {code}") == nothing
