"""The details a vehicle report's acknowledgement asks for, sent back by SMS: the VIN, the plate
number, the current mileage ("VIN LZYB107D1LZ189647", "mileage 600100", "里程738900公里").

They are recorded on the reporter's open report: a VIN found in the organisation's registry links
the vehicle to the order (the console shows the asset), a mileage updates the vehicle's registry
mileage (as the one read on site does), and every detail is a ``details_received`` event on the
order's timeline, so the dispatcher sees what the customer sent even when the registry has no
place for it (a plate, a VIN it does not know).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from dispatch.geo.models import AssetKind, Customer
from dispatch.geo.registry import VIN, account_tokens
from dispatch.intake.text import _
from dispatch.orders import lifecycle
from dispatch.orders.lifecycle import Actor
from dispatch.orders.models import FINAL, WorkOrder
from dispatch.sla.service import rulebook

#: A Chinese plate: the province's character, the city's letter, then 5 (6 for new energy) letters
#: or digits, sometimes written with a dot or a space after the city letter.
_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
PLATE = re.compile(rf"([{_PROVINCES}][A-Z])[·・.\s-]?([A-Z0-9]{{4,5}}[A-Z0-9挂学警])(?![A-Z0-9])")
#: "plate ABC123" / "车牌 …" for plates written in another form.
_PLATE_WORD = re.compile(
    r"(?:plate(?:\s+number)?|number\s+plate|车牌号?码?)\s*[:：]?\s*([A-Z0-9·-]{5,10})", re.I
)
#: A mileage with its word or its unit: "mileage 600100", "里程738900公里", "73.9万公里", "600100 km".
_MILEAGE_WORD = re.compile(
    r"(?:mileage|odometer|行驶里程|里程数?|公里数)\s*(?:is|为|是)?\s*[:：]?\s*(\d[\d,]*(?:\.\d+)?)\s*(万)?",
    re.I,
)
_MILEAGE_UNIT = re.compile(r"(?<![\w.])(\d[\d,]*(?:\.\d+)?)\s*(万)?\s*(?:km|kms|公里|千米)(?![a-z])", re.I)


@dataclass(frozen=True)
class Details:
    vin: str | None = None
    plate: str | None = None
    mileage_km: int | None = None

    def __bool__(self) -> bool:
        return bool(self.vin or self.plate or self.mileage_km is not None)


def _km(number: str, wan: str | None) -> int | None:
    try:
        value = float(number.replace(",", ""))
    except ValueError:
        return None
    value = value * 10000 if wan else value
    return int(round(value)) if 0 <= value < 10_000_000 else None


def read(text: str) -> Details:
    """The VIN, plate and mileage named in ``text`` (each None when absent)."""
    upper = (text or "").upper()
    vins = [t for t in account_tokens(text) if VIN.fullmatch(t)]
    plate = PLATE.search(upper)
    plate_text = "".join(plate.groups()) if plate else None
    if plate_text is None:
        worded = _PLATE_WORD.search(upper)
        if worded and not VIN.fullmatch(worded.group(1)):
            plate_text = worded.group(1)
    mileage = _MILEAGE_WORD.search(text or "") or _MILEAGE_UNIT.search(text or "")
    return Details(
        vin=vins[0] if vins else None,
        plate=plate_text,
        mileage_km=_km(mileage.group(1), mileage.group(2)) if mileage else None,
    )


def asks_for_vehicle(order: WorkOrder) -> bool:
    """Whether the order's type asks for a vehicle's details (its acknowledgement asked for them)."""
    type_def = rulebook().types.get(order.type_code)
    return type_def is not None and "vin" in type_def.asks


def open_vehicle_report(session: Session, phone: str) -> WorkOrder | None:
    """The latest open report from ``phone`` whose type asks for a vehicle's details."""
    candidates = session.scalars(
        sa.select(WorkOrder)
        .where(WorkOrder.reporter_phone == phone, WorkOrder.status.not_in(list(FINAL)))
        .order_by(WorkOrder.reported_at.desc(), WorkOrder.id.desc())
        .limit(10)
    )
    return next((o for o in candidates if asks_for_vehicle(o)), None)


def record(session: Session, order: WorkOrder, details: Details, actor: Actor, text: str) -> Customer | None:
    """Record ``details`` on ``order``; returns the vehicle it is linked to, if any. Flushes."""
    vehicle = None
    if details.vin:
        vehicle = session.scalar(
            sa.select(Customer).where(
                Customer.org_id == order.org_id,
                Customer.kind == AssetKind.VEHICLE,
                sa.func.upper(Customer.account) == details.vin,
            )
        )
        if vehicle is not None and order.customer_id != vehicle.id:
            order.customer_id = vehicle.id
            order.customer = vehicle
    if vehicle is None and order.customer_id is not None:
        current = session.get(Customer, order.customer_id)
        vehicle = current if current is not None and current.kind is AssetKind.VEHICLE else None
    # The registry keeps the highest reading: a lower figure is kept on the timeline only.
    if (
        details.mileage_km is not None
        and vehicle is not None
        and (vehicle.mileage_km is None or details.mileage_km > vehicle.mileage_km)
    ):
        vehicle.mileage_km = details.mileage_km
    data = {
        "vin": details.vin,
        "plate": details.plate,
        "mileage_km": details.mileage_km,
        "vehicle_id": vehicle.id if vehicle is not None else None,
    }
    lifecycle.record(session, order, "details_received", actor, note=text, data=data)
    session.flush()
    return vehicle


def summary(details: Details, zh: bool) -> str:
    """What was recorded, in the current locale: "VIN …, mileage 600100 km"."""
    parts = []
    if details.vin:
        parts.append(f"{_('VIN')} {details.vin}")
    if details.plate:
        parts.append(f"{_('plate number')} {details.plate}")
    if details.mileage_km is not None:
        parts.append(f"{_('mileage')} {_('%(km)s km', km=details.mileage_km)}")
    return ("，" if zh else ", ").join(parts)
