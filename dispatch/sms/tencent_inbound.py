"""Replies and delivery receipts from Tencent Cloud SMS, pushed or pulled, into the one pipeline.

The provider pushes replies (上行短信) and receipts to our callbacks, or holds them for
``PullSmsReplyStatus`` / ``PullSmsSendStatus`` where a deployment cannot be reached. Both arrive
here in the push callback's shape and go through ``inbound.receive`` and
``delivery.record_status`` like Twilio's.

A reply has no provider id, so it is known by one key made of the sender's number, the
provider's time of the reply and the text (``reply_key``): the same reply seen by the push and
by the pull, or pushed twice, is stored once and acted on once. Two identical texts sent by one
number within the same second would be taken as one — a repeated command, which acts once anyway.
Replies are never answered with free text: the handler's reply is kept on the stored message
(the console shows it) and a technician whose text acted on a job gets the ``command_reply``
template instead — the job and the state it is in now.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Mapping

import sqlalchemy as sa
from sqlalchemy.orm import Session

from dispatch.auth.models import Organisation
from dispatch.db import sqlite_writer
from dispatch.orders.models import Status, WorkOrder
from dispatch.sms import delivery, inbound, outbox, routing, templates
from dispatch.sms.models import InboundMessage

log = logging.getLogger(__name__)

#: A work order's state in the few Chinese words the ``command_reply`` template takes.
STATE_WORDS = {
    Status.QUEUED: "待派",
    Status.OFFERED: "待接单",
    Status.ACCEPTED: "已接单",
    Status.EN_ROUTE: "已出发",
    Status.ON_SITE: "已到场",
    Status.WORK_DONE: "已完工",
    Status.SIGNED: "已签字",
    Status.APPROVED: "已审核",
    Status.CLOSED: "已办结",
    Status.ON_HOLD: "暂停",
    Status.CANCELLED: "已取消",
}
#: Receipt statuses as our delivery statuses.
RECEIPT_STATUS = {"SUCCESS": "delivered", "FAIL": "undelivered"}


def e164(item: Mapping[str, object]) -> str:
    """The sender as +<country code><number>, whichever fields the push or the pull gave."""
    phone = str(item.get("phone") or "").strip()
    if phone.startswith("+"):
        return phone
    mobile = str(item.get("mobile") or "").strip().lstrip("+")
    nation = str(item.get("nationcode") or "86").strip().lstrip("+") or "86"
    if mobile.startswith(nation) and len(mobile) > 11:
        return "+" + mobile
    return f"+{nation}{mobile}"


def _text(item: Mapping[str, object]) -> str:
    # PostgreSQL text cannot hold NUL; nothing a handset sends needs it.
    return str(item.get("text") or "").replace("\x00", "")


def reply_key(sender: str, at: int, text: str) -> str:
    """The reply's identity: its number, the provider's time (seconds) and its text."""
    digest = hashlib.sha256(f"{sender}\n{int(at)}\n{text}".encode()).hexdigest()
    return f"tencent:{digest[:48]}"


def _recipient(session: Session, config: Mapping[str, object], sign: str) -> str | None:
    """The hotline number of the organisation whose signature the reply answered, if known:
    the citizen channel uses it to tell which organisation a report is for."""
    if not sign:
        return None
    for code, org in templates.current(config).organisations.items():
        if org.sign_name == sign:
            return session.scalar(sa.select(Organisation.sms_number).where(Organisation.code == code))
    return None


def receive_reply(
    session: Session, config: Mapping[str, object], item: Mapping[str, object]
) -> InboundMessage | None:
    """Store and act on one reply (push or pull shape). Commits (``inbound.receive``).
    Returns None for an item that is no reply (no number or no time)."""
    sender = e164(item)
    text = _text(item)
    try:
        at = int(item.get("time") or 0)
    except (TypeError, ValueError):
        at = 0
    if len(sender) < 4 or len(sender) > 40 or not at:
        return None
    recipient = _recipient(session, config, str(item.get("sign") or ""))
    return inbound.receive(
        session, provider_id=reply_key(sender, at, text), sender=sender, recipient=recipient, body=text
    )


def receive_replies(
    session: Session, config: Mapping[str, object], items: Iterable[Mapping[str, object]]
) -> int:
    """Each reply once; returns how many were new (a known key is not even handed to the pipe)."""
    new = 0
    for item in items:
        try:
            key = reply_key(e164(item), int(item.get("time") or 0), _text(item))
        except (TypeError, ValueError):
            continue
        known = session.scalar(sa.select(InboundMessage.id).where(InboundMessage.provider_id == key))
        session.rollback()
        if known is None and (message := receive_reply(session, config, item)) is not None:
            new += 1
            confirm(session, config, message)
    return new


def confirm(session: Session, config: Mapping[str, object], message: InboundMessage) -> None:
    """Tell a technician whose text acted on a job where the job stands, as a template (the
    handler's free-text reply cannot be sent). Commits."""
    if message.sender_kind != inbound.TECHNICIAN or message.work_order_id is None or message.error:
        return
    token = sqlite_writer.set(True)
    try:
        session.rollback()
        order = session.get(WorkOrder, message.work_order_id)
        if order is None:
            return
        org_code = session.scalar(sa.select(Organisation.code).where(Organisation.id == order.org_id))
        if routing.sends_free_text(config, org_code):
            return
        outbox.send(
            session,
            "command_reply",
            to=message.sender,
            text=message.reply or "",
            params={
                "job": order.job_code or order.reference,
                "state": STATE_WORDS.get(order.status, "已更新"),
            },
            order=order,
            language="zh",
        )
        session.commit()
    finally:
        session.rollback()
        sqlite_writer.reset(token)


def record_receipts(session: Session, items: Iterable[Mapping[str, object]]) -> int:
    """Record delivery receipts; returns how many changed a message. Flushes; the caller commits."""
    recorded = 0
    for item in items:
        status = RECEIPT_STATUS.get(str(item.get("report_status") or "").upper())
        sid = str(item.get("sid") or "")[:64]
        if status is None or not sid:
            continue
        error = str(item.get("errmsg") or "") if status != "delivered" else None
        outcome = delivery.record_status(session, sid, status, error)
        recorded += outcome is delivery.Outcome.RECORDED
    return recorded


def pull(session: Session, config: Mapping[str, object], gateway) -> tuple[int, int]:
    """One run of the pull job: the replies the provider holds, then its receipts.

    The provider hands each pulled item out once: a reply is stored (committed) the moment it is
    read, before it is acted on, so only a process killed between the provider's answer and that
    commit can lose one. Returns (new replies, receipts recorded)."""
    replies = receive_replies(session, config, gateway.pull_replies())
    receipts = gateway.pull_receipts()
    token = sqlite_writer.set(True)
    try:
        session.rollback()
        recorded = record_receipts(session, receipts)
        session.commit()
    finally:
        sqlite_writer.reset(token)
    return replies, recorded
