"""API tokens: random, shown once, stored as SHA-256 (a token has 256 bits of
entropy, so a fast hash is enough; passwords get argon2id)."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import select

from ..db import Database
from ..db.tables import ApiToken, UserCredential
from ..model.workspace import WorkspaceConfig
from .credentials import require_known_user

PREFIX = "qms_"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(db: Database, config: WorkspaceConfig, username: str) -> str:
    """A new token for `username`; only its hash is kept."""
    require_known_user(config, username)
    token = PREFIX + secrets.token_urlsafe(32)
    with db.writing() as session:
        session.add(ApiToken(username=username, token_sha256=_digest(token),
                             created_at=dt.datetime.now(dt.timezone.utc)))
    return token


def user_for_token(db: Database, config: WorkspaceConfig, token: str) -> str | None:
    """The user a valid token belongs to, or None (unknown, revoked, disabled user,
    or a user no longer in qms.yaml)."""
    if not token.startswith(PREFIX):
        return None
    with db.reading() as session:
        row = session.scalars(select(ApiToken).where(ApiToken.token_sha256 == _digest(token),
                                                     ApiToken.revoked_at.is_(None))).first()
        if row is None or row.username not in config.users:
            return None
        credential = session.get(UserCredential, row.username)
        if credential is not None and credential.disabled:
            return None
        return row.username
