"""API client tokens: random, shown once, stored as SHA-256, scoped read / write.

Why: a token is a long random secret, so a fast hash is enough at rest (nothing to brute-force);
the prefix lets an admin tell tokens apart without the secret.
"""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.admin_models import ApiClient
from storage.base import utcnow

SCOPES = ("read", "write")
TOKEN_PREFIX = "inm_"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_client(db: Session, name: str, scopes: list[str], created_by: str) -> tuple[ApiClient, str]:
    """A new client and its token (the only time the token is visible).

    Raises:
        ValueError: no name or an unknown scope.
    """
    name = name.strip()[:120]
    if not name:
        raise ValueError("give the client a name")
    if not scopes or any(s not in SCOPES for s in scopes):
        raise ValueError("scopes are read and/or write")
    if "write" in scopes and "read" not in scopes:
        scopes = ["read", *scopes]
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    client = ApiClient(name=name, token_prefix=token[:10], token_hash=token_hash(token), scopes=",".join(scopes),
                       created_by=created_by)
    db.add(client)
    db.flush()
    return client, token


def authenticate(db: Session, token: str) -> ApiClient | None:
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    client = db.scalar(select(ApiClient).where(ApiClient.token_hash == token_hash(token)))
    if client is None or client.revoked_at is not None:
        return None
    return client


def revoke(client: ApiClient) -> None:
    if client.revoked_at is None:
        client.revoked_at = utcnow()
