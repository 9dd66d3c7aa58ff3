"""The words the console shows for codes: states, channels, milestones, timeline events, zones.

Codes stay codes in the database and in URLs; these lazy texts are what a person reads, in their
language. A code without a label (a new event kind from another package) is shown as it is.
"""

from __future__ import annotations

from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l

from dispatch.sla.service import rulebook

STATUS = {
    "new": _l("new"),
    "located": _l("located"),
    "needs_location": _l("needs location"),
    "queued": _l("queued"),
    "offered": _l("offered"),
    "accepted": _l("accepted"),
    "en_route": _l("on the way"),
    "on_site": _l("on site"),
    "work_done": _l("work done"),
    "signed": _l("signed"),
    "approved": _l("approved"),
    "closed": _l("closed"),
    "on_hold": _l("on hold"),
    "cancelled": _l("cancelled"),
}

CHANNEL = {
    "phone": _l("phone"),
    "web": _l("web form"),
    "sms": _l("SMS"),
    "open311": _l("Open311"),
    "api": _l("API"),
    "letter": _l("letter"),
    "scheduled": _l("scheduled"),
    "console": _l("console"),
    "system": _l("system"),
}

MILESTONE = {
    "reply": _l("reply to the customer"),
    "contact": _l("contact the customer"),
    "warning_sign": _l("warning sign on site"),
    "arrive": _l("on site"),
    "review": _l("review"),
    "install_start": _l("installation starts"),
    "resolve": _l("resolved"),
}

#: When a milestone's clock starts, for one that waits for an event (``starts_on`` in
#: config/sla.toml): "clock starts after the paperwork is complete".
CLOCK_START = {
    "paperwork_complete": _l("after the paperwork is complete"),
    "documents_complete": _l("after the documents are complete"),
}

#: Why a due time moved (the ``reason`` of a ``due_changed`` event, dispatch.sla).
DUE_REASON = {
    "rules": _l("deadline rules applied"),
    "placed": _l("recomputed for the place"),
    "reclassified": _l("reclassified"),
    "set_by_hand": _l("set by hand"),
    "paused": _l("time on hold not counted"),
    "clock_started": _l("clock started"),
    "unlinked": _l("no longer a duplicate"),
}

#: Deadline state of an order (its next due milestone) and of each milestone.
SLA_STATE = {
    "on_track": _l("on track"),
    "at_risk": _l("at risk"),
    "breached": _l("breached"),
    "none": _l("no deadline running"),
    # A milestone whose start event has not happened ("waiting" reads as waiting for dispatch).
    "waiting": _l("clock not started"),
    "pending": _l("on track"),
    "met": _l("met"),
    "met_late": _l("met late"),
    # An unmet milestone of an order that was closed or cancelled: it no longer runs.
    "closed": _l("not met — order closed"),
    "cancelled": _l("not met — cancelled"),
}

#: Where an order's position came from, and how exact it is (geo's codes).
LOCATION_SOURCE = {
    "given": _l("coordinates given"),
    "registry": _l("customer registry"),
    "gazetteer": _l("gazetteer"),
    "geocoder": _l("geocoder"),
    "pin": _l("pin on the map"),
    "device": _l("device location"),
    "depot": _l("home depot"),
    "console": _l("set by a dispatcher"),
    "job_site": _l("last job site"),
}
PRECISION = {
    "exact": _l("exact"),
    "pin": _l("as pinned"),
    "device": _l("phone's location fix"),
    "coordinates": _l("as given (accuracy unknown)"),
    "vehicle": _l("vehicle's registered base"),
    "building": _l("building"),
    "intersection": _l("intersection"),
    "street": _l("street"),
    "landmark": _l("landmark"),
    "village": _l("village"),
    "town": _l("town"),
    "community": _l("residential community"),
    "county": _l("county"),
}
SEND_STATE = {
    "queued": _l("waiting to be sent"),
    "sending": _l("sending"),
    "uncertain": _l("being checked"),
    "sent": _l("sent"),
    "failed": _l("failed"),
    "delivered": _l("delivered"),
    "undelivered": _l("not delivered"),
}

ZONE = {"built_up": _l("built-up area"), "outside": _l("outside the built-up area")}

DUTY = {"on_duty": _l("on duty"), "off_duty": _l("off duty"), "on_leave": _l("on leave")}

EVENT = {
    "created": _l("report taken"),
    "locate": _l("placed"),
    "relocated": _l("moved on the map"),
    "need_location": _l("needs a location"),
    "queue": _l("queued"),
    "queue_at_desk": _l("queued as desk work (no place needed)"),
    "offer": _l("offered"),
    "offer_lapsed": _l("back in the queue"),
    "plan_pinned": _l("pinned by a dispatcher"),
    "plan_unpinned": _l("pin removed"),
    "accept": _l("accepted"),
    "unassign": _l("unassigned"),
    "depart": _l("on the way"),
    "arrive": _l("arrived"),
    "complete": _l("work done"),
    # Not "signed" alone: the timeline would read like the status code it leads to.
    "sign": _l("service report signed"),
    "approve": _l("approved"),
    "close": _l("closed"),
    "close_at_desk": _l("closed at the desk"),
    "hold": _l("put on hold"),
    "resume": _l("resumed"),
    "cancel": _l("cancelled"),
    "reopen": _l("reopened"),
    "note": _l("note"),
    "handover": _l("handed over"),
    "sms_sent": _l("message to the customer"),
    "due_changed": _l("due time changed"),
    "breached": _l("deadline breached"),
    "acknowledged": _l("caller acknowledged"),
    "reclassified": _l("reclassified"),
    "duplicate_linked": _l("linked as a duplicate"),
    "duplicate_reported": _l("reported again"),
    "duplicate_unlinked": _l("duplicate link removed"),
    "owner_taken": _l("taken in charge"),
    "part_used": _l("part used"),
    "old_part_packed": _l("old part packed"),
    "sign_placed": _l("warning sign in place"),
    "sla_warning": _l("deadline at risk"),
    "sla_breach": _l("deadline breached"),
    "offer_declined": _l("offer declined"),
    "offer_expired": _l("offer timed out"),
    "offer_undelivered": _l("offer not delivered"),
    "offer_withdrawn": _l("offer withdrawn"),
    "offer_taken": _l("taken by a colleague"),
    "customer_replied": _l("message to the customer"),
    # Recorded from the console's "record progress" (they meet or start deadlines).
    "review_decided": _l("review decided"),
    "paperwork_complete": _l("paperwork complete"),
    "documents_complete": _l("documents complete"),
    "install_started": _l("installation started"),
    # The complaint register (dispatch/complaints).
    "complaint_investigated": _l("complaint investigated"),
    "complaint_decided": _l("complaint decided"),
    "complaint_feedback": _l("result sent to the customer"),
    "citizen_message": _l("message from the reporter"),
    "details_received": _l("details from the reporter"),
    # The service report's flow (dispatch/reports).
    "revise": _l("report revised"),
    "report_submitted": _l("service report completed"),
    "report_revised": _l("new report revision"),
    "report_refused": _l("customer refused to sign"),
    "report_returned": _l("report returned to the technician"),
    "report_rated": _l("customer rating"),
    "signing_requested": _l("signature requested"),
    "sms_code_refused": _l("wrong confirmation code by SMS"),
    "sms_confirmation_locked": _l("SMS confirmation refused: too many wrong codes"),
}

#: What became of an offer.
OFFER_STATE = {
    "pending": _l("waiting for the answer"),
    "accepted": _l("accepted"),
    "declined": _l("declined"),
    "expired": _l("timed out"),
    "taken": _l("taken by a colleague"),
    "withdrawn": _l("withdrawn"),
    "undelivered": _l("SMS not delivered"),
    # An accepted job taken back from its technician (reassigned, or the order reopened).
    "taken_back": _l("job taken back"),
}

#: Why an offer ended or the plan acted, when the system says so (a person's own words are shown
#: as written).
SYSTEM_NOTE = {
    "re-planned": _l("moved by the plan"),
    "timeout": _l("no answer in time"),
    "by phone": _l("by phone"),
    "assigned by the dispatcher": _l("assigned by the dispatcher"),
    "unassign": _l("unassigned"),
    "reopen": _l("reopened"),
    # A job taken back to be offered to another technician (dispatch.assign.dispatcher).
    "reassigned": _l("reassigned to another technician"),
}

#: Skills as technicians are registered with them (config and the roster use these codes).
SKILL = {
    "water": _l("water mains"),
    "sewer": _l("sewers"),
    "roads": _l("roads"),
    "civil": _l("civil works"),
    "inspection": _l("inspection"),
    "customer_service": _l("customer service"),
    "vehicle_body": _l("coach body"),
    "vehicle_chassis": _l("chassis and engine"),
}


#: Labels already translated, by (table, code, locale): a queue page shows a few hundred
#: labels, and the catalogs do not change while the process runs.
_TRANSLATED: dict[tuple[int, str, str], str] = {}


def label(table: dict, code) -> str:
    """The label of ``code`` (an enum or a string) in ``table``; the code itself when unknown."""
    if code is None:
        return ""
    key = getattr(code, "value", code)
    text = table.get(key)
    if text is None:
        return str(key)
    cache_key = (id(table), key, str(get_locale()))
    found = _TRANSLATED.get(cache_key)
    if found is None:
        found = _TRANSLATED[cache_key] = str(text)
    return found


def clock_start(code: str | None) -> str:
    """What a milestone that has no due time yet waits for: "clock starts after the paperwork is
    complete"; an event without a clock-start label is named as on the timeline."""
    if code in CLOCK_START:
        return gettext("clock starts %(when)s", when=label(CLOCK_START, code))
    return gettext("waits for %(event)s", event=label(EVENT, code))


def type_name(code: str, locale: str) -> str:
    """A report type's name from the rule book, in the reader's language."""
    try:
        type_def = rulebook().type(code)
    except LookupError:
        return code
    return type_def.name_zh if locale.startswith("zh") else type_def.name_en


def type_choices(org_code: str, locale: str) -> list[tuple[str, str]]:
    return [(t.code, type_name(t.code, locale)) for t in rulebook().types_for_org(org_code)]


def duration(minutes: float) -> str:
    """A duration as a dispatcher reads it: "45 min" under an hour, "32 h 2 min" beyond."""
    total = round(minutes)
    if total < 60:
        return gettext("%(minutes)s min", minutes=total)
    hours, rest = divmod(total, 60)
    if not rest:
        return gettext("%(hours)s h", hours=hours)
    return gettext("%(hours)s h %(minutes)s min", hours=hours, minutes=rest)


def eta(minutes: float) -> str:
    """The console's one way of writing a travel time: "ETA 45 min", "ETA 32 h 2 min"."""
    return gettext("ETA %(duration)s", duration=duration(minutes))
