"""Refusals of the register, each a `QmsError` whose message says why."""

from __future__ import annotations

from ..core.errors import QmsError


class NotFound(QmsError):
    """No such nonconformity, action, audit or programme."""


class PermissionRefused(QmsError):
    """The acting user's roles do not allow this."""


class TransitionRefused(QmsError):
    """The workflow does not allow this step now, or its data is incomplete."""


class ConflictError(QmsError):
    """Someone else changed the record after the caller read it (optimistic locking)."""
