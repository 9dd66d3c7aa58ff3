"""A technician's jobs as one short SMS (the LIST command), and the words for an order's state."""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import gettext as _
from flask_babel import pgettext

from dispatch.assign import texts
from dispatch.assign.models import Offer
from dispatch.orders.models import Status, WorkOrder
from dispatch.sms.segments import count_segments

#: A LIST answer stays within this many segments; jobs beyond are counted, not listed.
MAX_SEGMENTS = 3


def status_label(status: Status) -> str:
    labels = {
        Status.QUEUED: _("waiting"),
        Status.OFFERED: _("offered"),
        Status.ACCEPTED: _("accepted"),
        Status.EN_ROUTE: _("on the way"),
        Status.ON_SITE: pgettext("order status", "on site"),
        Status.ON_HOLD: _("on hold"),
        Status.WORK_DONE: _("done"),
        Status.CLOSED: _("closed"),
        Status.CANCELLED: _("cancelled"),
    }
    return labels.get(status, status.value)


def jobs_text(pending: Sequence[Offer], jobs: Sequence[WorkOrder], lang: str) -> str:
    """ "Your jobs: 123 Water leak (offered, reply Y 123); 456 Sewer overflow on site"."""
    lines = [
        _("%(code)s %(type)s (offered, reply Y %(code)s)")
        % {"code": o.order.job_code, "type": texts.type_name(o.order.type_code, lang)}
        for o in pending
    ]
    lines += [f"{o.job_code} {texts.type_name(o.type_code, lang)} {status_label(o.status)}" for o in jobs]
    if not lines:
        return _("You have no open jobs.")
    head = _("Your jobs:") + " "
    shown = list(lines)
    while shown:
        more = len(lines) - len(shown)
        tail = (" " + _("and %(n)s more.") % {"n": more}) if more else ""
        text = head + "; ".join(shown) + tail
        if count_segments(text).segments <= MAX_SEGMENTS:
            return text
        shown.pop()
    return head + _("and %(n)s more.") % {"n": len(lines)}
