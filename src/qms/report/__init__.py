"""Compliance reports (PDF and Excel) built from the outputs of a check.

    from qms.report import report_from_check
    result = report_from_check("out/check", pdf="report.pdf", xlsx="report.xlsx")

`build_report()` makes the report model (every figure), `write_pdf()` and
`write_xlsx()` render it; `report_from_log()` runs the check engine first.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..core.errors import QmsError
from ..core.i18n import gettext as _
from ..core.model_file import load_model_file
from ..model.workspace import WorkspaceConfig
from .model import ReportModel, build_report
from .pdf import SigningKey, write_pdf
from .xlsx import write_xlsx

__all__ = ["ReportModel", "ReportResult", "SigningKey", "build_report", "load_workspace_config", "report_from_check",
           "report_from_log", "write_pdf", "write_xlsx"]


@dataclass
class ReportResult:
    report_id: str
    figures_sha256: str
    status: str
    language: str
    pdf: Path | None
    xlsx: Path | None
    warnings: list[str]

    def as_dict(self) -> dict:
        return {"report_id": self.report_id, "figures_sha256": self.figures_sha256, "status": self.status,
                "language": self.language, "pdf": str(self.pdf) if self.pdf else None,
                "xlsx": str(self.xlsx) if self.xlsx else None, "warnings": self.warnings}


def load_workspace_config(path: Path) -> WorkspaceConfig:
    """Read qms.yaml; errors name the file, line and field."""
    return load_model_file(path, WorkspaceConfig, summary=_("The workspace configuration is invalid"))


def report_from_check(
    check_dir: Path,
    *,
    pdf: Path | None = None,
    xlsx: Path | None = None,
    config: WorkspaceConfig | Path | None = None,
    previous: Path | None = None,
    language: str = "vi",
    status: str = "draft",
    generated_at: dt.datetime | None = None,
    register: dict | None = None,
    approved_by: str | None = None,
    sign: "SigningKey | None" = None,
    procedures: list | None = None,
) -> ReportResult:
    """Render the reports of one check output directory. `previous` is the previous
    period's check output directory or its summary.json; `register` the summary of the
    nonconformity register (`qms.capa.summary.register_summary()`), when there is one;
    `procedures` the library's procedure issues (steps are named by them)."""
    if pdf is None and xlsx is None:
        raise QmsError(_("Nothing to write: give --pdf FILE, --xlsx FILE or both."))
    if isinstance(config, (str, Path)):
        config = load_workspace_config(Path(config))
    previous_summary = None
    if previous is not None:
        previous = Path(previous)
        previous_summary = previous / "summary.json" if previous.is_dir() else previous
    model = build_report(Path(check_dir), config=config, previous_summary=previous_summary, language=language,
                         status=status, generated_at=generated_at, register=register,
                         approved_by=approved_by, procedures=procedures)
    pdf_path = write_pdf(model, Path(pdf), sign=sign) if pdf else None
    xlsx_path = write_xlsx(model, Path(xlsx)) if xlsx else None
    return ReportResult(model.report_id, model.figures_sha256, model.status, model.language, pdf_path, xlsx_path,
                        model.warnings)


def _run_check(log: Path, out_dir: Path, options: dict) -> list:
    """Run the check engine through its Python API (`qms.check.api.run_check` and
    `write_outputs`), leave its outputs in `out_dir` and return the procedure issues it used."""
    from ..check import api  # imported here: rendering saved outputs needs no engine

    period = (options["period_from"], options["period_to"])
    result = api.run_check(Path(log), options["docs_dir"], as_of=options["as_of"],
                           period=period if any(period) else None, profile=options["profile"],
                           language=options["language"])
    api.write_outputs(result, out_dir)
    return result.documents.procedures


def report_from_log(
    log: Path,
    *,
    profile: str | None = None,
    docs: Path | None = None,
    as_of: dt.datetime | None = None,
    period_from: dt.date | None = None,
    period_to: dt.date | None = None,
    previous_log: Path | None = None,
    **render_options,
) -> ReportResult:
    """Check `log` (and `previous_log`, when given) and render the reports."""
    options = {"profile": profile, "docs_dir": docs, "as_of": as_of, "period_from": period_from,
               "period_to": period_to, "language": render_options.get("language", "vi")}
    with tempfile.TemporaryDirectory(prefix="qms-report-") as scratch:
        current = Path(scratch) / "check"
        procedures = _run_check(log, current, options)
        previous = None
        if previous_log is not None:
            previous = Path(scratch) / "previous"
            _run_check(previous_log, previous, {**options, "as_of": None, "period_from": None, "period_to": None})
        return report_from_check(current, previous=previous, procedures=procedures, **render_options)
