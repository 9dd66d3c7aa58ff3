"""The single place where the rest of the system drives the ledger.

- ``report_submitted`` → consumption booked (van → customer), old parts expected back;
- ``report_voided`` → that consumption given back, its expected old parts withdrawn;
- the write-off asks ``report_state`` for the job's current report;
- the technician's parts words join the SMS command table (``dispatch.parts.sms``).

Each receiver runs inside the report's own transaction, so a report and its bookings commit or
roll back together.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session, object_session

from dispatch import clock, signals
from dispatch.assign.models import Technician
from dispatch.orders.models import WorkOrder
from dispatch.parts import jobs


def report_lines(report) -> list[jobs.ReportLine]:
    return [
        jobs.ReportLine(
            part_number=line.part_number,
            quantity=line.quantity,
            old_part_returns=line.old_part_returns,
            serial_fitted=line.serial_fitted,
            serial_removed=line.serial_removed,
        )
        for line in report.parts
    ]


def on_report_submitted(report, **_kw) -> None:
    session = object_session(report)
    order = session.get(WorkOrder, report.work_order_id)
    technician = session.get(Technician, report.technician_id) if report.technician_id else None
    done = report.departed_at or report.submitted_at
    jobs.book_consumption(
        session,
        order,
        report_lines(report),
        report_id=report.id,
        technician=technician,
        on=clock.local(done).date() if done else None,
    )


def on_report_voided(report, **_kw) -> None:
    jobs.reverse_consumption(object_session(report), report.id)


def current_report_state(session: Session, order_id: int) -> str | None:
    """The state of the job's latest report revision that is not void, or None."""
    from dispatch.reports.models import ReportState, ServiceReport

    state = session.scalar(
        sa.select(ServiceReport.state)
        .where(ServiceReport.work_order_id == order_id, ServiceReport.state != ReportState.VOID)
        .order_by(ServiceReport.revision.desc(), ServiceReport.id.desc())
        .limit(1)
    )
    return state.value if state is not None else None


def connect() -> None:
    signals.report_submitted.connect(on_report_submitted, weak=False)
    signals.report_voided.connect(on_report_voided, weak=False)
    jobs.report_state = current_report_state
    from dispatch.parts import sms

    sms.connect()
