"""Satisfaction by SMS: asked when the signature came another way, one reminder, then not answered;
the rating shows on the work order."""

from datetime import timedelta

from dispatch import clock
from dispatch.reports.models import SurveyState
from dispatch.worker import run_report_survey
from tests.reports.helpers import report_of, sent_to, text
from tests.reports.test_rule import CITIZEN, county_connection


def confirmed(db, demo):
    order = county_connection(db, demo)
    text(db, CITIZEN, f"确认 {report_of(db, order).confirm_code}")
    return order


def test_a_reply_1_to_5_answers_the_survey_and_shows_on_the_order(db, demo, client, auth):
    order = confirmed(db, demo)
    assert report_of(db, order).survey_state is SurveyState.ASKED
    assert "感谢" in text(db, CITIZEN, "4 师傅很专业")
    report = report_of(db, order)
    assert (report.rating, report.rating_comment, report.rating_source) == (4, "师傅很专业", "sms")
    auth.login("dispatcher", "demo-pass")
    page = client.get(f"/console/orders/{order.reference}").get_data(as_text=True)
    assert "★★★★☆" in page and "师傅很专业" in page


def test_one_reminder_then_not_answered(db, demo, app):
    order = confirmed(db, demo)
    start = clock.now()
    clock.freeze(start + timedelta(hours=23))
    assert run_report_survey(app, "test") == (0, 0)
    clock.freeze(start + timedelta(hours=25))
    assert run_report_survey(app, "test") == (1, 0)
    assert len(sent_to(db, CITIZEN, "report_survey")) == 2
    assert report_of(db, order).survey_state is SurveyState.REMINDED
    clock.freeze(start + timedelta(hours=49) + timedelta(hours=1))
    assert run_report_survey(app, "test") == (0, 1)
    assert report_of(db, order).survey_state is SurveyState.NOT_ANSWERED
    assert len(sent_to(db, CITIZEN, "report_survey")) == 2
    # A late digit is no longer a survey answer: it goes on to the citizen channel.
    text(db, CITIZEN, "5")
    assert report_of(db, order).rating is None
