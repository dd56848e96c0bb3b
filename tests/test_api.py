"""The JSON API: token auth and scopes, members, statements, claims, batches, idempotent adjustments."""

from __future__ import annotations

from sqlalchemy import func, select

from api.tokens import create_client
from storage import ledger
from storage.admin_models import ApiClient, AuditEntry
from storage.db import sessions
from storage.ledger_models import Transfer
from tests.adminkit import POSTGRES_ONLY, SQLITE_ONLY, claim_codes_for, quick_member
from tests.botkit import run_jobs
from tests.claimkit import code, new_batch


def token_for(app, scopes: list[str], name: str = "ERP") -> str:
    with sessions(app).begin() as db:
        return create_client(db, name, scopes, "admin@brand.in")[1]


@SQLITE_ONLY
def test_tokens_are_hashed_and_scoped(app) -> None:
    reader, writer = token_for(app, ["read"], "BI"), token_for(app, ["read", "write"], "ERP")
    client = app.test_client()
    assert client.get("/api/v1/members").status_code == 401
    assert client.get("/api/v1/members", headers={"Authorization": "Bearer inm_nope"}).status_code == 401
    ok = client.get("/api/v1/members", headers={"Authorization": f"Bearer {reader}"})
    assert ok.status_code == 200 and ok.json == {"items": [], "page": 1, "per_page": 50, "total": 0}
    denied = client.post("/api/v1/batches", json={"sku": "X", "points": 1, "count": 1},
                         headers={"Authorization": f"Bearer {reader}"})
    assert denied.status_code == 403 and denied.json["error"]["code"] == "forbidden"
    made = client.post("/api/v1/batches", json={"sku": "CEM-53", "points": 5, "count": 3, "regions": ["226"]},
                       headers={"Authorization": f"Bearer {writer}"})
    assert made.status_code == 201 and made.json["count"] == 3 and made.json["regions"] == ["226"]
    with sessions(app)() as db:
        stored = db.scalars(select(ApiClient.token_hash)).all()
        assert reader not in stored and writer not in stored and len(stored[0]) == 64
        assert db.scalar(select(AuditEntry.actor).where(AuditEntry.action == "batch.issue")) == "api:ERP"
    doc = client.get("/api/v1/openapi.json").json
    assert doc["openapi"] == "3.1.0" and "/members/{member_id}/adjustments" in doc["paths"]


@POSTGRES_ONLY
def test_adjustments_need_and_honour_idempotency_keys(app, user) -> None:
    mid = quick_member(app, user.phone)
    auth = {"Authorization": f"Bearer {token_for(app, ['read', 'write'])}"}
    client = app.test_client()
    before = client.get(f"/api/v1/members/{mid}/balance", headers=auth).json["points"]
    path = f"/api/v1/members/{mid}/adjustments"
    assert client.post(path, json={"points": 100, "reason": "promo"}, headers=auth).status_code == 400
    first = client.post(path, json={"points": 100, "reason": "promo"}, headers={**auth, "Idempotency-Key": "k-1"})
    again = client.post(path, json={"points": 100, "reason": "promo"}, headers={**auth, "Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 201
    assert first.json == again.json and again.headers.get("Idempotent-Replayed") == "true"
    other = client.post(path, json={"points": 7, "reason": "promo"}, headers={**auth, "Idempotency-Key": "k-1"})
    assert other.status_code == 409
    too_much = client.post(path, json={"points": -10**6, "reason": "claw back"},
                           headers={**auth, "Idempotency-Key": "k-2"})
    assert too_much.status_code == 409 and too_much.json["error"]["code"] == "insufficient_points"
    assert client.get(f"/api/v1/members/{mid}/balance", headers=auth).json["points"] == before + 100
    lines = client.get(f"/api/v1/members/{mid}/statement", headers=auth).json
    assert lines["items"][0]["points"] == 100 and lines["items"][0]["memo"] == "promo"
    with sessions(app)() as db:
        assert db.scalar(select(func.count()).select_from(Transfer).where(Transfer.reason == "adjustment")) == 1
        assert ledger.verify(db) == []
    found = client.get("/api/v1/members?q=ramesh", headers=auth).json
    assert found["total"] == 1 and found["items"][0]["id"] == mid


@SQLITE_ONLY
def test_claim_decision_through_the_api_notifies_once(app, user) -> None:
    mid = quick_member(app, user.phone)
    batch = new_batch(app, points=30, regions=["5"])
    claim_codes_for(app, mid, [code(app, batch, 9)])
    auth = {"Authorization": f"Bearer {token_for(app, ['read', 'write'])}"}
    client = app.test_client()
    waiting = client.get("/api/v1/claims?kind=coupon", headers=auth).json
    assert [c["ref"] for c in waiting["items"]] == ["C1"] and waiting["items"][0]["reasons"] == ["review_region"]
    body = {"decision": "reject", "reason_code": "outside_region"}
    first = client.post("/api/v1/claims/C1/decision", json=body, headers={**auth, "Idempotency-Key": "d1"})
    assert first.status_code == 200 and first.json["status"] == "rejected"
    replay = client.post("/api/v1/claims/C1/decision", json=body, headers={**auth, "Idempotency-Key": "d1"})
    assert replay.status_code == 200
    late = client.post("/api/v1/claims/C1/decision", json={"decision": "approve"},
                       headers={**auth, "Idempotency-Key": "d2"})
    assert late.status_code == 409
    run_jobs(app)
    notices = user.replies()
    assert len(notices) == 1 and "not valid in your area" in notices[0]


@SQLITE_ONLY
def test_block_unblock_and_erase_through_the_api(app, user) -> None:
    from storage.models import Contact, InboundMessage, Member

    mid = quick_member(app, user.phone)
    user.ask("mera balance batao")
    with sessions(app)() as db:
        contact_id = db.scalar(select(Contact.id).where(Contact.member_id == mid))
    reader = {"Authorization": f"Bearer {token_for(app, ['read'], 'BI')}"}
    auth = {"Authorization": f"Bearer {token_for(app, ['read', 'write'])}"}
    client = app.test_client()
    block = f"/api/v1/members/{mid}/block"
    assert client.post(block, json={"reason": "fake coupons"}, headers={**reader, "Idempotency-Key": "b0"}
                       ).status_code == 403
    assert client.post(block, json={"reason": "fake coupons"}, headers=auth).status_code == 400  # no key
    assert client.post(block, json={"reason": " "}, headers={**auth, "Idempotency-Key": "b0"}).status_code == 422
    first = client.post(block, json={"reason": "fake coupons"}, headers={**auth, "Idempotency-Key": "b1"})
    assert first.status_code == 200 and first.json["status"] == "blocked"
    assert first.json["block_reason"] == "fake coupons"
    assert client.get(f"/api/v1/members/{mid}", headers=auth).json["status"] == "blocked"
    unblock = client.post(f"/api/v1/members/{mid}/unblock", headers={**auth, "Idempotency-Key": "u1"})
    assert unblock.status_code == 200 and unblock.json["status"] == "active"
    # a retried block (same key and body) is answered from the store and does not block again
    retry = client.post(block, json={"reason": "fake coupons"}, headers={**auth, "Idempotency-Key": "b1"})
    assert retry.status_code == 200 and retry.headers.get("Idempotent-Replayed") == "true"
    assert client.get(f"/api/v1/members/{mid}", headers=auth).json["status"] == "active"
    assert client.post(block, json={"reason": "other"}, headers={**auth, "Idempotency-Key": "b1"}).status_code == 409
    erase = f"/api/v1/members/{mid}/erase"
    assert client.post(erase, json={}, headers={**auth, "Idempotency-Key": "e1"}).status_code == 422
    gone = client.post(erase, json={"confirm": "ERASE"}, headers={**auth, "Idempotency-Key": "e2"})
    assert gone.status_code == 200 and gone.json["status"] == "erased" and gone.json["removed"]["messages"] >= 1
    again = client.post(erase, json={"confirm": "ERASE"}, headers={**auth, "Idempotency-Key": "e2"})
    assert again.json == gone.json and again.headers.get("Idempotent-Replayed") == "true"
    twice = client.post(erase, json={"confirm": "ERASE"}, headers={**auth, "Idempotency-Key": "e3"})
    assert twice.status_code == 409 and twice.json["error"]["code"] == "already_erased"
    assert client.post(block, json={"reason": "x"}, headers={**auth, "Idempotency-Key": "b9"}).status_code == 409
    shown = client.get(f"/api/v1/members/{mid}", headers=auth).json
    assert shown["status"] == "erased" and shown["name"] is None and shown["phone"] is None
    with sessions(app)() as db:
        member = db.get(Member, mid)
        contact = db.get(Contact, contact_id)
        bodies = db.scalars(select(InboundMessage.body).where(InboundMessage.contact_id == contact_id)).all()
        assert member.erased_at is not None and user.phone not in (member.phone or "", contact.phone)
        assert set(bodies) == {""}
        assert ledger.verify(db) == []
        actions = db.scalars(select(AuditEntry.action).where(AuditEntry.actor == "api:ERP")
                             .order_by(AuditEntry.id)).all()
    assert actions == ["member.block", "member.unblock", "member.erase"]
