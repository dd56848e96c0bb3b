"""Idempotency keys for API writes that move points (Stripe's model).

The first request with a key runs and its response is stored (client, key, request hash) in the
same transaction as the write; a repeat with the same key and body gets the stored response; the
same key with another body is refused with 409. The ledger transfer's own idempotency key is
derived from the API key too, so even two simultaneous first requests move points once.
"""

from __future__ import annotations

import hashlib
from typing import Any

from flask import Response, jsonify, request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.errors import ApiError
from storage.admin_models import ApiIdempotency


def request_hash() -> str:
    payload = request.method.encode() + b" " + request.path.encode() + b"\n" + request.get_data()
    return hashlib.sha256(payload).hexdigest()


def replay_or_none(db: Session, client_id: int, key: str) -> tuple[Response, int] | None:
    row = db.scalar(select(ApiIdempotency).where(ApiIdempotency.client_id == client_id, ApiIdempotency.key == key))
    if row is None:
        return None
    if row.request_hash != request_hash():
        raise ApiError(409, "idempotency_conflict", "this Idempotency-Key was used for a different request")
    resp = jsonify(row.response)
    resp.headers["Idempotent-Replayed"] = "true"
    return resp, row.status_code


def store_response(db: Session, client_id: int, key: str, status: int, body: dict[str, Any]
                   ) -> tuple[Response, int]:
    """Save the response with the write and commit; a concurrent twin's stored response wins."""
    try:
        with db.begin_nested():
            db.add(ApiIdempotency(client_id=client_id, key=key, request_hash=request_hash(), status_code=status,
                                  response=body))
        db.commit()
    except IntegrityError:
        db.rollback()
        replay = replay_or_none(db, client_id, key)
        if replay is not None:
            return replay
        raise
    return jsonify(body), status
