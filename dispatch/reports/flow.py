"""The report follows the order's timeline.

- A part used (the technician's PART command) becomes a draft line on the open report.
- Work done (``complete``) opens the report of a job that needs one (config/reports.toml, or any
  job with part lines), takes the DONE note as the work done, and submits it when nothing is
  missing — then the customer is asked to sign.
"""

from __future__ import annotations

from sqlalchemy.orm import Session, object_session

from dispatch.orders.lifecycle import Actor
from dispatch.orders.models import WorkOrder
from dispatch.reports import service, signing
from dispatch.reports.models import ServiceReport

_SUBMITTING = "reports.submitting"


def on_event(order: WorkOrder, event) -> None:
    session = object_session(order)
    if session is None:
        return
    if event.kind == "part_used":
        report = service.open_report(session, order)
        service.add_part(session, report, event.data.get("code", "?"), int(event.data.get("qty", 1)))
    elif event.kind == "complete" and not session.info.get(_SUBMITTING):
        report = service.current_report(session, order)
        if report is None and not service.type_needs_report(order):
            return
        if report is None:
            report = service.open_report(session, order)
        if report.is_draft:
            if event.note and not report.work_done:
                report.work_done = event.note
            report.departed_at = event.at
            session.flush()
            if not service.missing(report):
                submit(session, report, Actor(event.channel, technician_id=event.actor_technician_id))


def submit(session: Session, report: ServiceReport, actor: Actor) -> None:
    """Submit (completing the work first when needed) and, where a signature is required, ask
    the customer to sign."""
    session.info[_SUBMITTING] = True
    try:
        service.submit(session, report, actor)
    finally:
        session.info.pop(_SUBMITTING, None)
    if report.signature_required:
        signing.request(session, report)
