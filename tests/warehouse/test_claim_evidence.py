"""Evidence files on supplier-claim lines: the warehouse attaches a photograph or a PDF to a line,
sees it on the claims page and downloads it back; other kinds, empty and oversized files are
refused and nothing is stored; dispatchers and other organisations cannot reach them."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from dispatch.parts import claims, closing, returns
from dispatch.parts.evidence import ClaimEvidence
from dispatch.parts.returns_models import Disposition

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%test\n"


@pytest.fixture
def claim_line(app, demo, db, tmp_path, monkeypatch):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    clerk = demo.users["warehouse"]
    returned = returns.receive(db, demo.xinye.id, "V-2001", "OLD-9", clerk)
    closing.dispose(db, returned, Disposition.CLAIM, clerk)
    line = claims.add_line(db, returned, clerk, "valve stem broken")
    db.commit()
    return line


def _login(client, username):
    client.post("/login", data={"username": username, "password": "demo-pass"})


def _upload(client, line_id, data, name):
    return client.post(
        f"/warehouse/claims/lines/{line_id}/evidence",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def _count(db):
    return db.scalar(sa.select(sa.func.count()).select_from(ClaimEvidence))


def test_a_photograph_and_a_pdf_are_attached_shown_and_downloaded(claim_line, client, db, tmp_path):
    _login(client, "warehouse")
    assert _upload(client, claim_line.id, PNG, "broken stem.png").status_code == 302
    assert _upload(client, claim_line.id, PDF, "report.pdf").status_code == 302
    page = client.get("/warehouse/claims", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "broken stem.png" in page and "report.pdf" in page
    photo = db.scalar(sa.select(ClaimEvidence).where(ClaimEvidence.filename == "broken stem.png"))
    download = client.get(f"/warehouse/claims/evidence/{photo.id}")
    assert download.status_code == 200 and download.data == PNG
    assert download.mimetype == "image/png"
    assert "attachment" in download.headers["Content-Disposition"]
    assert any(tmp_path.rglob(photo.stored_name))  # kept under the instance folder


@pytest.mark.parametrize(
    "data, name",
    [
        (b"MZ\x90\x00 not a picture", "virus.png"),  # the name says PNG, the bytes do not
        (b"<html><script>alert(1)</script>", "page.pdf"),
        (b"", "empty.jpg"),
        (PNG + b"\x00" * 200, "huge.png"),  # over the configured limit below
    ],
)
def test_other_kinds_empty_and_oversized_files_are_refused(claim_line, client, db, app, data, name):
    app.config["PARTS_EVIDENCE_MAX_BYTES"] = 200
    _login(client, "warehouse")
    answer = _upload(client, claim_line.id, data, name)
    assert answer.status_code == 303
    assert _count(db) == 0
    page = client.get("/warehouse/claims", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert name not in page


def test_dispatchers_and_other_organisations_cannot_reach_the_evidence(claim_line, client, db):
    _login(client, "warehouse")
    _upload(client, claim_line.id, PDF, "report.pdf")
    evidence_id = db.scalar(sa.select(ClaimEvidence.id))
    client.post("/logout")
    _login(client, "dispatcher")
    assert client.get(f"/warehouse/claims/evidence/{evidence_id}").status_code == 403
    assert _upload(client, claim_line.id, PDF, "more.pdf").status_code == 403
    client.post("/logout")
    _login(client, "coach.warehouse")
    assert client.get(f"/warehouse/claims/evidence/{evidence_id}").status_code == 404
    assert _upload(client, claim_line.id, PDF, "more.pdf").status_code == 404
    assert _count(db) == 1
