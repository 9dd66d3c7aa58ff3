"""Requisitions on their page: a supervisor is not offered to approve their own, and an approved
requisition the warehouse cannot fill is cancelled with a reason."""

from __future__ import annotations

import sqlalchemy as sa

from dispatch.assign.models import Technician
from dispatch.parts import catalog, documents
from dispatch.parts.models import DocState, PartDocument


def _login(client, username):
    return client.post("/login", data={"username": username, "password": "demo-pass"})


def _requisition(db, demo, asked_by: str, qty: int = 2) -> PartDocument:
    tech = db.scalar(sa.select(Technician).where(Technician.code == "XY-T01"))
    clamp = catalog.find(db, demo.xinye.id, "P-1001")
    doc = documents.request_parts(db, tech, None, [(clamp, qty)], requested_by=demo.users[asked_by])
    db.commit()
    return doc


def _row(page: str, number: str) -> str:
    return next(row for row in page.split("<tr>") if number in row)


def test_a_supervisor_is_not_offered_to_approve_their_own_requisition(demo, client, db):
    own = _requisition(db, demo, "supervisor")
    other = _requisition(db, demo, "dispatcher")
    _login(client, "supervisor")
    client.post("/language/en")
    page = client.get("/warehouse/requisitions").get_data(as_text=True)
    mine = _row(page, own.number)
    assert f"/warehouse/requisitions/{own.id}/approve" not in mine and "Approve" not in mine
    assert "another supervisor approves it" in mine
    assert f"/warehouse/requisitions/{other.id}/approve" in _row(page, other.number)
    client.post("/logout")
    _login(client, "night.supervisor")
    page = client.get("/warehouse/requisitions").get_data(as_text=True)
    assert f"/warehouse/requisitions/{own.id}/approve" in _row(page, own.number)


def test_an_approved_requisition_that_cannot_be_issued_is_cancelled_with_a_reason(
    demo, client, db, outbox_of
):
    doc = _requisition(db, demo, "dispatcher", qty=999)
    documents.approve(db, doc, demo.users["supervisor"])
    db.commit()
    _login(client, "warehouse")
    client.post("/language/en")
    assert client.post(f"/warehouse/requisitions/{doc.id}/issue").status_code == 409
    page = client.get("/warehouse/requisitions").get_data(as_text=True)
    assert f"/warehouse/requisitions/{doc.id}/cancel" in _row(page.split('id="to-issue"')[1], doc.number)

    refused = client.post(f"/warehouse/requisitions/{doc.id}/cancel", data={"reason": " "})
    assert refused.status_code == 422 and "Give the reason" in refused.get_data(as_text=True)
    done = client.post(
        f"/warehouse/requisitions/{doc.id}/cancel",
        data={"reason": "out of stock until March"},
        follow_redirects=True,
    )
    assert f"{doc.number} cancelled." in done.get_data(as_text=True)
    assert doc.number not in done.get_data(as_text=True).split('id="to-issue"')[1]
    db.rollback()
    assert db.get(PartDocument, doc.id).state is DocState.VOID
    told = outbox_of(kind="requisition_refused")
    assert len(told) == 1 and "out of stock until March" in told[0].body
    assert "out of stock until March" in client.get(f"/warehouse/documents/{doc.number}").get_data(
        as_text=True
    )
    again = client.post(f"/warehouse/requisitions/{doc.id}/cancel", data={"reason": "twice"})
    assert again.status_code == 422


def test_a_dispatcher_is_not_offered_to_issue_or_cancel(demo, client, db):
    doc = _requisition(db, demo, "dispatcher")
    documents.approve(db, doc, demo.users["supervisor"])
    db.commit()
    _login(client, "dispatcher")
    page = client.get("/warehouse/requisitions").get_data(as_text=True)
    row = _row(page.split('id="to-issue"')[1], doc.number)
    assert "/issue" not in row and "/cancel" not in row
    assert client.post(f"/warehouse/requisitions/{doc.id}/cancel", data={"reason": "x"}).status_code == 403
