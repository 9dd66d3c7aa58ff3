"""The calls-and-letters log (来电来函记录, R2): logged in time order, answered, archived."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from dispatch import clock
from dispatch.errors import DomainError, NotFound
from dispatch.intake.models import CallLog, LogKind
from dispatch.intake.phones import BadPhone, parse_optional
from dispatch.intake.text import _
from dispatch.orders.models import WorkOrder

#: A received time ahead of the clock by more than this is a typing error (clocks drift a little).
FUTURE_TOLERANCE = timedelta(hours=1)


def log_entry(
    session: Session,
    *,
    org_id: int,
    kind: LogKind,
    correspondent: str,
    subject: str,
    taken_by_id: int,
    content: str = "",
    phone: str | None = None,
    address: str | None = None,
    received_at: datetime | None = None,
    work_order_id: int | None = None,
    config=None,
) -> CallLog:
    """Log a call or a letter. A phone number that reads as one is stored in E.164; anything else
    is kept as written (a letter may give an extension or an office number). Flushes."""
    if not correspondent.strip() or not subject.strip():
        raise DomainError(_("Who it is from and what it is about are both needed."))
    if received_at is not None:
        try:
            clock.check_range(received_at)
        except clock.DateOutOfRange:
            raise DomainError(
                _(
                    "The date received must lie between %(first)s and %(last)s.",
                    first=clock.MIN_YEAR,
                    last=clock.MAX_YEAR,
                )
            ) from None
        if clock.aware(received_at) > clock.now() + FUTURE_TOLERANCE:
            raise DomainError(_("The date received cannot be in the future."))
    stored_phone = phone.strip() if phone else None
    if stored_phone and config is not None:
        try:
            parsed = parse_optional(stored_phone, config)
            stored_phone = parsed.e164 if parsed else None
        except BadPhone:
            pass
    entry = CallLog(
        org_id=org_id,
        kind=kind,
        received_at=clock.aware(received_at) if received_at else clock.now(),
        correspondent=correspondent.strip(),
        phone=stored_phone,
        address=address or None,
        subject=subject.strip(),
        content=content or "",
        taken_by_id=taken_by_id,
        work_order_id=work_order_id,
    )
    session.add(entry)
    session.flush()
    return entry


def log_phone_in(session: Session, order: WorkOrder, ack_text: str, user_id: int, type_name: str) -> CallLog:
    """A report taken on the phone is a call of the log (seed 3.5): who called, about what, when,
    and the reply given on the phone — the acknowledgement read out or sent. Flushes."""
    entry = log_entry(
        session,
        org_id=order.org_id,
        kind=LogKind.CALL,
        correspondent=order.reporter_name or order.reporter_phone or _("Caller without a name"),
        subject=f"{type_name} {order.reference}",
        content=order.description or "",
        taken_by_id=user_id,
        phone=order.reporter_phone,
        address=order.address,
        received_at=order.reported_at,
        work_order_id=order.id,
    )
    return record_reply(session, entry, ack_text, user_id)


def get_entry(session: Session, org_id: int, entry_id: int) -> CallLog:
    entry = session.get(CallLog, entry_id)
    if entry is None or entry.org_id != org_id:
        raise NotFound(_("No such entry in the log."))
    return entry


def record_reply(session: Session, entry: CallLog, reply: str, user_id: int) -> CallLog:
    if entry.archived_at is not None:
        raise DomainError(_("An archived entry cannot be changed."))
    if not reply.strip():
        raise DomainError(_("The reply is empty."))
    entry.reply = reply
    entry.replied_at = clock.now()
    entry.replied_by_id = user_id
    session.flush()
    return entry


def archive(session: Session, entry: CallLog, user_id: int) -> CallLog:
    """Archive an answered entry; it stays in the log, read-only."""
    if entry.archived_at is not None:
        raise DomainError(_("This entry is already archived."))
    if entry.reply is None:
        raise DomainError(_("Record the reply before archiving."))
    entry.archived_at = clock.now()
    entry.archived_by_id = user_id
    session.flush()
    return entry


def entries(session: Session, org_id: int, *, archived: bool = False) -> list[CallLog]:
    """The log in time order (oldest first), open entries or the archive."""
    archived_clause = CallLog.archived_at.is_not(None) if archived else CallLog.archived_at.is_(None)
    return list(
        session.scalars(
            sa.select(CallLog)
            .where(CallLog.org_id == org_id, archived_clause)
            .order_by(CallLog.received_at, CallLog.id)
        )
    )
