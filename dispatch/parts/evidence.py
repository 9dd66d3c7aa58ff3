"""Evidence behind a supplier-claim line: photographs (JPEG, PNG) and PDF documents, uploaded by
the warehouse and sent to the supplier with the claim.

The file's kind is read from its first bytes, never from the name or the browser's word; its
size is capped (``[parts] evidence_max_bytes``). Files are stored under the instance folder
(``<instance>/claim-evidence/<org id>/<random name>``), outside anything the web server serves;
the row keeps the original name for the download.
"""

from __future__ import annotations

import os
import re
import secrets
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from dispatch import clock
from dispatch.auth.models import User
from dispatch.extensions import db
from dispatch.parts.errors import NotAllowed, PartsError
from dispatch.parts.returns_models import SupplierClaimLine

#: Accepted kinds, by their leading bytes.
KINDS = (
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"%PDF-", "application/pdf", ".pdf"),
)
DEFAULT_MAX_BYTES = 5 * 1024 * 1024


class ClaimEvidence(db.Model):
    """One file behind a claim line."""

    __tablename__ = "claim_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"))
    line_id: Mapped[int] = mapped_column(sa.ForeignKey("supplier_claim_line.id"), index=True)
    #: The name it was uploaded under (cleaned), for the download.
    filename: Mapped[str] = mapped_column(sa.String(200))
    content_type: Mapped[str] = mapped_column(sa.String(60))
    size: Mapped[int]
    #: The random name it is stored under in the organisation's folder.
    stored_name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    uploaded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=clock.now)

    line: Mapped[SupplierClaimLine] = relationship()
    uploaded_by = relationship("User")


def max_bytes() -> int:
    return int(current_app.config.get("PARTS_EVIDENCE_MAX_BYTES") or DEFAULT_MAX_BYTES)


def folder(org_id: int) -> Path:
    return Path(current_app.instance_path) / "claim-evidence" / str(org_id)


def _kind(head: bytes) -> tuple[str, str] | None:
    for magic, content_type, suffix in KINDS:
        if head.startswith(magic):
            return content_type, suffix
    return None


def _clean_name(name: str, suffix: str) -> str:
    stem = re.sub(r"[^\w.\- ]+", "_", os.path.basename(name or "").strip())[:150].strip(". ") or "evidence"
    return stem if stem.lower().endswith(suffix) else stem + suffix


def attach(session: Session, line: SupplierClaimLine, user: User, name: str, data: bytes) -> ClaimEvidence:
    """Store ``data`` as evidence of ``line``. Raises PartsError for an empty, too big or
    unaccepted file (nothing stored), NotAllowed for another organisation's claim."""
    if line.claim.org_id != user.org_id:
        raise NotAllowed(_("That belongs to another organisation."))
    if not data:
        raise PartsError(_("Choose a file to upload."))
    limit = max_bytes()
    if len(data) > limit:
        raise PartsError(_("The file is too big: at most %(mb)s MB.") % {"mb": round(limit / 1024 / 1024, 1)})
    kind = _kind(data[:16])
    if kind is None:
        raise PartsError(_("Only photographs (JPEG, PNG) and PDF documents are accepted."))
    content_type, suffix = kind
    stored_name = secrets.token_hex(16) + suffix
    target = folder(line.claim.org_id)
    target.mkdir(parents=True, exist_ok=True)
    (target / stored_name).write_bytes(data)
    evidence = ClaimEvidence(
        org_id=line.claim.org_id,
        line_id=line.id,
        filename=_clean_name(name, suffix),
        content_type=content_type,
        size=len(data),
        stored_name=stored_name,
        uploaded_by_id=user.id,
    )
    session.add(evidence)
    session.flush()
    return evidence


def of_lines(session: Session, line_ids: list[int]) -> dict[int, list[ClaimEvidence]]:
    """The evidence of each line, oldest first."""
    out: dict[int, list[ClaimEvidence]] = {i: [] for i in line_ids}
    if line_ids:
        rows = session.scalars(
            sa.select(ClaimEvidence).where(ClaimEvidence.line_id.in_(line_ids)).order_by(ClaimEvidence.id)
        )
        for row in rows:
            out[row.line_id].append(row)
    return out


def path_of(evidence: ClaimEvidence) -> Path:
    return folder(evidence.org_id) / evidence.stored_name
