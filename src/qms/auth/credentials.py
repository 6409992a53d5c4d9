"""Passwords of the users of `qms.yaml`, hashed with argon2id (argon2-cffi)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ..core.errors import QmsError
from ..core.i18n import _
from ..db import Database
from ..db.tables import UserCredential
from ..model.workspace import WorkspaceConfig
from . import throttle

MIN_PASSWORD_LENGTH = 10
_hasher = PasswordHasher()  # argon2id with the library's current recommended cost
# Verified against when the user is unknown, so the answer takes as long either way.
_DUMMY_HASH = _hasher.hash("not a password of anyone")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def require_known_user(config: WorkspaceConfig, username: str) -> None:
    if username not in config.users:
        raise QmsError(_("User '{user}' is not in the workspace configuration (qms.yaml)").format(user=username))


def set_password(db: Database, config: WorkspaceConfig, username: str, password: str) -> None:
    """Set (or replace) the password; this also enables a disabled user."""
    require_known_user(config, username)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise QmsError(_("The password must have at least {n} characters").format(n=MIN_PASSWORD_LENGTH))
    hashed = _hasher.hash(password)
    with db.writing() as session:
        row = session.get(UserCredential, username)
        if row is None:
            session.add(UserCredential(username=username, password_hash=hashed, disabled=False, updated_at=_now()))
        else:
            row.password_hash, row.disabled, row.updated_at = hashed, False, _now()


def disable_user(db: Database, config: WorkspaceConfig, username: str) -> None:
    """The user can no longer log in nor use an API token (until a new password is set)."""
    require_known_user(config, username)
    with db.writing() as session:
        row = session.get(UserCredential, username)
        if row is None:
            session.add(UserCredential(username=username, password_hash=None, disabled=True, updated_at=_now()))
        else:
            row.disabled, row.updated_at = True, _now()


@dataclass(frozen=True)
class UserState:
    has_password: bool
    disabled: bool


def user_state(db: Database, username: str) -> UserState:
    with db.reading() as session:
        row = session.get(UserCredential, username)
        return UserState(has_password=bool(row and row.password_hash), disabled=bool(row and row.disabled))


def authenticate(db: Database, config: WorkspaceConfig, username: str, password: str, address: str) -> str | None:
    """The username when the password is right and the user may log in; None
    otherwise (the reason is not told: a guesser learns nothing). Raises
    `LoginThrottled` while the user or the address has failed too often."""
    throttle.check(db, username, address)
    with db.reading() as session:
        row = session.get(UserCredential, username)
        stored = row.password_hash if row is not None else None
        usable = row is not None and not row.disabled and stored is not None and username in config.users
    try:
        _hasher.verify(stored or _DUMMY_HASH, password)
        matched = usable
    except (VerificationError, InvalidHashError):
        matched = False
    if not matched:
        throttle.record_failure(db, username, address)
        return None
    throttle.clear(db, username)
    return username
