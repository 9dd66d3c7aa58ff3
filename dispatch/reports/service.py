"""The report's life up to submission: opened on the first part line or on the work's
completion, filled (SMS, mobile page, console), completed, and revised.

Operations take a session and values, flush, never commit. A report is submitted (``complete``)
only when the fields that config/reports.toml requires are there; submitting is the order's
``complete`` transition when the order is not done yet, or follows it when DONE came first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from dispatch import clock, signals
from dispatch.errors import DomainError
from dispatch.geo.models import AssetKind, Customer
from dispatch.language import short_language
from dispatch.orders import lifecycle
from dispatch.orders.lifecycle import Actor
from dispatch.orders.models import Event, Status, WorkOrder
from dispatch.reports import texts, warranty
from dispatch.reports.models import (
    CONTENT,
    ReportState,
    Responsibility,
    ServiceReport,
    ServiceReportPart,
)
from dispatch.reports.rules import rules

#: The text fields a technician or dispatcher may fill.
TEXT_FIELDS = ("heard", "seen", "checked", "cause", "work_done", "advice")
#: Order states in which the work can still be completed by submitting the report.
BEFORE_DONE = (Status.ACCEPTED, Status.EN_ROUTE, Status.ON_SITE)


@dataclass(frozen=True)
class CatalogPart:
    """What a report line takes from the organisation's parts catalog."""

    number: str
    name_zh: str
    name_en: str
    #: The catalog says the old part must come back.
    returns_required: bool

    def name(self, language: str) -> str:
        return self.name_zh if language == "zh" else self.name_en


#: The catalog part an organisation means by a number or nickname, or None when the catalog
#: does not know it. ``dispatch.parts.hooks`` sets it (the reports know nothing of the ledger).
catalog_part: Callable[[Session, int, str], CatalogPart | None] = lambda session, org_id, text: None  # noqa: E731


class ReportError(DomainError):
    """A report operation the rules do not allow (a clear message for the user)."""

    status = 409


def current_report(session: Session, order: WorkOrder) -> ServiceReport | None:
    """The latest revision that is not void or returned (the one in play), if any."""
    return session.scalar(
        sa.select(ServiceReport)
        .where(
            ServiceReport.work_order_id == order.id,
            ServiceReport.state.not_in([ReportState.VOID, ReportState.RETURNED]),
        )
        .order_by(ServiceReport.revision.desc())
        .limit(1)
    )


def revisions(session: Session, order: WorkOrder) -> list[ServiceReport]:
    return list(
        session.scalars(
            sa.select(ServiceReport)
            .where(ServiceReport.work_order_id == order.id)
            .order_by(ServiceReport.revision)
        )
    )


def type_needs_report(order: WorkOrder) -> bool:
    return order.type_code in rules().report_types


def signature_required(order: WorkOrder) -> bool:
    """A customer signs where there is one: the types listed, or a registered customer's premises."""
    config = rules()
    return order.type_code in config.signature_types or (
        config.registered_customer_signs and order.customer_id is not None
    )


def _event_time(session: Session, order: WorkOrder, kind: str):
    return session.scalar(
        sa.select(Event.at)
        .where(Event.order_id == order.id, Event.kind == kind)
        .order_by(Event.id.desc())
        .limit(1)
    )


def open_report(session: Session, order: WorkOrder, *, filled_via: str = "sms") -> ServiceReport:
    """The draft in play for ``order``, created (pre-filled from the SMS loop) when there is none.
    Raises ``ReportError`` when the report in play is no longer a draft."""
    report = current_report(session, order)
    if report is not None:
        if not report.is_draft:
            raise ReportError(_("This report is no longer a draft: a correction is a new revision."))
        return report
    last = session.scalar(
        sa.select(sa.func.max(ServiceReport.revision)).where(ServiceReport.work_order_id == order.id)
    )
    report = ServiceReport(
        work_order_id=order.id,
        order=order,
        revision=(last or 0) + 1,
        organisation_id=order.org_id,
        technician_id=order.assignee_id,
        signature_required=signature_required(order),
        filled_via=filled_via,
        # What the reporter told us when the job came in: the technician corrects it if need be.
        heard=(order.description or "").strip() or None,
        arrived_at=_event_time(session, order, "arrive"),
        departed_at=_event_time(session, order, "complete"),
        state=ReportState.DRAFT,
    )
    session.add(report)
    session.flush()
    return report


def vehicle_of(session: Session, order: WorkOrder) -> Customer | None:
    customer = session.get(Customer, order.customer_id) if order.customer_id else None
    return customer if customer is not None and customer.kind is AssetKind.VEHICLE else None


def asset_facts(session: Session, report: ServiceReport) -> list[tuple[str, str]]:
    """What names the asset worked on, as (label, value) rows in the current language, for the
    report page, the signing page and the PDF: a vehicle's VIN, model and registered mileage (when
    the report has no reading of its own), a meter's account. Empty when the order has no asset."""
    order = report.order
    asset = session.get(Customer, order.customer_id) if order.customer_id else None
    if asset is None:
        return []
    if asset.kind is not AssetKind.VEHICLE:
        return [(_("Meter account"), asset.account)]
    rows = [(_("VIN"), asset.account)]
    if asset.model:
        rows.append((_("Model"), asset.model))
    if report.mileage_km is None and asset.mileage_km is not None:
        rows.append((str(texts.FIELD["mileage_km"]), f"{asset.mileage_km} km"))
    return rows


def check_warranty(session: Session, report: ServiceReport) -> dict | None:
    """The 三包 verdict for a vehicle job (None for anything else), stored on the report."""
    order = report.order
    vehicle = vehicle_of(session, order)
    group = rules().warranty_group(order.type_code)
    if vehicle is None and group is None:
        return None
    mileage = (
        report.mileage_km if report.mileage_km is not None else (vehicle.mileage_km if vehicle else None)
    )
    result = warranty.verdict(
        group, vehicle.sale_date if vehicle else None, mileage, clock.local(clock.now()).date()
    )
    report.warranty = result
    return result


def fill(
    session: Session, report: ServiceReport, values: dict[str, Any], *, filled_via: str | None = None
) -> None:
    """Set the given fields of a draft (empty strings clear nothing). The mileage read on site
    updates the vehicle registry and the warranty verdict."""
    if not report.is_draft:
        raise ReportError(_("This report is no longer a draft: a correction is a new revision."))
    for name in TEXT_FIELDS:
        value = values.get(name)
        if value is not None and str(value).strip():
            setattr(report, name, str(value).strip())
    if values.get("responsibility"):
        report.responsibility = Responsibility(values["responsibility"])
    if values.get("charges_cny") not in (None, ""):
        report.charges_cny = Decimal(str(values["charges_cny"]))
    if values.get("mileage_km") not in (None, ""):
        mileage = int(values["mileage_km"])
        if mileage < 0:
            raise ReportError(_("The mileage cannot be negative."))
        report.mileage_km = mileage
        vehicle = vehicle_of(session, report.order)
        if vehicle is not None:
            vehicle.mileage_km = mileage
    if filled_via:
        report.filled_via = filled_via
    check_warranty(session, report)
    session.flush()


def add_part(
    session: Session,
    report: ServiceReport,
    part_number: str,
    quantity: int = 1,
    *,
    name: str = "",
    reason: str = "",
    old_part_returns: bool = False,
    serial_fitted: str | None = None,
    serial_removed: str | None = None,
) -> ServiceReportPart:
    if not report.is_draft:
        raise ReportError(_("This report is no longer a draft: a correction is a new revision."))
    """A part line on a draft. A part the catalog knows is written under its catalog number, with
    its name in the customer's language when none is given, and its old part comes back when the
    catalog says so (the warehouse expects it then, whatever the line says)."""
    if quantity < 1:
        raise ReportError(_("A part line needs a quantity of at least 1."))
    known = catalog_part(session, report.order.org_id, part_number)
    if known is not None:
        part_number = known.number
        name = name.strip() or known.name(short_language(report.order.reporter_language))
        old_part_returns = old_part_returns or known.returns_required
    line = ServiceReportPart(
        report=report,
        part_number=part_number.strip().upper(),
        quantity=quantity,
        name=name,
        reason=reason,
        old_part_returns=old_part_returns,
        serial_fitted=serial_fitted or None,
        serial_removed=serial_removed or None,
    )
    session.add(line)
    session.flush()
    return line


def approve_charges(session: Session, report: ServiceReport, user_id: int) -> None:
    """A supervisor agrees to the paid service (有偿服务, seed 3.3.4) on a draft report."""
    if not report.is_draft or report.charges_cny is None:
        raise ReportError(_("There are no charges waiting for approval on this report."))
    report.charges_approved_by_id = user_id
    session.flush()


def missing(report: ServiceReport) -> list[str]:
    """The required fields (config/reports.toml) still empty, plus charges awaiting approval."""
    gaps = [name for name in rules().required if getattr(report, name) in (None, "")]
    if report.charges_cny and report.charges_approved_by_id is None:
        gaps.append("charges_approval")
    return gaps


def submit(session: Session, report: ServiceReport, actor: Actor) -> ServiceReport:
    """Complete the report: the content and part lines become final for this revision.

    Completes the order's work first (lifecycle ``complete``) when it is not done yet. Raises
    ``ReportError`` when required fields are missing or the order is not in a state to finish.
    Sends ``report_submitted``; the signing request follows (see ``signing.request``)."""
    order = report.order
    if not report.is_draft:
        raise ReportError(_("This report has already been submitted."))
    gaps = missing(report)
    if gaps:
        raise ReportError(
            _("The report still needs: %(missing)s.") % {"missing": texts.missing_text(gaps)}, missing=gaps
        )
    lifecycle.ensure_version(order, None)
    if order.status is Status.ON_HOLD:
        lifecycle.transition(session, order, "resume", actor, note="resumed to finish the report")
    if order.status is Status.EN_ROUTE:
        lifecycle.transition(session, order, "arrive", actor, note="arrival recorded with the report")
    if order.status in BEFORE_DONE:
        lifecycle.transition(session, order, "complete", actor, note=report.work_done)
    if order.status is not Status.WORK_DONE:
        raise ReportError(_("The work on this order is not recorded done."))
    if report.arrived_at is None:
        report.arrived_at = _event_time(session, order, "arrive")
    if report.departed_at is None:
        report.departed_at = _event_time(session, order, "complete") or clock.now()
    check_warranty(session, report)
    session.flush()
    report.state = ReportState.COMPLETE
    report.submitted_at = clock.now()
    lifecycle.record(
        session,
        order,
        "report_submitted",
        actor,
        data={"revision": report.revision, "via": report.filled_via},
    )
    signals.report_submitted.send(report)
    return report


def revise(session: Session, report: ServiceReport, actor: Actor, reason: str) -> ServiceReport:
    """A correction: void ``report`` and open the next revision as a draft with the same content
    and part lines; a signed or approved order goes back to work_done (lifecycle ``revise``).
    The new revision needs its own signature. Returns the new draft."""
    if report.state in (ReportState.DRAFT, ReportState.VOID, ReportState.RETURNED):
        raise ReportError(_("There is nothing to correct in this revision."))
    if not reason or not reason.strip():
        raise ReportError(_("Say why the report is corrected."))
    order = report.order
    if order.status in (Status.SIGNED, Status.APPROVED):
        lifecycle.transition(session, order, "revise", actor, note=reason, data={"revision": report.revision})
    elif order.status is not Status.WORK_DONE:
        raise ReportError(_("The report of this order cannot be corrected now."))
    report.state = ReportState.VOID
    report.voided_at = clock.now()
    session.flush()
    signals.report_voided.send(report)
    draft = copy_as_draft(session, report)
    lifecycle.record(
        session,
        order,
        "report_revised",
        actor,
        note=reason,
        data={"voided": report.revision, "new": draft.revision},
    )
    return draft


def copy_as_draft(session: Session, report: ServiceReport) -> ServiceReport:
    draft = ServiceReport(state=ReportState.DRAFT, order=report.order)
    for name in CONTENT:
        setattr(draft, name, getattr(report, name))
    draft.revision = report.revision + 1
    draft.charges_approved_by_id = None
    session.add(draft)
    session.flush()
    for line in report.parts:
        session.add(
            ServiceReportPart(
                report=draft,
                part_number=line.part_number,
                name=line.name,
                quantity=line.quantity,
                reason=line.reason,
                old_part_returns=line.old_part_returns,
                serial_fitted=line.serial_fitted,
                serial_removed=line.serial_removed,
            )
        )
    session.flush()
    return draft
