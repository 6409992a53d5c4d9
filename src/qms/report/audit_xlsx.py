"""The audit report as an Excel workbook, with the compliance report's sheet helpers.

Sheets: Summary (the plan and the totals), By clause (counts per grade and coverage
per clause, then clauses 4–10), Results (every checklist item), Findings and
Nonconformities. Evidence and notes are auditors' free text: text that looks like a
formula ("=SUM(…") is stored as text, never evaluated (`_Sheet.cell`).
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook

from ..core.atomic import atomic_target
from ..core.errors import QmsError
from .audit_model import NOT_ANSWERED, AuditReportModel, ClauseCounts, PersonRow
from ..core.formatting import Formatter
from .xlsx import INTEGER, PERCENT, _key_values, _Sheet


def _people(rows: list[PersonRow | None]) -> str:
    return "; ".join(f"{p.name} ({p.title})" if p.title else p.name for p in rows if p) or "–"


def _summary_sheet(workbook: Workbook, model: AuditReportModel, formatter: Formatter) -> None:
    gettext = formatter.gettext
    totals = model.totals
    rows = [
        (gettext("Internal audit report"),),
        (gettext("Organisation"), model.organisation),
        (gettext("Audit"), model.audit_code),
        (gettext("Title"), model.title),
        (gettext("Audit date"), model.audit_date),
        (gettext("Scope"), model.scope),
        (gettext("Audited units"), "; ".join(model.units)),
        *([(gettext("Processes"), ", ".join(model.processes))] if model.processes else []),
        (gettext("Lead auditor"), _people([model.lead_auditor])),
        (gettext("Audit team"), _people(model.auditors)),
        (gettext("Auditees"), _people(model.auditees)),
        (gettext("Checklist"), f"{model.checklist_code or '–'}, {gettext('issue')} {model.checklist_issue or '–'}"),
        (gettext("Checklist items (SHA-256)"), model.checklist_sha256),
        (gettext("Report approved by"), _people([model.approver])),
        (gettext("Generated"), formatter.datetime(model.generated_at)),
        (),
        (gettext("Results by clause"),),
        (gettext("Items"), totals.items),
        *[(model.grade_labels[grade], totals.counts[grade]) for grade in (*model.grades, NOT_ANSWERED)],
        (gettext("Applicable"), totals.applicable),
        (gettext("Answered"), totals.answered),
        (gettext("Coverage"), totals.coverage),
        (gettext("Nonconformities raised"), ", ".join(nc.code for nc in model.nonconformities)),
    ]
    sheet = _key_values(workbook, gettext("Summary"), [], formatter)
    for row in rows:
        number_format = PERCENT if row and row[0] == gettext("Coverage") else (
            "dd/mm/yyyy" if row and row[0] == gettext("Audit date") else None)
        sheet.append([sheet.cell(value, bold=index == 0 and len(row) == 1,
                                 number_format=number_format if index else None)
                      for index, value in enumerate(row)])


def _clause_rows(sheet: _Sheet, model: AuditReportModel, rows: list[ClauseCounts]) -> None:
    for row in rows:
        values = [row.clause, row.title, row.items, *(row.counts[g] for g in (*model.grades, NOT_ANSWERED)),
                  row.applicable, row.answered, row.coverage, ", ".join(row.unanswered)]
        bold = row is model.totals
        sheet.append([sheet.cell(value, bold=bold, border=True,
                                 number_format=PERCENT if index == len(values) - 2 else
                                 (INTEGER if isinstance(value, int) else None))
                      for index, value in enumerate(values)])


def _by_clause_sheet(workbook: Workbook, model: AuditReportModel, formatter: Formatter) -> None:
    gettext = formatter.gettext
    sheet = _Sheet(workbook, gettext("By clause"))
    sheet.widths(9, 36, 8, *([13] * (len(model.grades) + 1)), 10, 10, 11, 28)
    header = [gettext("Clause"), gettext("Title"), gettext("Items"),
              *(model.grade_labels[g] for g in (*model.grades, NOT_ANSWERED)),
              gettext("Applicable"), gettext("Answered"), gettext("Coverage"), gettext("Unanswered items")]
    sheet.sheet.freeze_panes = "C2"
    sheet.append([sheet.cell(text, header=True) for text in header])
    _clause_rows(sheet, model, [*model.by_clause, model.totals])
    sheet.append([])
    sheet.append([sheet.cell(gettext("Coverage of clauses 4–10"), bold=True)])
    sheet.append([sheet.cell(text, header=True) for text in header])
    _clause_rows(sheet, model, model.by_main_clause)
    sheet.append([])
    sheet.append([gettext("Coverage = applicable items answered / applicable items; "
                          "items graded not applicable are left out.")])


def _results_sheet(workbook: Workbook, title: str, rows, formatter: Formatter) -> None:
    gettext = formatter.gettext
    sheet = _Sheet(workbook, title)
    sheet.widths(6, 12, 9, 55, 20, 50, 35, 11)
    sheet.sheet.freeze_panes = "A2"
    sheet.append([sheet.cell(text, header=True) for text in (
        gettext("No."), gettext("Item"), gettext("Clause"), gettext("Question"), gettext("Result"),
        gettext("Evidence"), gettext("Notes"), "NC")])
    for row in rows:
        sheet.append([row.number, sheet.cell(row.item_id), sheet.cell(row.clause), sheet.cell(row.question, wrap=True),
                      sheet.cell(row.result_label), sheet.cell(row.evidence, wrap=True),
                      sheet.cell(row.notes, wrap=True), sheet.cell(row.nc or "")])


def _nonconformities_sheet(workbook: Workbook, model: AuditReportModel, formatter: Formatter) -> None:
    gettext = formatter.gettext
    sheet = _Sheet(workbook, gettext("Nonconformities"))
    sheet.widths(11, 14, 22, 10, 80)
    sheet.append([sheet.cell(text, header=True) for text in (
        "NC", gettext("Severity"), gettext("Status"), gettext("Clause"), gettext("Title"))])
    for nc in model.nonconformities:
        sheet.append([nc.code, nc.severity_label, nc.state_label, nc.clause or "", sheet.cell(nc.title, wrap=True)])


def write_audit_xlsx(model: AuditReportModel, target: Path) -> Path:
    target = Path(target)
    formatter = Formatter(model.language, model.timezone)
    gettext = formatter.gettext
    workbook = Workbook(write_only=True)
    _summary_sheet(workbook, model, formatter)
    _by_clause_sheet(workbook, model, formatter)
    _results_sheet(workbook, gettext("Results"), model.results, formatter)
    _results_sheet(workbook, gettext("Findings"), model.findings, formatter)
    _nonconformities_sheet(workbook, model, formatter)
    try:
        with atomic_target(target) as partial:
            workbook.save(partial)
    except OSError as error:
        raise QmsError(f"{target}: cannot write the Excel file: {error.strerror or error}") from None
    return target
