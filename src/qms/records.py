"""The operational records as one whole: the NC register (`qms.capa`) and the
audits (`qms.audit`) share one hash-chained history. What spans both lives here,
above the two packages, so that neither imports the other for it."""

from __future__ import annotations

from .audit.verify import audit_mismatches
from .capa.models import RegisterVerification
from .capa.verify import verify_chain_and_register
from .db import Database


def verify_register(db: Database) -> RegisterVerification:
    """`qms nc verify`: the history chain recomputed, and NCs and audits compared with it."""
    with db.reading() as session:
        report, mismatches = verify_chain_and_register(session)
        mismatches = mismatches + audit_mismatches(session)
    result = report.as_dict()
    result["state_mismatches"] = mismatches
    result["ok"] = report.ok and not mismatches
    return RegisterVerification.model_validate(result)
