"""Satisfaction (R12): a rating 1–5 for every service — from the signing page, or an SMS survey
sent when the signature came another way (or none was needed); one reminder, then "not answered"."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from dispatch import clock
from dispatch.assign.texts import short_language
from dispatch.errors import DomainError
from dispatch.orders import lifecycle
from dispatch.orders.lifecycle import Actor
from dispatch.orders.models import Channel
from dispatch.reports import texts
from dispatch.reports.models import ServiceReport, SurveyState
from dispatch.reports.rules import rules


class RatingError(DomainError):
    status = 400


def rate(session: Session, report: ServiceReport, rating: int, comment: str | None, *, source: str) -> None:
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise RatingError("A rating is a whole number from 1 to 5.")
    report.rating = rating
    report.rating_comment = (comment or "").strip()[:1000] or None
    report.rating_source = source
    report.rated_at = clock.now()
    report.survey_state = SurveyState.ANSWERED
    session.flush()
    lifecycle.record(
        session,
        report.order,
        "report_rated",
        Actor(Channel.SMS if source == "sms" else Channel.WEB),
        note=report.rating_comment,
        data={"rating": rating, "source": source},
    )


def ask(session: Session, report: ServiceReport) -> bool:
    """Send the survey to the reporter unless it was rated or asked already."""
    phone = report.order.reporter_phone
    if report.rating is not None or report.survey_state is not SurveyState.NONE or not phone:
        return False
    language = short_language(report.order.reporter_language)
    texts.send(
        session,
        report,
        to=phone,
        kind="report_survey",
        template="report_survey",
        params={"ref": report.order.reference},
        body=texts.survey_request(report, language),
        language=language,
    )
    report.survey_state, report.survey_phone, report.survey_sent_at = SurveyState.ASKED, phone, clock.now()
    session.flush()
    return True


def awaiting(session: Session, sender: str) -> ServiceReport | None:
    return session.scalar(
        sa.select(ServiceReport)
        .where(
            ServiceReport.survey_phone == sender,
            ServiceReport.survey_state.in_([SurveyState.ASKED, SurveyState.REMINDED]),
        )
        .order_by(ServiceReport.survey_sent_at.desc())
        .limit(1)
    )


def sweep(session: Session, now: datetime | None = None) -> tuple[int, int]:
    """The worker's job: one reminder after the configured hours, then "not answered".
    Returns (reminded, given up). Flushes; the job commits."""
    now = now or clock.now()
    wait = timedelta(hours=rules().survey_reminder_hours)
    reminded = given_up = 0
    for report in session.scalars(
        sa.select(ServiceReport).where(
            ServiceReport.survey_state == SurveyState.ASKED, ServiceReport.survey_sent_at <= now - wait
        )
    ):
        language = short_language(report.order.reporter_language)
        texts.send(
            session,
            report,
            to=report.survey_phone,
            kind="report_survey",
            template="report_survey_reminder",
            params={"ref": report.order.reference},
            body=texts.survey_request(report, language, reminder=True),
            language=language,
        )
        report.survey_state, report.survey_reminded_at = SurveyState.REMINDED, now
        reminded += 1
    for report in session.scalars(
        sa.select(ServiceReport).where(
            ServiceReport.survey_state == SurveyState.REMINDED, ServiceReport.survey_reminded_at <= now - wait
        )
    ):
        report.survey_state = SurveyState.NOT_ANSWERED
        given_up += 1
    session.flush()
    return reminded, given_up
