"""The technician hears of his requisition by SMS: approved, refused (with the reason), and the
parts issued to his van. In his language, within two segments, through the outbox; called by
the operations of ``documents`` themselves, so every way of approving or issuing tells him."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from dispatch.assign.texts import in_language
from dispatch.parts.models import PartDocument
from dispatch.sms import outbox

APPROVED = "requisition_approved"
REFUSED = "requisition_refused"
ISSUED = "parts_issued"


def _items(document: PartDocument) -> str:
    return ", ".join(f"{line.part_number} x{line.quantity}" for line in document.lines)


def _job(document: PartDocument) -> str:
    order = document.work_order
    return (order.job_code or order.reference) if order is not None else "—"


def _send(session: Session, document: PartDocument, kind: str, build) -> None:
    from dispatch.parts.sms import fit_two_segments

    tech = document.technician
    if tech is None or not tech.phone:
        return
    with in_language(tech.language):
        params = {"number": document.number, "job": _job(document), "items": _items(document)}
        text = fit_two_segments(build(params))
    outbox.send(
        session,
        kind,
        to=tech.phone,
        text=text,
        params=params,
        order=document.work_order,
        org_id=document.org_id,
        technician_id=tech.id,
        language=tech.language,
    )


def approved(session: Session, document: PartDocument) -> None:
    _send(
        session,
        document,
        APPROVED,
        lambda p: _("Job %(job)s: requisition %(number)s approved, the warehouse will issue %(items)s.") % p,
    )


def refused(session: Session, document: PartDocument, reason: str) -> None:
    def build(p):
        return _("Job %(job)s: requisition %(number)s refused: %(reason)s. Asked: %(items)s.") % {
            **p,
            "reason": " ".join(reason.split()) or "—",
        }

    _send(session, document, REFUSED, build)


def issued(session: Session, document: PartDocument) -> None:
    _send(
        session,
        document,
        ISSUED,
        lambda p: _("Job %(job)s: %(items)s issued to your van (%(number)s).") % p,
    )
