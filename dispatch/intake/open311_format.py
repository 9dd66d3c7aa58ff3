"""Open311 GeoReport v2 documents: the same data written as the specification's XML or JSON.

XML is the format the specification requires; JSON mirrors it (lists for the plural roots).
A missing value is ``null`` in JSON and an empty element in XML.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any
from xml.etree import ElementTree as ET

from flask import Response

from dispatch import clock
from dispatch.orders.models import FINAL, WorkOrder

MIMETYPES = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
#: XML: the root element and the element of each item, per document kind.
XML_ROOTS = {
    "services": ("services", "service"),
    "requests": ("service_requests", "request"),
    "errors": ("errors", "error"),
}
#: In XML, lists inside an item are written as a wrapper with one element per entry.
XML_LIST_ITEMS = {"attributes": "attribute", "values": "value", "endpoints": "endpoint", "formats": "format"}


def iso(value: datetime | None) -> str | None:
    """W3C / ISO 8601 with the local offset, as the specification's examples write them."""
    return clock.local(value).isoformat(timespec="seconds") if value else None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _append(parent: ET.Element, tag: str, value: Any) -> None:
    element = ET.SubElement(parent, tag)
    if isinstance(value, Mapping):
        for key, inner in value.items():
            _append(element, key, inner)
    elif isinstance(value, list):
        item_tag = XML_LIST_ITEMS.get(tag, "item")
        for inner in value:
            _append(element, item_tag, inner)
    else:
        element.text = _text(value)


def to_xml(kind: str, data: Any) -> bytes:
    if isinstance(data, list):
        root_tag, item_tag = XML_ROOTS[kind]
        root = ET.Element(root_tag)
        for item in data:
            _append(root, item_tag, item)
    else:
        root = ET.Element(kind)
        for key, value in data.items():
            _append(root, key, value)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def respond(kind: str, data: Any, fmt: str, status: int = 200) -> Response:
    if fmt == "xml":
        body = to_xml(kind, data)
    else:
        body = json.dumps(data, ensure_ascii=False).encode()
    return Response(body, status=status, content_type=MIMETYPES[fmt])


def errors(status: int, descriptions: Iterable[str], fmt: str) -> Response:
    """The specification's error list: one ``{code, description}`` per problem."""
    data = [{"code": status, "description": d} for d in descriptions]
    return respond("errors", data, fmt, status)


def request_document(
    order: WorkOrder,
    *,
    service_name: str,
    agency: str,
    notice: str | None,
    media_url: str | None,
    expected: datetime | None,
) -> dict[str, Any]:
    """One service request as GET answers it. Contact details are never part of it."""
    closed = order.status in FINAL
    if order.duplicate_of is not None:
        notes = f"duplicate of {order.duplicate_of.reference}"
    else:
        notes = order.status.value
    return {
        "service_request_id": order.reference,
        "status": "closed" if closed else "open",
        "status_notes": notes,
        "service_name": service_name,
        "service_code": order.type_code,
        "description": order.description or None,
        "agency_responsible": agency,
        "service_notice": notice,
        "requested_datetime": iso(order.reported_at),
        "updated_datetime": iso(order.closed_at if closed and order.closed_at else order.updated_at),
        "expected_datetime": iso(expected),
        "address": order.address,
        "address_id": None,
        "zipcode": None,
        "lat": order.lat,
        "long": order.lon,
        "media_url": media_url,
    }
