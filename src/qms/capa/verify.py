"""The NC register's own part of `qms nc verify`: the history chain recomputed, and
the register compared with it. Audits are compared by `qms.audit.verify`; both are
combined in `qms.records.verify_register`, above the two packages."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from . import history, register


def verify_chain_and_register(session: Session) -> tuple[Any, list[dict[str, Any]]]:
    """(the chain report, the NCs whose state differs from their newest history entry)."""
    return history.verify_chain(session), register.state_mismatches(session)
