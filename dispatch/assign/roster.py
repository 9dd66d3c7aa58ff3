"""The roster: who is on duty, on leave until when, who stands in for whom (同岗替代, R8), where.

Operations a dispatcher performs on the technicians page. Each takes the organisation of the
person acting, so another organisation's technician is simply not found; each flushes, the caller
commits.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from dispatch import clock
from dispatch.assign.models import DutyStatus, Technician
from dispatch.assign.ranking import LOADED, current_loads
from dispatch.errors import DomainError, NotFound
from dispatch.geo.placing import check_coordinates
from dispatch.orders.models import WorkOrder
from dispatch.sms.directory import Sender


def get_technician(session: Session, org_id: int, technician_id: int) -> Technician:
    """The technician ``technician_id`` of ``org_id``; NotFound for none or another organisation's."""
    tech = session.get(Technician, technician_id)
    if tech is None or tech.org_id != org_id:
        raise NotFound(_("No such technician."), technician_id=technician_id)
    return tech


def set_duty(session: Session, org_id: int, technician_id: int, status: DutyStatus) -> Technician:
    """On or off duty; either ends a leave."""
    if status is DutyStatus.ON_LEAVE:
        raise DomainError("Use set_leave to send someone on leave (it needs an end date).")
    tech = get_technician(session, org_id, technician_id)
    tech.duty_status = status
    tech.leave_until = None
    session.flush()
    return tech


def set_substitute(
    session: Session, org_id: int, technician_id: int, substitute_id: int | None
) -> Technician:
    """Name who takes ``technician_id``'s jobs while away (or nobody, with None)."""
    tech = get_technician(session, org_id, technician_id)
    if substitute_id is None:
        tech.substitute_id = None
    else:
        substitute = get_technician(session, org_id, substitute_id)
        if substitute.id == tech.id:
            raise DomainError("A technician cannot stand in for themselves.")
        tech.substitute_id = substitute.id
    session.flush()
    return tech


def set_leave(
    session: Session,
    org_id: int,
    technician_id: int,
    until: datetime,
    substitute_id: int | None = None,
    now: datetime | None = None,
) -> Technician:
    """On leave until ``until`` (aware, in the future), optionally naming the substitute.

    The substitute must belong to the same organisation and not be on leave at the same time.
    """
    now = now or clock.now()
    until = clock.aware(until)
    if until <= now:
        raise DomainError("The end of a leave must be in the future.")
    tech = get_technician(session, org_id, technician_id)
    if substitute_id is not None:
        substitute = get_technician(session, org_id, substitute_id)
        if substitute.id == tech.id:
            raise DomainError("A technician cannot stand in for themselves.")
        if substitute.duty_status is DutyStatus.ON_LEAVE and (
            substitute.leave_until is None or substitute.leave_until > now
        ):
            raise DomainError(f"{substitute.name} is on leave too; choose someone who is at work.")
        tech.substitute_id = substitute.id
    tech.duty_status = DutyStatus.ON_LEAVE
    tech.leave_until = until
    session.flush()
    return tech


def held_jobs(session: Session, org_id: int, technician_id: int) -> list[WorkOrder]:
    """The jobs ``technician_id`` holds and has not finished (accepted, on the way, on site, on
    hold), by reference. A leave does not take them from him: they stay his until a dispatcher
    reassigns them."""
    return list(
        session.scalars(
            sa.select(WorkOrder)
            .where(
                WorkOrder.org_id == org_id,
                WorkOrder.assignee_id == technician_id,
                WorkOrder.status.in_(LOADED),
            )
            .order_by(WorkOrder.reference)
        )
    )


def set_position(
    session: Session, org_id: int, technician_id: int, lat: float, lon: float, source: str = "console"
) -> Technician:
    """Where the technician is now, as a dispatcher was told (a basic phone reports nothing)."""
    check_coordinates(lat, lon)
    tech = get_technician(session, org_id, technician_id)
    tech.last_lat, tech.last_lon = lat, lon
    tech.last_position_at = clock.now()
    tech.last_position_source = source
    session.flush()
    return tech


def loads(session: Session, org_id: int) -> dict[int, int]:
    """Each technician's load (absent: none) — the one definition, the one ranking uses:
    :func:`dispatch.assign.ranking.current_loads`."""
    return current_loads(session, org_id)


def stands_in_for(session: Session, org_id: int) -> dict[int, list[Technician]]:
    """Substitute id → the colleagues they stand in for."""
    result: dict[int, list[Technician]] = {}
    for tech in session.scalars(
        sa.select(Technician).where(Technician.org_id == org_id, Technician.substitute_id.is_not(None))
    ):
        result.setdefault(tech.substitute_id, []).append(tech)
    return result


def sms_senders(session: Session, org_id: int) -> list[Sender]:
    """The organisation's technicians and service stations, by name: who the SMS simulator may
    send as (registered with the pipe at start-up)."""
    rows = session.execute(
        sa.select(Technician.id, Technician.name, Technician.phone)
        .where(Technician.org_id == org_id)
        .order_by(Technician.name)
    )
    return [Sender(id=i, name=name, phone=phone) for i, name, phone in rows]
