"""Signing — three ways, one rule (seed 3.3.2: after the service, never before, never altered).

The rule is checked here for every way in: the report must be complete and the order's work
recorded done, and it must not be signed already (the table's unique key on the signature's
report makes a second signature impossible even for two requests racing). Signing stores the
evidence, the name, the time, where from, the content hash and the PDF, and moves the order
through the lifecycle's ``sign``.
"""

from __future__ import annotations

import base64
import binascii
import io
import secrets

from flask import current_app
from flask_babel import gettext as _
from PIL import Image, UnidentifiedImageError
from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch import clock
from dispatch.assign.texts import short_language
from dispatch.errors import DomainError
from dispatch.orders import lifecycle
from dispatch.orders.lifecycle import Actor
from dispatch.orders.models import Channel, Event, Status
from dispatch.reports import canonical, links, pdf, service, short_codes, survey, texts
from dispatch.reports.models import (
    ReportLink,
    ReportState,
    ServiceReport,
    ServiceReportSignature,
    SignatureMethod,
)
from dispatch.reports.rules import rules
from dispatch.sms import routing
from dispatch.sms.models import InboundMessage

MAX_SIGNATURE_BYTES = 500 * 1024
#: Wrong codes one report's SMS confirmation takes: a 4-digit code is not to be guessed. After
#: that the report is signed on the page or on paper, never by SMS.
MAX_WRONG_SMS_CODES = 5
MAX_PAPER_BYTES = 5 * 1024 * 1024
#: Magic numbers of the paper uploads accepted, and the file name endings each may carry.
PAPER_TYPES = {
    "application/pdf": (b"%PDF-", (".pdf",)),
    "image/jpeg": (b"\xff\xd8\xff", (".jpg", ".jpeg")),
    "image/png": (b"\x89PNG\r\n\x1a\n", (".png",)),
}


class SigningRefused(DomainError):
    status = 409


def check_signable(report: ServiceReport) -> None:
    """Raise ``SigningRefused`` unless ``report`` may be signed now."""
    if report.signature is not None or report.signed_at is not None or report.state is ReportState.SIGNED:
        raise SigningRefused(_("This report is already signed; a signature is never replaced."))
    if report.state in (ReportState.VOID, ReportState.RETURNED):
        raise SigningRefused(_("This report has been replaced by a newer revision."))
    if report.state is ReportState.DRAFT or report.order.status is not Status.WORK_DONE:
        raise SigningRefused(
            _("The report is not complete yet: it can be signed only after the work is done.")
        )
    if report.state is not ReportState.COMPLETE:
        raise SigningRefused(
            _("This report cannot be signed now (it is %(state)s).") % {"state": report.state.value}
        )


def customer_language(report: ServiceReport) -> str:
    return short_language(report.order.reporter_language)


def request(session: Session, report: ServiceReport) -> list[str]:
    """Ask the customer to sign a report just completed. The on-screen link goes to the reporter's
    mobile and, for a vehicle, to the owner's registered mobile when it differs; where the
    organisation enables it, the reporter also gets a code to confirm by SMS. Returns the numbers
    written to."""
    order = report.order
    language = customer_language(report)
    numbers: list[str] = []
    for number in (order.reporter_phone, getattr(service.vehicle_of(session, order), "phone", None)):
        if number and number not in numbers:
            numbers.append(number)
    templates_only = not routing.sends_free_text(current_app.config, order.org.code if order.org else None)
    for number in numbers:
        link = links.create_link(session, report, "sign", sent_to=number)
        url = links.url_for_link(link)
        params = {"ref": order.reference}
        if templates_only:
            # A link may not be a template variable: the registered address in the approved text,
            # then a short single-use code standing for this link (``short_codes``).
            params["code"] = short_codes.create(session, link)
        texts.send(
            session,
            report,
            to=number,
            kind="report_sign",
            template="report_sign",
            params=params,
            body=texts.sign_request(report, url, language),
            language=language,
        )
    if order.reporter_phone and rules().sms_confirmation.get(order.org.code if order.org else "", False):
        code = f"{secrets.randbelow(10000):04d}"
        report.confirm_code, report.confirm_phone, report.confirm_sent_at = (
            code,
            order.reporter_phone,
            clock.now(),
        )
        texts.send(
            session,
            report,
            to=order.reporter_phone,
            kind="report_confirm",
            template="report_confirm",
            params={"ref": order.reference, "code": code},
            body=texts.confirm_request(report, code, language),
            language=language,
        )
    if numbers:
        lifecycle.record(session, order, "signing_requested", Actor.system(), data={"to": numbers})
    return numbers


def _sign(
    session: Session,
    report: ServiceReport,
    actor: Actor,
    *,
    method: SignatureMethod,
    signer_name: str,
    evidence: bytes | None,
    evidence_sha256: str,
    evidence_mime: str | None,
    client_address: str | None,
    inbound_message_id: int | None = None,
    recorded_by_id: int | None = None,
) -> ServiceReportSignature:
    check_signable(report)
    signer_name = (signer_name or "").strip()
    if not signer_name:
        raise SigningRefused(_("Type the signer's name."))
    now = clock.now().replace(microsecond=0)
    signature = ServiceReportSignature(
        report=report,
        method=method,
        signer_name=signer_name[:120],
        signed_at=now,
        client_address=(client_address or "")[:64] or None,
        evidence=evidence,
        evidence_mime=evidence_mime,
        evidence_sha256=evidence_sha256,
        inbound_message_id=inbound_message_id,
        recorded_by_id=recorded_by_id,
    )
    # Hash, PDF and the seal are written in one flush: the model refuses them once signed.
    with session.no_autoflush:
        session.add(signature)
        report.state = ReportState.SIGNED
        report.signed_at = now
        report.content_hash = canonical.content_hash(report, signature)
        report.pdf = pdf.render(report, customer_language(report))
    session.flush()
    lifecycle.transition(
        session,
        report.order,
        "sign",
        actor,
        note=signer_name,
        data={"revision": report.revision, "method": method.value, "hash": report.content_hash},
    )
    return signature


def decode_signature_png(data_url: str) -> bytes:
    """The PNG behind a canvas's data URL. Refuses anything else, an oversized image and an
    empty canvas (every pixel transparent)."""
    prefix = "data:image/png;base64,"
    if not data_url or not data_url.startswith(prefix):
        raise SigningRefused(_("The signature must be a PNG image drawn on the page."))
    try:
        raw = base64.b64decode(data_url[len(prefix) :], validate=True)
    except (binascii.Error, ValueError):
        raise SigningRefused(_("The signature must be a PNG image drawn on the page.")) from None
    if len(raw) > MAX_SIGNATURE_BYTES:
        raise SigningRefused(_("The signature image is too large (at most 500 KB)."))
    if not raw.startswith(PAPER_TYPES["image/png"][0]):
        raise SigningRefused(_("The signature must be a PNG image drawn on the page."))
    try:
        image = Image.open(io.BytesIO(raw))
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError):
        raise SigningRefused(_("The signature must be a PNG image drawn on the page.")) from None
    if image.format != "PNG":
        raise SigningRefused(_("The signature must be a PNG image drawn on the page."))
    alpha = image.convert("RGBA").getchannel("A")
    if alpha.getbbox() is None:
        raise SigningRefused(_("The signature is empty: sign in the box first."))
    return raw


def sign_on_screen(
    session: Session,
    link: ReportLink,
    *,
    data_url: str,
    signer_name: str,
    rating: int | None,
    comment: str | None,
    client_address: str | None,
) -> ServiceReportSignature:
    """The customer's signature from the signing page (the link is used up)."""
    links.ensure_unused(link)
    report = link.report
    check_signable(report)
    png = decode_signature_png(data_url)
    signature = _sign(
        session,
        report,
        Actor(Channel.WEB),
        method=SignatureMethod.SCREEN,
        signer_name=signer_name,
        evidence=png,
        evidence_sha256=canonical.sha256(png),
        evidence_mime="image/png",
        client_address=client_address,
    )
    links.use(link)
    if rating is not None:
        survey.rate(session, report, rating, comment, source="page")
    else:
        survey.ask(session, report)
    return signature


def wrong_sms_codes(session: Session, report: ServiceReport) -> int:
    """How many wrong codes were sent to confirm this revision of the report by SMS."""
    events = session.scalars(
        select(Event).where(Event.order_id == report.work_order_id, Event.kind == "sms_code_refused")
    )
    return sum(1 for event in events if (event.data or {}).get("report_id") == report.id)


def sign_by_sms(
    session: Session, report: ServiceReport, message: InboundMessage, code: str
) -> ServiceReportSignature:
    """A confirmation reply: only from the number the code was sent to, with that code, and
    refused for good once MAX_WRONG_SMS_CODES wrong codes came for the report. A wrong code is
    recorded on the timeline even though it refuses (flushed outside the signing's savepoint: the
    caller commits it)."""
    if not report.confirm_code or message.sender != report.confirm_phone:
        raise SigningRefused(_("This number cannot confirm that report."))
    locked = SigningRefused(
        _(
            "Too many wrong codes: this report can no longer be confirmed by SMS. Sign on the page "
            "from the link in our message, or ask the technician."
        )
    )
    wrong = wrong_sms_codes(session, report)
    if wrong >= MAX_WRONG_SMS_CODES:
        raise locked
    if not secrets.compare_digest(code.encode(), report.confirm_code.encode()):
        wrong += 1
        data = {"report_id": report.id, "revision": report.revision, "from": message.sender}
        lifecycle.record(session, report.order, "sms_code_refused", Actor(Channel.SMS), data=data)
        if wrong >= MAX_WRONG_SMS_CODES:
            lifecycle.record(session, report.order, "sms_confirmation_locked", Actor(Channel.SMS), data=data)
        session.flush()
        if wrong >= MAX_WRONG_SMS_CODES:
            raise locked
        raise SigningRefused(_("Wrong code: reply OK followed by the 4 digits in our message."))
    evidence = f"{message.sender}\n{message.body}".encode()
    with session.begin_nested():
        signature = _sign(
            session,
            report,
            Actor(Channel.SMS),
            method=SignatureMethod.SMS,
            signer_name=report.order.reporter_name or message.sender,
            evidence=None,
            evidence_sha256=canonical.sha256(evidence),
            evidence_mime=None,
            client_address=message.sender,
            inbound_message_id=message.id,
        )
        survey.ask(session, report)
    return signature


def sniff(data: bytes, filename: str) -> str:
    """The MIME type of a paper upload, read from its content; refuses other types and a file
    whose name says something else than its content."""
    if len(data) > MAX_PAPER_BYTES:
        raise SigningRefused(_("The file is too large (at most 5 MB)."))
    name = (filename or "").lower()
    for mime, (magic, endings) in PAPER_TYPES.items():
        if data.startswith(magic):
            if not name.endswith(endings):
                raise SigningRefused(
                    _("The file is not what its name says: upload the scan as PDF, JPEG or PNG.")
                )
            return mime
    raise SigningRefused(_("Only a PDF, JPEG or PNG scan of the signed paper report can be uploaded."))


def sign_on_paper(
    session: Session,
    report: ServiceReport,
    *,
    data: bytes,
    filename: str,
    signer_name: str,
    user_id: int,
    client_address: str | None,
) -> ServiceReportSignature:
    check_signable(report)
    mime = sniff(data, filename)
    if mime != "application/pdf":
        try:
            Image.open(io.BytesIO(data)).verify()
        except Exception:
            raise SigningRefused(_("The image cannot be read: upload the scan again.")) from None
    signature = _sign(
        session,
        report,
        Actor(Channel.CONSOLE, user_id=user_id),
        method=SignatureMethod.PAPER,
        signer_name=signer_name,
        evidence=data,
        evidence_sha256=canonical.sha256(data),
        evidence_mime=mime,
        client_address=client_address,
        recorded_by_id=user_id,
    )
    survey.ask(session, report)
    return signature


def refuse(
    session: Session, report: ServiceReport, reason: str, actor: Actor, link: ReportLink | None = None
) -> None:
    """The customer will not sign: the reason is recorded and a supervisor decides."""
    check_signable(report)
    if not reason or not reason.strip():
        raise SigningRefused(_("Say why you do not sign."))
    if link is not None:
        links.use(link)
    report.state = ReportState.REFUSED
    report.refused_at = clock.now()
    report.refusal_reason = reason.strip()[:1000]
    session.flush()
    lifecycle.record(
        session,
        report.order,
        "report_refused",
        actor,
        note=report.refusal_reason,
        data={"revision": report.revision},
    )
