"""Taking a report in: the one operation every channel calls.

``take_report`` checks the input (nothing is written when it is wrong), creates the order with
its owner (R10), gives it milestones at once (the strictest variant while the place is unknown),
runs the geocoding chain, places it or sends it to ``needs_location`` (desk work, which needs no
place, is queued as it is), links it to an open report of the same problem nearby, queues it for
dispatch, and acknowledges it exactly once (R4): by SMS
through the outbox when there is a mobile number, otherwise as text for the person taking it to
read out or for the channel to show. It flushes; the caller commits.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlparse

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from dispatch.auth.models import Organisation
from dispatch.errors import DomainError
from dispatch.geo.chain import Placement, locate
from dispatch.geo.models import Customer
from dispatch.intake import ack, duplicates
from dispatch.intake.models import AckVia, ReportIntake
from dispatch.intake.phones import Phone, parse_optional
from dispatch.intake.placing import place_order
from dispatch.intake.text import _
from dispatch.language import number_language, short_language
from dispatch.orders import lifecycle
from dispatch.orders.lifecycle import Actor
from dispatch.orders.models import Channel, Status, WorkOrder
from dispatch.orders.service import create_order
from dispatch.sla.service import apply_rules, rulebook
from dispatch.sms import outbox

#: Longest text accepted per field (the columns' sizes).
FIELD_LIMITS = {"reporter_name": 120, "address": 300, "account": 40, "contact_email": 200, "media_url": 500}
SEVERITIES = ("minor", "major")


@dataclass
class IntakeResult:
    order: WorkOrder
    intake: ReportIntake
    placement: Placement | None
    duplicate_of: WorkOrder | None

    @property
    def ack_text(self) -> str:
        return self.intake.ack_text

    @property
    def ack_via(self) -> AckVia:
        return self.intake.ack_via


def offered_types(org: Organisation) -> list:
    return rulebook().types_for_org(org.code)


def check_type(org: Organisation, type_code: str | None) -> None:
    if not type_code:
        raise DomainError(_("Choose what the report is about."), field="type_code")
    if type_code not in {t.code for t in offered_types(org)}:
        raise DomainError(
            _("%(org)s does not take reports of type %(code)s.", org=org.name_en, code=type_code),
            field="type_code",
        )


def check_text(description: str | None, fields: Mapping[str, str | None], config: Mapping[str, Any]) -> None:
    limit = int(config.get("INTAKE_MAX_DESCRIPTION", 4000))
    if description and len(description) > limit:
        raise DomainError(
            _("The description is too long: at most %(limit)d characters.", limit=limit), field="description"
        )
    for name, value in fields.items():
        if value and len(value) > FIELD_LIMITS[name]:
            raise DomainError(
                _(
                    "%(field)s is too long: at most %(limit)d characters.",
                    field=name,
                    limit=FIELD_LIMITS[name],
                ),
                field=name,
            )
    media_url = fields.get("media_url")
    if media_url and urlparse(media_url).scheme not in ("http", "https"):
        raise DomainError(_("media_url must be an http or https address."), field="media_url")


def take_report(
    session: Session,
    *,
    org: Organisation,
    type_code: str,
    channel: Channel,
    actor: Actor,
    description: str = "",
    reporter_name: str | None = None,
    reporter_phone: str | Phone | None = None,
    language: str | None = None,
    address: str | None = None,
    lat: float | None = None,
    lon: float | None = None,
    coordinates_source: str = "given",
    account: str | None = None,
    severity: str | None = None,
    needs_supplier: bool = False,
    reported_at: datetime | None = None,
    owner_id: int | None = None,
    contact_email: str | None = None,
    media_url: str | None = None,
    api_key_id: int | None = None,
    require_place: bool = False,
    free_text_address: bool = False,
    config: Mapping[str, Any] | None = None,
) -> IntakeResult:
    """Take one report in. Raises ``DomainError`` (with ``field``) before writing anything when
    the input is wrong; flushes otherwise.

    ``owner_id`` defaults to the acting person (the first person who took it, R10); channels
    without a person leave it empty until a dispatcher first acts on the order. With
    ``require_place`` (machine clients, who have nobody to ask) a report the chain cannot place
    is refused instead of waiting for a pin (desk work, which needs no place, is taken all the
    same). ``free_text_address`` (an SMS) means ``address`` is
    the whole message: the order keeps the name of the place found, not the message.
    """
    config = config if config is not None else current_app.config
    check_type(org, type_code)
    check_text(
        description,
        {
            "reporter_name": reporter_name,
            "address": address,
            "account": account,
            "contact_email": contact_email,
            "media_url": media_url,
        },
        config,
    )
    if severity is not None and severity not in SEVERITIES:
        raise DomainError(_("Severity must be minor or major."), field="severity")
    phone = reporter_phone if isinstance(reporter_phone, Phone) else parse_optional(reporter_phone, config)
    # The chain runs before anything is written: bad coordinates are refused with nothing stored.
    placement = locate(
        session,
        org_id=org.id,
        org_code=org.code,
        lat=lat,
        lon=lon,
        coordinates_source=coordinates_source,
        account=account,
        address=address,
        config=config,
    )
    on_site = rulebook().type(type_code).on_site
    if placement is None and require_place and on_site:
        raise DomainError(
            _("The place could not be found: give coordinates or a known address."), field="address"
        )
    language = short_language(language or number_language(phone.e164 if phone else None))

    order = create_order(
        session,
        org_id=org.id,
        type_code=type_code,
        channel=channel,
        actor=actor,
        reported_at=reported_at,
        owner_id=owner_id if owner_id is not None else actor.user_id,
        description=description or "",
        reporter_name=reporter_name or None,
        reporter_phone=phone.e164 if phone else None,
        reporter_language=language,
        address=None if free_text_address else (address or None),
        severity=severity,
        needs_supplier=needs_supplier,
        flush=False,
    )
    # Still pending (inserted below with its events and milestones in one flush): its
    # organisation is given, not loaded by id.
    order.org = org
    duplicate_of = None
    if placement is None:
        # Deadlines from the moment of the report: the strictest variant while the place is unknown.
        apply_rules(session, order)
        if on_site:
            lifecycle.transition(session, order, "need_location", actor)
        else:
            # Desk work (a complaint, a callback) has no place to wait for.
            lifecycle.transition(session, order, "queue_at_desk", actor)
    else:
        # The place is already known: placing computes the milestones (once) for it.
        if placement.customer_id is not None:
            # The id too: the acknowledgement reads it before the flush that would copy it.
            order.customer_id = placement.customer_id
            order.customer = session.get(Customer, placement.customer_id)
        place_order(
            session,
            order,
            placement.lat,
            placement.lon,
            source=placement.source,
            precision=placement.precision,
            actor=actor,
            address=placement.label if free_text_address or not address else None,
        )
        if channel is not Channel.SCHEDULED:
            duplicate_of = duplicates.link_if_duplicate(session, order, actor, config)
        if duplicate_of is None:
            lifecycle.transition(session, order, "queue", actor)
    # The order with its events and milestones, its acknowledgement and the intake record go in
    # together, in the flush ``acknowledge`` ends with (linked by relationships, not by ids).
    intake = acknowledge(
        session,
        order,
        org,
        phone,
        language,
        actor,
        duplicate_of=duplicate_of,
        contact_email=contact_email,
        media_url=media_url,
        api_key_id=api_key_id,
    )
    return IntakeResult(order, intake, placement, duplicate_of)


def acknowledge(
    session: Session,
    order: WorkOrder,
    org: Organisation,
    phone: Phone | None,
    language: str,
    actor: Actor,
    *,
    duplicate_of: WorkOrder | None = None,
    **details: Any,
) -> ReportIntake:
    """Write the report's one acknowledgement (the unique ``report_intake.work_order_id`` refuses
    a second): an SMS in the outbox for a mobile, otherwise text to read out or show."""
    by_sms = phone is not None and phone.mobile
    text = ack.acknowledgement(order, org, language, duplicate_of=duplicate_of, by_sms=by_sms)
    message = None
    if by_sms:
        via = AckVia.SMS
        message = outbox.send(
            session,
            "ack",
            to=phone.e164,
            text=text,
            params=ack.template_params(order, duplicate_of=duplicate_of),
            order=order,
            language=language,
            flush=False,  # in the flush below, with the intake row that points at it
        )
    elif phone is not None:
        via = AckVia.READ_OUT
    else:
        via = AckVia.SHOWN
    intake = ReportIntake(
        order=order,
        org_id=org.id,
        ack_text=text,
        ack_language=language,
        ack_via=via,
        ack_outbox=message,
        reporter_mobile=bool(phone and phone.mobile),
        **details,
    )
    session.add(intake)
    lifecycle.record(session, order, "acknowledged", actor, note=text, data={"via": via.value})
    session.flush()
    return intake


def intake_of(session: Session, order: WorkOrder) -> ReportIntake | None:
    return session.scalar(sa.select(ReportIntake).where(ReportIntake.work_order_id == order.id))


def place_by_hand(
    session: Session, order: WorkOrder, lat: float, lon: float, actor: Actor, address: str | None = None
) -> WorkOrder:
    """A dispatcher's pin (or a citizen's follow-up) for an order waiting in ``needs_location``:
    place it, link a duplicate or queue it. Flushes."""
    place_order(session, order, lat, lon, source="pin", precision="exact", actor=actor, address=address)
    return after_placing(session, order, actor)


def after_placing(session: Session, order: WorkOrder, actor: Actor) -> WorkOrder:
    config = current_app.config
    if order.status is Status.LOCATED and duplicates.link_if_duplicate(session, order, actor, config) is None:
        lifecycle.transition(session, order, "queue", actor)
    return order
