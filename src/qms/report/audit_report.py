"""`audit_report()`: one internal audit as PDF and/or Excel, from the database.

    from qms.report.audit_report import audit_report
    audit_report(db, "DG-2026-01", pdf="dg.pdf", xlsx="dg.xlsx", config=config, language="vi")
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..core.i18n import get_language, set_language
from ..model.workspace import WorkspaceConfig
from .audit_model import AuditReportModel, build_audit_report
from .audit_pdf import write_audit_pdf
from .audit_xlsx import write_audit_xlsx

__all__ = ["AuditReportModel", "audit_report", "build_audit_report", "write_audit_pdf", "write_audit_xlsx"]


def audit_report(db, code: str, *, pdf: str | Path | None = None, xlsx: str | Path | None = None,
                 config: WorkspaceConfig | None = None, language: str | None = None) -> dict[str, Any]:
    """Build the model once and render it; returns the paths and the headline counts."""
    language = language or get_language()
    previous = get_language()
    set_language(language)  # the checklist questions are read in the report's language
    try:
        model = build_audit_report(db, code, config, language=language)
    finally:
        set_language(previous)
    written_pdf = write_audit_pdf(model, Path(pdf)) if pdf else None
    written_xlsx = write_audit_xlsx(model, Path(xlsx)) if xlsx else None
    totals = model.totals
    return {"audit": model.audit_code, "language": language, "pdf": str(written_pdf) if written_pdf else None,
            "xlsx": str(written_xlsx) if written_xlsx else None, "items": totals.items,
            "counts": totals.counts, "applicable": totals.applicable, "answered": totals.answered,
            "coverage": totals.coverage, "findings": len(model.findings),
            "nonconformities": [nc.code for nc in model.nonconformities]}
