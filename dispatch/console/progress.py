"""Recording what meets or starts a deadline from the console.

Some milestones are met by something a person does rather than a state change: a reply given to
the customer by phone (``customer_replied``), a review decided, the applicant's paperwork complete
(which starts the installation clock), installation started, a warning sign put up. The work-order
page offers exactly the ones this order's open milestones wait for or are met by; the deadline
engine reacts to the recorded event (``dispatch.sla.reactions``).
"""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from dispatch.console import actions as order_actions
from dispatch.console.blueprint import CONSOLE_ROLES, actor, bp
from dispatch.errors import DomainError
from dispatch.extensions import db
from dispatch.orders import lifecycle
from dispatch.orders.models import WorkOrder
from dispatch.orders.service import get_order
from dispatch.web import commit, roles_required

#: Events a dispatcher may record, with their labels.
PROGRESS_EVENTS = {
    "customer_replied": _l("Customer contacted (call or letter answered)"),
    "review_decided": _l("Review decided"),
    "paperwork_complete": _l("Paperwork complete"),
    "documents_complete": _l("Documents complete"),
    "install_started": _l("Installation started"),
    "sign_placed": _l("Warning sign in place"),
}


@bp.app_template_global("progress_choices")
def recordable(order: WorkOrder) -> list[tuple[str, object]]:
    """The progress events that would meet or start one of ``order``'s open milestones."""
    wanted = set()
    for milestone in order.milestones:
        if milestone.met_at is not None:
            continue
        if milestone.waits_for:
            wanted.add(milestone.waits_for)
        elif milestone.met_by:
            wanted.add(milestone.met_by)
    return [(kind, label) for kind, label in PROGRESS_EVENTS.items() if kind in wanted]


@bp.post("/orders/<reference>/progress")
@roles_required(*CONSOLE_ROLES)
def progress(reference: str):
    order = get_order(db.session, current_user.org_id, reference)
    kind = request.form.get("kind", "")
    allowed = dict(recordable(order))
    if kind not in allowed or not order.is_open:
        raise DomainError(_("Nothing of that kind is awaited on %(reference)s.", reference=order.reference))
    lifecycle.ensure_version(order, request.form.get("version", type=int))
    note = (request.form.get("note") or "").strip()[:500] or None
    lifecycle.record(db.session, order, kind, actor(), note=note)
    commit()
    flash(_("Recorded: %(what)s.", what=allowed[kind]), "ok")
    return redirect(url_for("console.order", reference=reference))


order_actions.register(
    order_actions.OrderAction(
        "progress",
        "deadlines",
        _l("Record progress"),
        "console/actions/_progress.html",
        available=lambda order, _user: order.is_open and bool(recordable(order)),
        rank=50,
    )
)
