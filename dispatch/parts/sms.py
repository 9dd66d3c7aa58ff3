"""The parts words of the technician's SMS language: ask for parts for a job (领料), what is on
my van (车存), old part packed (旧件); and the part number of ``PART`` checked against the catalog,
with the nearest numbers suggested when nobody knows it.

``connect()`` adds these handlers to the command table of ``dispatch.assign.commands`` at start-up
(parts sits above assignment, so assignment knows nothing of the ledger). Replies fit two SMS.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from flask_babel import gettext as _

from dispatch.assign import commands
from dispatch.assign.commands import Context, Refusal
from dispatch.assign.grammar import Command, CommandKind
from dispatch.orders.models import Status
from dispatch.parts import catalog, documents, ledger, locations, returns
from dispatch.parts.errors import PartsError
from dispatch.parts.models import Part
from dispatch.sms.segments import count_segments

K = CommandKind
WORKING = (Status.ACCEPTED, Status.EN_ROUTE, Status.ON_SITE)


def _find_part(ctx: Context, code: str) -> Part:
    try:
        return catalog.find(ctx.session, ctx.tech.org_id, code)
    except PartsError as exc:
        raise Refusal(exc.message) from None


def fit_two_segments(text: str) -> str:
    """Cut ``text`` (at a separator when possible) so that it costs at most two SMS."""
    while count_segments(text).segments > 2:
        cut = max(text.rfind(", ", 0, len(text) - 2), text.rfind("，", 0, len(text) - 2))
        text = (text[:cut] if cut > 0 else text[:-2]) + "…"
    return text


def request_parts(ctx: Context, command: Command):
    order = commands.find_job(ctx, command)
    try:
        with ctx.session.begin_nested():
            doc, part = documents.ask_for_job(
                ctx.session, ctx.tech, order, command.part_code or "", command.quantity, "SMS"
            )
    except PartsError as exc:
        raise Refusal(exc.message, order) from None
    van = locations.of_technician(ctx.session, ctx.tech)
    return fit_two_segments(
        _(
            "Job %(code)s: asked for %(part)s x%(qty)s (%(number)s), waiting for approval. "
            "On your van: %(have)s."
        )
        % {
            "code": order.job_code,
            "part": part.number,
            "qty": command.quantity,
            "number": doc.number,
            "have": ledger.on_hand_of(ctx.session, van.id, part.id),
        }
    ), order


def van_stock(ctx: Context, command: Command):
    van = locations.of_technician(ctx.session, ctx.tech)
    held = ledger.on_hand(ctx.session, van.id)
    if not held:
        return _("Your van holds no parts."), None
    parts = {p.id: p for p in ctx.session.scalars(sa.select(Part).where(Part.id.in_(list(held))))}
    items = ", ".join(
        f"{parts[pid].number} x{qty}" for pid, qty in sorted(held.items(), key=lambda kv: parts[kv[0]].number)
    )
    return fit_two_segments(_("On your van: %(items)s") % {"items": items}), None


def packed(ctx: Context, command: Command):
    order = commands.find_job(ctx, command)
    count = returns.mark_packed(ctx.session, order, ctx.actor, ctx.now)
    if count:
        return _("Job %(code)s: %(count)s old part(s) packed. Bring them to the warehouse.") % {
            "code": order.job_code,
            "count": count,
        }, order
    numbers = returns.note_packed_before_report(ctx.session, order, ctx.actor)
    if not numbers:
        return _("Job %(code)s has no old part to bring back.") % {"code": order.job_code}, order
    return fit_two_segments(
        _(
            "Job %(code)s: old part of %(parts)s noted as packed; the warehouse expects it once "
            "the service report is submitted. Bring it to the warehouse."
        )
        % {"code": order.job_code, "parts": ", ".join(numbers)}
    ), order


def _checked_part_used(original: Callable) -> Callable:
    def run(ctx: Context, command: Command):
        has_catalog = ctx.session.scalar(sa.select(Part.id).where(Part.org_id == ctx.tech.org_id).limit(1))
        if has_catalog is not None:
            part = _find_part(ctx, command.part_code or "")
            from dataclasses import replace

            command = replace(command, part_code=part.number)
        return original(ctx, command)

    run.parts_checked = True
    return run


def connect() -> None:
    commands.APPLIES.setdefault(K.REQUEST_PARTS, (*WORKING, Status.WORK_DONE))
    # Old parts are packed after the work, and often after the customer has signed for it.
    commands.APPLIES.setdefault(
        K.PACKED, (*WORKING, Status.WORK_DONE, Status.SIGNED, Status.APPROVED, Status.CLOSED)
    )
    commands.HANDLERS[K.REQUEST_PARTS] = request_parts
    commands.HANDLERS[K.VAN_STOCK] = van_stock
    commands.HANDLERS[K.PACKED] = packed
    if not getattr(commands.HANDLERS[K.PART], "parts_checked", False):
        commands.HANDLERS[K.PART] = _checked_part_used(commands.HANDLERS[K.PART])
