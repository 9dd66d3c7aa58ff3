"""Supplier claims (二次索赔): defective warranty parts claimed back from their supplier.

draft → sent (the parts leave the shelf for the supplier) → accepted / rejected → credited
(accepted only; the amount recovered). ``recovered`` sums the credits per supplier and month.
"""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from dispatch import clock
from dispatch.auth.models import User
from dispatch.parts import ledger, locations
from dispatch.parts.errors import NotAllowed, PartsError
from dispatch.parts.ledger import Move
from dispatch.parts.models import DocKind, DocState, StockLocation
from dispatch.parts.returns_models import (
    ClaimState,
    Disposition,
    ReturnedPart,
    SupplierClaim,
    SupplierClaimLine,
)

NEXT = {
    ClaimState.DRAFT: (ClaimState.SENT,),
    ClaimState.SENT: (ClaimState.ACCEPTED, ClaimState.REJECTED),
    ClaimState.ACCEPTED: (ClaimState.CREDITED,),
}


def open_claim(session: Session, supplier: StockLocation, user: User) -> SupplierClaim:
    """The supplier's draft claim, created when there is none."""
    claim = session.scalar(
        sa.select(SupplierClaim).where(
            SupplierClaim.supplier_id == supplier.id, SupplierClaim.state == ClaimState.DRAFT
        )
    )
    if claim is None:
        count = session.scalar(
            sa.select(sa.func.count())
            .select_from(SupplierClaim)
            .where(SupplierClaim.org_id == supplier.org_id)
        )
        claim = SupplierClaim(
            org_id=supplier.org_id,
            supplier_id=supplier.id,
            number=f"CL-{supplier.org_id}-{ledger.today():%y%m}-{count + 1:04d}",
        )
        session.add(claim)
        session.flush()
    return claim


def add_line(
    session: Session, returned: ReturnedPart, user: User, evidence: str = "", amount_cents: int | None = None
) -> SupplierClaimLine:
    """A returned part whose disposition is "supplier claim" onto its supplier's draft claim."""
    if returned.org_id != user.org_id:
        raise NotAllowed(_("That belongs to another organisation."))
    if returned.disposition is not Disposition.CLAIM:
        raise PartsError(_("Only a returned part set aside for a supplier claim can be claimed."))
    claim = open_claim(session, returned.part.supplier, user)
    amount = returned.part.unit_cost_cents if amount_cents is None else amount_cents
    if amount < 0:
        raise PartsError(_("An amount cannot be negative."))
    line = SupplierClaimLine(
        returned_part_id=returned.id, amount_cents=amount, evidence=evidence or returned.note
    )
    claim.lines.append(line)
    session.flush()
    return line


def advance(
    session: Session,
    claim: SupplierClaim,
    state: ClaimState,
    user: User,
    credited_cents: int | None = None,
    note: str = "",
) -> SupplierClaim:
    if claim.org_id != user.org_id:
        raise NotAllowed(_("That belongs to another organisation."))
    if state not in NEXT.get(claim.state, ()):
        raise PartsError(
            _("A claim cannot go from %(from)s to %(to)s.") % {"from": claim.state.value, "to": state.value}
        )
    now = clock.now()
    if state is ClaimState.SENT:
        if not claim.lines:
            raise PartsError(_("A claim needs at least one part."))
        doc = ledger.new_document(
            session,
            claim.org_id,
            DocKind.DISPOSITION,
            DocState.BOOKED,
            created_by_id=user.id,
            location_id=claim.supplier_id,
            reason=f"claim {claim.number}",
        )
        shelf = locations.returns_shelf(session, claim.org_id)
        ledger.move_many(
            session,
            doc,
            [
                Move(
                    line.returned_part.part,
                    shelf,
                    claim.supplier,
                    line.returned_part.quantity,
                    f"claim {claim.number}",
                    line.returned_part.serial,
                    line.returned_part.work_order_id,
                )
                for line in claim.lines
            ],
        )
        claim.sent_at = now
    elif state in (ClaimState.ACCEPTED, ClaimState.REJECTED):
        claim.decided_at = now
    elif state is ClaimState.CREDITED:
        amount = claim.amount_cents if credited_cents is None else credited_cents
        if amount < 0:
            raise PartsError(_("An amount cannot be negative."))
        claim.credited_cents = amount
        claim.credited_at = now
    if note:
        claim.note = (claim.note + "\n" + note).strip()
    claim.state = state
    session.flush()
    return claim


def recovered(session: Session, org_id: int) -> dict[tuple[str, str], int]:
    """Amount credited (fen) per (supplier name, month "YYYY-MM")."""
    totals: dict[tuple[str, str], int] = defaultdict(int)
    rows = session.execute(
        sa.select(StockLocation.name, SupplierClaim.credited_at, SupplierClaim.credited_cents)
        .join(StockLocation, StockLocation.id == SupplierClaim.supplier_id)
        .where(SupplierClaim.org_id == org_id, SupplierClaim.state == ClaimState.CREDITED)
    )
    for name, at, cents in rows:
        totals[(name, ledger.month_of(clock.local(at).date()))] += cents
    return dict(totals)
