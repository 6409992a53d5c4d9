"""Failed-login throttling per user and per address, kept in the database so that
it holds across server workers and restarts."""

from __future__ import annotations

import datetime as dt

from ..core.errors import QmsError
from ..core.i18n import _
from ..db import Database
from ..db.tables import LoginFailure

MAX_FAILURES = 5  # within one window, per user and per address
WINDOW = dt.timedelta(minutes=15)
LOCK = dt.timedelta(minutes=15)


class LoginThrottled(QmsError):
    def __init__(self, until: dt.datetime):
        self.until = until
        super().__init__(_("Too many failed logins; try again after {time} UTC").format(time=until.strftime("%H:%M")))


def _keys(username: str, address: str) -> list[str]:
    return [f"user:{username[:150]}", f"address:{address[:150]}"]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def check(db: Database, username: str, address: str, now: dt.datetime | None = None) -> None:
    now = now or _now()
    with db.reading() as session:
        for key in _keys(username, address):
            row = session.get(LoginFailure, key)
            if row is not None and row.locked_until is not None and row.locked_until > now:
                raise LoginThrottled(row.locked_until)


def record_failure(db: Database, username: str, address: str, now: dt.datetime | None = None) -> None:
    now = now or _now()
    with db.writing() as session:
        for key in _keys(username, address):
            row = session.get(LoginFailure, key)
            if row is None:
                session.add(LoginFailure(key=key, failures=1, window_start=now))
                continue
            if now - row.window_start > WINDOW:
                row.failures, row.window_start, row.locked_until = 0, now, None
            row.failures += 1
            if row.failures >= MAX_FAILURES:
                row.locked_until = now + LOCK


def clear(db: Database, username: str) -> None:
    """A successful login forgets the user's failures (not the address's: one
    right password must not unlock guessing at other accounts from there)."""
    with db.writing() as session:
        row = session.get(LoginFailure, _keys(username, "")[0])
        if row is not None:
            session.delete(row)
