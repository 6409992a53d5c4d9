"""`qms nc verify`: the history chain recomputed, and the register compared with it."""

from __future__ import annotations

from typing import Any

from ..db import Database
from . import history, register
from .models import RegisterVerification


def verify_register(db: Database) -> RegisterVerification:
    from ..audit.verify import audit_mismatches  # qms.audit builds on qms.capa

    with db.reading() as session:
        report = history.verify_chain(session)
        mismatches = register.state_mismatches(session) + audit_mismatches(session)
    result = report.as_dict()
    result["state_mismatches"] = mismatches
    result["ok"] = report.ok and not mismatches
    return RegisterVerification.model_validate(result)
