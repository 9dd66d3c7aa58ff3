"""The single place where the rest of the system drives the ledger.

- ``report_submitted`` → consumption booked (van → customer), old parts expected back;
- ``report_voided`` → that consumption given back, its expected old parts withdrawn;
- the write-off asks ``report_state`` for the job's current report;
- a report's part line takes its number, name and old-part-back flag from the catalog
  (``catalog_part``), and PACKED before submission asks for the draft's old parts
  (``draft_old_parts``);
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
from dispatch.parts import catalog, jobs, returns
from dispatch.parts.errors import UnknownPart


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


def catalog_part(session: Session, org_id: int, text: str):
    """The catalog's part for a report line, as the reports know it; None when unknown."""
    from dispatch.reports.service import CatalogPart

    try:
        part = catalog.find(session, org_id, text)
    except UnknownPart:
        return None
    return CatalogPart(part.number, part.name_zh, part.name_en, part.returns_required)


def draft_old_parts(session: Session, order_id: int) -> list[str]:
    """The part numbers of the job's draft report whose old part comes back: the line says so or
    the catalog does (as the consumption booked at submission will expect them)."""
    from dispatch.reports.models import ReportState, ServiceReport, ServiceReportPart

    order = session.get(WorkOrder, order_id)
    lines = session.scalars(
        sa.select(ServiceReportPart)
        .join(ServiceReport, ServiceReport.id == ServiceReportPart.report_id)
        .where(ServiceReport.work_order_id == order_id, ServiceReport.state == ReportState.DRAFT)
        .order_by(ServiceReportPart.id)
    )
    numbers = []
    for line in lines:
        known = None if line.old_part_returns else catalog_part(session, order.org_id, line.part_number)
        if line.old_part_returns or (known is not None and known.returns_required):
            numbers.append(line.part_number)
    return numbers


def connect() -> None:
    signals.report_submitted.connect(on_report_submitted, weak=False)
    signals.report_voided.connect(on_report_voided, weak=False)
    jobs.report_state = current_report_state
    returns.draft_old_parts = draft_old_parts
    from dispatch.reports import service

    service.catalog_part = catalog_part
    from dispatch.parts import sms

    sms.connect()
