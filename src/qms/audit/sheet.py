"""The fill-in workbook of an audit: exported for the auditors, imported back.

One row per checklist item; the result column has a drop-down of the six grades,
evidence and notes are free text, and everything else is locked (protected sheet,
locked workbook structure). On import every problem is reported with its sheet and
cell, and nothing is recorded unless the whole sheet is valid.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation

from ..capa.errors import TransitionRefused
from .models import RecordOutcome, SheetWritten
from ..db import Database
from ..core.atomic import atomic_target
from ..core.errors import QmsError, ValidationFailed
from ..core.excel_text import make_inert
from ..core.i18n import _, get_language
from ..model.audit import NC_RESULTS, RESULT_LABELS, AuditResultValue, ItemResult
from ..model.workspace import WorkspaceConfig
from .plan import load_audit
from .record import question_text, record_results

SHEET = "Checklist"
HEADER_ROW = 7
FIRST_ROW = HEADER_ROW + 1
COLUMNS = ("number", "item", "clause", "question", "result", "evidence", "notes")
COL = {name: index + 1 for index, name in enumerate(COLUMNS)}
LETTER = {name: chr(ord("A") + index) for index, name in enumerate(COLUMNS)}
EDITABLE = ("result", "evidence", "notes")
META_VALUE_COLUMN = 4
AUDIT_CODE_CELL = "D1"  # checked on import: the sheet belongs to this audit
WIDTHS = {"number": 5, "item": 12, "clause": 8, "question": 60, "result": 22, "evidence": 45, "notes": 30}


def _labels(language: str) -> dict[AuditResultValue, str]:
    return {value: text.in_language(language) for value, text in RESULT_LABELS.items()}


def _accepted_results() -> dict[str, AuditResultValue]:
    """Every spelling accepted on import: codes, Vietnamese and English labels."""
    accepted: dict[str, AuditResultValue] = {}
    for value, text in RESULT_LABELS.items():
        for spelling in (value.value, text.vi, text.en or value.value, value.value.replace("_", " ")):
            accepted[spelling.strip().casefold()] = value
    return accepted


def export_sheet(db: Database, code: str, path: str | Path, *, language: str | None = None,
                 config: WorkspaceConfig | None = None) -> SheetWritten:
    """Write the fill-in workbook; `config` turns user ids into names on the sheet."""
    language = language or get_language()

    def names(users: list[str]) -> str:
        known = config.users if config else {}
        return ", ".join(f"{known[user].name} ({user})" if user in known else user for user in users)

    with db.reading() as session:
        audit = load_audit(session, code)
        if audit.status == "programmed" or not audit.checklist_items:
            raise TransitionRefused(_("Audit {code} has no plan yet (qms audit plan)").format(code=code))
        recorded = {row.item_id: row for row in audit.results}
        items = list(audit.checklist_items)
        meta = [(_("Audit"), audit.code), (_("Title"), audit.title),
                (_("Date"), audit.audit_date.isoformat() if audit.audit_date else ""),
                (_("Lead auditor"), names([audit.lead_auditor] if audit.lead_auditor else [])),
                (_("Audit team and auditees"), f"{names(audit.auditors or [])} / {names(audit.auditees or [])}"),
                (_("Checklist"), f"{audit.checklist_code} ({_('issue')} {audit.checklist_issue}); "
                                 + _("Units") + ": " + ", ".join(audit.units))]
    labels = _labels(language)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET
    bold = Font(bold=True)
    for row, (label, value) in enumerate(meta, start=1):
        # Label over columns A–C, value over D–G, so the narrow No. column clips nothing.
        sheet.cell(row, 1, label).font = bold
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=3)
        sheet.cell(row, META_VALUE_COLUMN, value)
        sheet.merge_cells(start_row=row, start_column=META_VALUE_COLUMN, end_row=row, end_column=len(COLUMNS))
    headers = {"number": _("No."), "item": _("Item"), "clause": _("Clause"), "question": _("Question"),
               "result": _("Result"), "evidence": _("Evidence"), "notes": _("Notes")}
    for name in COLUMNS:
        cell = sheet.cell(HEADER_ROW, COL[name], headers[name])
        cell.font = bold
        cell.fill = PatternFill("solid", fgColor="DDDDDD")
        sheet.column_dimensions[LETTER[name]].width = WIDTHS[name]
    editable_fill = PatternFill("solid", fgColor="FFF9DB")
    for offset, item in enumerate(items):
        row = FIRST_ROW + offset
        previous = recorded.get(item["id"])
        values = {"number": offset + 1, "item": item["id"], "clause": item["clause"],
                  "question": question_text(item, language),
                  "result": labels[AuditResultValue(previous.result)] if previous else None,
                  "evidence": previous.evidence if previous else None, "notes": previous.notes if previous else None}
        for name in COLUMNS:
            cell = make_inert(sheet.cell(row, COL[name], values[name]))  # recorded notes may start with "="
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if name in EDITABLE:
                cell.protection = Protection(locked=False)
                cell.fill = editable_fill
    last = FIRST_ROW + len(items) - 1
    choices = DataValidation(type="list", formula1='"' + ",".join(labels.values()) + '"', allow_blank=True,
                             showDropDown=False, showErrorMessage=True, errorTitle=_("Result"),
                             error=_("Choose a result from the list"))
    choices.add(f"{LETTER['result']}{FIRST_ROW}:{LETTER['result']}{last}")
    sheet.add_data_validation(choices)
    sheet.freeze_panes = f"A{FIRST_ROW}"
    sheet.protection.sheet = True
    sheet.protection.formatColumns = False  # let auditors widen columns and rows
    sheet.protection.formatRows = False
    workbook.security = WorkbookProtection(lockStructure=True)
    target = Path(path)
    with atomic_target(target) as partial:
        workbook.save(partial)
    return SheetWritten(audit=code, path=str(target), items=len(items))


def read_sheet(db: Database, code: str, path: str | Path) -> list[ItemResult]:
    """Parse a filled-in sheet; ValidationFailed lists every problem with its cell."""
    file = Path(path)
    if file.exists():  # measured before openpyxl holds it in memory (docs/limits.md)
        from ..core.input_file import check_regular_file
        from ..ingest.limits import reader_limits
        from ..ingest.xlsx_limits import check_xlsx_limits

        check_regular_file(file)
        check_xlsx_limits(file, reader_limits())
    try:
        workbook = load_workbook(file, data_only=True)
        # The same cells as typed: free text an auditor began with "=" is saved as a
        # formula, and its cached value (none, or "#NAME?") would lose the text.
        as_typed = load_workbook(file)
    except FileNotFoundError:
        raise QmsError(_("File not found: {path}").format(path=file)) from None
    except Exception as error:  # openpyxl raises several kinds for a file that is not a workbook
        raise QmsError(_("Cannot read {path}: {reason}").format(path=file, reason=error)) from None
    with db.reading() as session:
        audit = load_audit(session, code)
        items = {item["id"]: item for item in audit.checklist_items or []}
    if SHEET not in workbook.sheetnames:
        raise ValidationFailed([f"{file}: " + _("no sheet '{sheet}' (sheets: {sheets})").format(
            sheet=SHEET, sheets=", ".join(workbook.sheetnames))], _("The audit sheet cannot be read"))
    sheet = workbook[SHEET]
    typed_sheet = as_typed[SHEET]
    accepted = _accepted_results()

    def free_text(row: int, column: int) -> str:
        typed = typed_sheet.cell(row, column).value
        if isinstance(typed, str) and typed.startswith("="):
            return typed.strip()
        return _text(sheet.cell(row, column).value)

    problems: list[str] = []

    def problem(cell: str, message: str) -> None:
        problems.append(f"{file.name}: " + _("sheet '{sheet}' cell {cell}: {message}").format(
            sheet=SHEET, cell=cell, message=message))

    sheet_code = _text(sheet.cell(1, META_VALUE_COLUMN).value)
    if sheet_code != code:
        problem(AUDIT_CODE_CELL, _("the sheet is for audit '{found}', not {code}").format(found=sheet_code, code=code))
    results: list[ItemResult] = []
    seen: dict[str, int] = {}
    row = FIRST_ROW
    while row <= sheet.max_row:
        item_id = _text(sheet.cell(row, COL["item"]).value)
        result_text = _text(sheet.cell(row, COL["result"]).value)
        if not item_id:
            if result_text:
                problem(f"{LETTER['item']}{row}", _("a result without a checklist item"))
            row += 1
            continue
        if item_id not in items:
            problem(f"{LETTER['item']}{row}", _("item '{item}' is not in the checklist of {code}").format(
                item=item_id, code=code))
        elif item_id in seen:
            problem(f"{LETTER['item']}{row}", _("item '{item}' is already on row {other}").format(
                item=item_id, other=seen[item_id]))
        else:
            clause = _text(sheet.cell(row, COL["clause"]).value)
            if clause != items[item_id]["clause"]:
                problem(f"{LETTER['clause']}{row}", _("clause changed from {expected} to '{found}'").format(
                    expected=items[item_id]["clause"], found=clause))
        seen.setdefault(item_id, row)
        evidence = free_text(row, COL["evidence"])
        notes = free_text(row, COL["notes"])
        if result_text:
            value = accepted.get(result_text.casefold())
            if value is None:
                choices = ", ".join(label for label in _labels(get_language()).values())
                problem(f"{LETTER['result']}{row}", _("'{value}' is not a result; choose one of: {choices}").format(
                    value=result_text, choices=choices))
            else:
                if value in NC_RESULTS and not evidence:
                    problem(f"{LETTER['evidence']}{row}", _("a nonconformity needs its evidence"))
                if item_id in items:
                    results.append(ItemResult(item_id=item_id, result=value, evidence=evidence, notes=notes))
        elif evidence or notes:
            problem(f"{LETTER['result']}{row}", _("evidence or notes given but no result"))
        row += 1
    missing = [item_id for item_id in items if item_id not in seen]
    if missing:
        problems.append(f"{file.name}: " + _("sheet '{sheet}': checklist items missing: {items}").format(
            sheet=SHEET, items=", ".join(missing)))
    if not problems and not results:
        problems.append(f"{file.name}: " + _("sheet '{sheet}': no result filled in").format(sheet=SHEET))
    if problems:
        raise ValidationFailed(problems, _("{count} problem(s) in {path}; nothing was recorded").format(
            count=len(problems), path=file.name))
    return results


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value).strip()


def record_sheet(db: Database, config: WorkspaceConfig, actor: str, code: str, path: str | Path) -> RecordOutcome:
    results = read_sheet(db, code, path)
    return record_results(db, config, actor, code, results, source=Path(path).name)
