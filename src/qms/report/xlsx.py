"""The Excel renderer: report model → workbook (openpyxl, write-only).

Sheets: Summary (indicators and native charts), Form 06 (official header layout,
merged cells), one sheet per breakdown, Dossiers and Findings (every row, split
over several sheets past Excel's row limit), Data quality, Manifest. Text from the
log is never evaluated by Excel (see `xlsx_bulk`).
"""

from __future__ import annotations

import datetime as dt
import math
import tempfile
from collections.abc import Iterable
from pathlib import Path, PurePath

import polars as pl
from babel.numbers import get_decimal_symbol
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from ..core.errors import QmsError
from ..core.excel_text import make_inert
from . import labels
from ..core.formatting import Formatter
from .durations import day_unit_labels
from .xlsx_columns import dossier_columns, finding_columns, findings_frame
from .xlsx_indicators import indicators_sheet
from .count_notes import append_note_row, by_unit_note, not_assessable_note
from .model import FORM06_COLUMNS, ReportModel, TableRow
from .pdf import date_line
from .xlsx_bulk import EXCEL_MAX_ROWS, FORMULA_TRIGGERS, BulkSheet, Column, excel_serial, splice

PERCENT = "0.0%"
DECIMAL = "#,##0.0"
INTEGER = "#,##0"
DATETIME = "dd/mm/yyyy hh:mm"
DAYS = "#,##0.00"
HEADER_FILL = PatternFill("solid", fgColor="DCE6F0")
THIN = Side(style="thin", color="808080")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
# Column widths (Excel character units) that fit an A4 portrait page at 100 %; wider sheets
# print in landscape, and every sheet is scaled to one page wide.
PORTRAIT_WIDTH = 95
CHART_ROWS = 18  # rows an 8 cm chart covers at the default row height, plus a gap
LATE_FILL = PatternFill("solid", fgColor="F8CBAD")
OVERDUE_FILL = PatternFill("solid", fgColor="FFE699")


class _Sheet:
    """A write-only sheet plus helpers that style cells and keep log text inert."""

    def __init__(self, workbook: Workbook, title: str):
        self.sheet = workbook.create_sheet(title=_sheet_title(title))
        # Scale to the page (fit to width, see print_setup). Set now: a write-only sheet
        # writes its properties with its first row.
        self.sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        self.rows_written = 0
        self.printed_rows = 0  # rows below the data that must print too (charts)
        self.columns = 0
        self.column_widths: tuple[float, ...] = ()

    def cell(self, value, *, bold: bool = False, header: bool = False, number_format: str | None = None,
             wrap: bool = False, border: bool = False) -> WriteOnlyCell:
        if isinstance(value, str):
            value = ILLEGAL_CHARACTERS_RE.sub("", value)  # openpyxl refuses control characters
        cell = make_inert(WriteOnlyCell(self.sheet, value=value))  # openpyxl would store "=…" as a formula
        if bold or header:
            cell.font = Font(bold=True)
        if header:
            cell.fill = HEADER_FILL
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        elif wrap:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        if header or border:
            cell.border = BOX
        if number_format:
            cell.number_format = number_format
        return cell

    def append(self, values: Iterable) -> int:
        # Every string goes through cell(): text that looks like a formula stays text.
        row = [self.cell(value) if isinstance(value, str) else value for value in values]
        self.sheet.append(row)
        self.rows_written += 1
        self.columns = max(self.columns, len(row))
        return self.rows_written

    def widths(self, *widths: float) -> None:
        self.column_widths = widths
        for index, width in enumerate(widths, start=1):
            self.sheet.column_dimensions[get_column_letter(index)].width = width

    def print_setup(self, report_id: str, page_text: str, *, title_rows: str | None = None,
                    last_row: int | None = None) -> None:
        """A4, landscape when the columns are wider than a portrait page, one page wide,
        title rows on every page, the used range as print area, the report id and
        "Trang N/M" in the footer."""
        columns = max(self.columns, len(self.column_widths), 1)
        used_width = sum(self.column_widths[:columns]) + 8.43 * max(0, columns - len(self.column_widths))
        worksheet = self.sheet
        worksheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
        worksheet.page_setup.orientation = "landscape" if used_width > PORTRAIT_WIDTH else "portrait"
        worksheet.page_setup.fitToWidth = 1
        worksheet.page_setup.fitToHeight = 0  # as many pages down as needed
        worksheet.print_options.horizontalCentered = True
        worksheet.page_margins = PageMargins(left=0.4, right=0.4, top=0.6, bottom=0.6, header=0.25, footer=0.25)
        if title_rows:
            worksheet.print_title_rows = title_rows
        rows = max(last_row or self.rows_written, self.printed_rows, 1)
        worksheet.print_area = f"A1:{get_column_letter(columns)}{rows}"
        worksheet.oddHeader.center.text = "&A"  # the sheet's name
        worksheet.oddHeader.center.size = 9
        worksheet.oddFooter.left.text = report_id.replace("&", "&&")
        worksheet.oddFooter.left.size = 8
        worksheet.oddFooter.right.text = f"{page_text.replace('&', '&&')} &P/&N"
        worksheet.oddFooter.right.size = 8


def _sheet_title(title: str) -> str:
    for character in "[]:*?/\\":
        title = title.replace(character, " ")
    return title[:31]


def _group_sheet(workbook: Workbook, title: str, rows: list[TableRow], totals: TableRow, first: str,
                 formatter: Formatter, month: bool = False) -> _Sheet:
    gettext = formatter.gettext
    sheet = _Sheet(workbook, title)
    sheet.sheet.freeze_panes = "C2"
    headers = [gettext("No."), first, gettext("Received"), gettext("Online"), gettext("In person or by post"),
               gettext("Carried over"), gettext("Resolved"), gettext("Early"), gettext("On time"), gettext("Late"),
               gettext("In progress"), gettext("Open, overdue"), gettext("Not assessable"), gettext("On-time rate"),
               gettext("Average processing time"), gettext("Unit of the average"), gettext("Findings")]
    day_units = day_unit_labels(gettext)
    label_width = 46
    sheet.widths(6, label_width, *([12] * (len(headers) - 4)), 18, 12)
    # Row heights before the rows (a write-only sheet streams each row as it comes): the
    # header wraps to three lines, long procedure names to several.
    sheet.sheet.row_dimensions[1].height = 45
    labels_shown = [formatter.month(row.label) if month and row.level else row.label for row in [*rows, totals]]
    for index, label in enumerate(labels_shown, start=2):
        lines = math.ceil(len(label) / (label_width + 4))  # about 50 characters a line at width 46
        if lines > 1:
            sheet.sheet.row_dimensions[index].height = 15 * lines
    sheet.append(sheet.cell(text, header=True) for text in headers)
    for row, label in zip([*rows, totals], labels_shown):
        bold = row.level == 0
        counts = row.counts
        sheet.append([
            sheet.cell(row.number, bold=bold), sheet.cell(label, bold=bold, wrap=True),
            *(sheet.cell(counts[key], bold=bold, number_format=INTEGER) for key in (
                "received_total", "received_online", "received_in_person_or_postal", "carried_over",
                "resolved_total", "resolved_early", "resolved_on_time", "resolved_late",
                "in_progress_total", "in_progress_overdue")),
            sheet.cell(row.not_assessable, bold=bold, number_format=INTEGER),
            sheet.cell(row.on_time_rate, bold=bold, number_format=PERCENT),
            sheet.cell(row.average_processing_days, bold=bold, number_format=DECIMAL),
            sheet.cell(day_units[row.day_unit] if row.average_processing_days is not None else None, bold=bold),
            sheet.cell(row.findings, bold=bold, number_format=INTEGER),
        ])
    return sheet


def _summary_sheet(workbook: Workbook, model: ReportModel, formatter: Formatter) -> _Sheet:
    gettext = formatter.gettext
    sheet = _Sheet(workbook, gettext("Summary"))
    sheet.widths(46, 18, 16, 12, 18, 18)
    sheet.append([sheet.cell(gettext("Report on the handling of administrative procedures"), bold=True)])
    sheet.append([gettext("Organisation"), model.organisation])
    if model.organisation_parent:
        sheet.append([gettext("Governing body"), model.organisation_parent])
    sheet.append([gettext("Period"), f"{formatter.date(model.period_from)} – {formatter.date(model.period_to)}"])
    sheet.append([gettext("Figures as of"), formatter.datetime(model.as_of)])
    sheet.append([gettext("Report id"), model.report_id])
    sheet.append([gettext("Report status"), gettext("Draft, not approved") if model.is_draft else gettext("Approved")])
    if model.approved_by:
        approver = ", ".join(part for part in (model.approved_by.name, model.approved_by.title) if part)
        sheet.append([gettext("Report approved by"), f"{approver}, {formatter.datetime(model.approved_at)}"])
    sheet.append([gettext("Times in this workbook are local time"), model.timezone])
    sheet.append([])
    headers = [gettext("Indicator"), gettext("This period"), gettext("Target"), gettext("Met")]
    if model.previous_period:
        headers += [gettext("Previous period"), gettext("Change")]
    sheet.append(sheet.cell(text, header=True) for text in headers)
    for indicator in model.indicators:
        number_format = {"rate": PERCENT, "days": DECIMAL}.get(indicator.kind, INTEGER)
        met = "" if indicator.meets_target is None else (gettext("yes") if indicator.meets_target else gettext("no"))
        values = [sheet.cell(indicator.label, border=True),
                  sheet.cell(indicator.value, number_format=number_format, border=True),
                  sheet.cell(indicator.target, number_format=number_format, border=True),
                  sheet.cell(met, border=True)]
        if model.previous_period:
            values += [sheet.cell(indicator.previous, number_format=number_format, border=True),
                       sheet.cell(indicator.change, number_format=number_format, border=True)]
        sheet.append(values)
    for warning in model.warnings:
        sheet.append([sheet.cell(gettext("Warnings"), bold=True), sheet.cell(warning)])

    # Chart data: on-time rate per unit, then the monthly series.
    sheet.append([])
    unit_header = sheet.append([sheet.cell(gettext("Unit"), header=True), sheet.cell(gettext("On-time rate"), header=True)])
    for row in model.by_unit:
        sheet.append([sheet.cell(row.label), sheet.cell(row.on_time_rate, number_format=PERCENT)])
    unit_last = sheet.rows_written
    sheet.append([])
    month_header = sheet.append(sheet.cell(text, header=True) for text in (
        gettext("Month"), gettext("Received"), gettext("Resolved"), gettext("On-time rate")))
    for row in model.by_month:
        counts = row.counts
        sheet.append([sheet.cell(formatter.month(row.key)), counts["received_total"], counts["resolved_total"],
                      sheet.cell(row.on_time_rate, number_format=PERCENT)])
    month_last = sheet.rows_written

    bars = BarChart()
    bars.type = "bar"
    bars.title = gettext("On-time rate by unit")
    bars.y_axis.number_format = "0%"
    bars.y_axis.scaling.min = 0
    bars.y_axis.scaling.max = 1
    bars.legend = None
    bars.add_data(Reference(sheet.sheet, min_col=2, min_row=unit_header, max_row=unit_last), titles_from_data=True)
    bars.set_categories(Reference(sheet.sheet, min_col=1, min_row=unit_header + 1, max_row=unit_last))
    bars.width, bars.height = 18, 8
    # Under the tables, inside the printed width (A–F), so printing the sheet prints them.
    chart_row = sheet.rows_written + 2
    sheet.sheet.row_breaks.append(Break(id=chart_row - 1))  # the charts print together on a page of their own
    sheet.sheet.add_chart(bars, f"A{chart_row}")

    trend = BarChart()
    trend.title = gettext("Monthly trend (by month of receipt)")
    trend.add_data(Reference(sheet.sheet, min_col=2, max_col=3, min_row=month_header, max_row=month_last),
                   titles_from_data=True)
    trend.set_categories(Reference(sheet.sheet, min_col=1, min_row=month_header + 1, max_row=month_last))
    rate_line = LineChart()
    rate_line.add_data(Reference(sheet.sheet, min_col=4, min_row=month_header, max_row=month_last),
                       titles_from_data=True)
    rate_line.y_axis.axId = 200
    rate_line.y_axis.number_format = "0%"
    rate_line.y_axis.crosses = "max"
    trend += rate_line
    trend.width, trend.height = 18, 8
    sheet.sheet.add_chart(trend, f"A{chart_row + CHART_ROWS}")
    sheet.printed_rows = chart_row + 2 * CHART_ROWS
    return sheet


FORM06_TITLE_ROWS = 4  # title, reporting unit, period, blank: the header starts below


def _form06_sheet(workbook: Workbook, model: ReportModel, formatter: Formatter) -> _Sheet:
    gettext = formatter.gettext
    sheet = _Sheet(workbook, gettext("Form 06"))
    label_width = 50
    sheet.widths(5, label_width, *([10] * 11))
    top = FORM06_TITLE_ROWS
    sheet.sheet.freeze_panes = f"C{top + 5}"
    h = lambda text: sheet.cell(text, header=True)  # noqa: E731
    blank = lambda: sheet.cell(None, header=True)  # noqa: E731
    # Tall enough for the longest wrapped header ("Trực tiếp, dịch vụ bưu chính" in a 10-wide
    # column); set before the rows are appended (a write-only sheet streams each row as it comes).
    for row, height in ((1, 22), (top + 1, 30), (top + 2, 48), (top + 3, 48)):
        sheet.sheet.row_dimensions[row].height = height
    title = sheet.cell(gettext("Results of handling administrative procedures (form 06/VPCP/KSTT)"), bold=True)
    title.font = Font(bold=True, size=13)
    title.alignment = Alignment(horizontal="center")
    sheet.append([title])
    sheet.append([sheet.cell(f"{gettext('Reporting unit')}: {model.organisation}", bold=True)])
    receiving = f"; {gettext('Receiving unit')}: {model.organisation_parent}" if model.organisation_parent else ""
    sheet.append([sheet.cell(f"{gettext('Period')}: {formatter.date(model.period_from)} – "
                             f"{formatter.date(model.period_to)}; {gettext('Report id')}: {model.report_id}; "
                             f"{gettext('Unit of measure: dossiers')}{receiving}")])
    sheet.append([])
    sheet.append([h(gettext("No.")), h(gettext("Field / procedure")), h(gettext("Dossiers received for handling")),
                  blank(), blank(), blank(), h(gettext("Dossiers resolved")), blank(), blank(), blank(),
                  h(gettext("Dossiers in progress")), blank(), blank()])
    sheet.append([blank(), blank(), h(gettext("Total")), h(gettext("In the period")), blank(),
                  h(gettext("Carried over from the previous period")), h(gettext("Total")),
                  h(gettext("Before the deadline")), h(gettext("On the deadline")), h(gettext("After the deadline")),
                  h(gettext("Total")), h(gettext("Within the time limit")), h(gettext("Past the time limit"))])
    sheet.append([blank(), blank(), blank(), h(gettext("Online")), h(gettext("In person or by post")),
                  *(blank() for _ in range(8))])
    sheet.append(h(f"({number})") for number in range(1, 14))
    for row_range in ("A1:M1", "A2:M2", "A3:M3"):
        sheet.sheet.merged_cells.add(row_range)
    for merged in ("A1:A3", "B1:B3", "C1:F1", "G1:J1", "K1:M1", "C2:C3", "D2:E2", "F2:F3", "G2:G3", "H2:H3",
                   "I2:I3", "J2:J3", "K2:K3", "L2:L3", "M2:M3"):
        sheet.sheet.merged_cells.add(_shift(merged, top))
    for index, row in enumerate(model.form06, start=top + 5):
        bold = row.level < 2
        # Wrapped names need their height set: spreadsheet programs do not grow rows on opening.
        lines = max(1, math.ceil(len(row.label) * (1.15 if bold else 1.0) / (label_width - 2)))
        if lines > 1:
            sheet.sheet.row_dimensions[index].height = 15 * lines
        sheet.append([sheet.cell(row.number, bold=bold, border=True),
                      sheet.cell(row.label, bold=bold, border=True, wrap=True),
                      *(sheet.cell(row.counts[key], bold=bold, number_format=INTEGER, border=True)
                        for key in FORM06_COLUMNS)])
    append_note_row(sheet, not_assessable_note(model, formatter), row=top + 5 + len(model.form06))
    # The form's own signatures, under the table (left: who prepared it, right: the head of the unit).
    sheet.append([])
    sheet.append([None, None, *([None] * 7), sheet.cell(date_line(model.place, model.approved_at, formatter))])
    sheet.append([None, sheet.cell(gettext("Prepared by (form)"), bold=True), *([None] * 7),
                  sheet.cell(gettext("Head of the unit"), bold=True)])
    sheet.append([None, gettext("(signature, full name)"), *([None] * 7), gettext("(signature, full name, seal)")])
    for _blank in range(3):
        sheet.append([])
    sheet.append([None, sheet.cell(model.signatories[0].name or "", bold=True), *([None] * 7),
                  sheet.cell(model.signatories[-1].name or "", bold=True)])
    return sheet


def _shift(cell_range: str, rows: int) -> str:
    """"A1:B3" moved `rows` rows down."""
    def move(reference: str) -> str:
        letters = reference.rstrip("0123456789")
        return f"{letters}{int(reference[len(letters):]) + rows}"
    return ":".join(move(part) for part in cell_range.split(":"))


def _key_values(workbook: Workbook, title: str, rows: list[tuple], formatter: Formatter, widths=(44, 70)) -> _Sheet:
    sheet = _Sheet(workbook, title)
    sheet.widths(*widths)
    for row in rows:
        sheet.append([sheet.cell(value, bold=index == 0 and len(row) == 1) for index, value in enumerate(row)])
    return sheet


def _data_quality_sheet(workbook: Workbook, model: ReportModel, formatter: Formatter) -> _Sheet:
    gettext = formatter.gettext
    quality = model.data_quality
    rows = [
        (gettext("Log rows read"), quality["rows_read"]),
        (gettext("Rows accepted"), quality["rows_accepted"]),
        (gettext("Rows rejected (kept in the rejects file)"), quality["rows_rejected"]),
        (gettext("Share of rows rejected"), quality["rejected_share"]),
        (gettext("Data-quality findings"), quality["data_quality_findings"]),
        (gettext("Dossiers that could not be classified"), quality["not_assessable"]),
        (),
        (gettext("Rows rejected, by reason"),),
        *((row.label, row.count) for row in model.rejected_by_reason),
        (),
        (gettext("Data-quality findings, by kind"),),
        *((row.label, row.count) for row in model.data_quality_findings),
    ]
    sheet = _key_values(workbook, gettext("Data quality"), [], formatter, widths=(52, 16))
    for row in rows:
        cells = [sheet.cell(value, bold=len(row) == 1) for value in row]
        if row and row[0] == gettext("Share of rows rejected"):
            cells[1].number_format = PERCENT
        sheet.append(cells)
    return sheet


def _register_sheet(workbook: Workbook, model: ReportModel, formatter: Formatter) -> _Sheet:
    gettext = formatter.gettext
    register = model.register
    sheet = _Sheet(workbook, gettext("Nonconformities"))
    sheet.widths(36, 44, 18, 20, 14, 12)
    sheet.append([sheet.cell(gettext("Nonconformities and corrective actions"), bold=True)])
    sheet.append([gettext("Nonconformities"), register.total])
    sheet.append([gettext("Not yet closed"), register.open])
    sheet.append([gettext("Corrective actions past their due date"), register.overdue_actions])
    if register.history_ok is not None:
        sheet.append([gettext("Change history intact"), gettext("yes") if register.history_ok else gettext("no"),
                      register.history_head_hash or ""])
    for title, rows in ((gettext("By state"), register.by_state), (gettext("By severity"), register.by_severity),
                        (gettext("By source"), register.by_source)):
        sheet.append([])
        sheet.append([sheet.cell(title, bold=True)])
        for row in rows:
            sheet.append([row.label, row.count])
        if not rows:
            sheet.append([gettext("(none)")])
    sheet.append([])
    sheet.append(sheet.cell(text, header=True) for text in (
        gettext("Nonconformity"), gettext("Action"), gettext("Unit"), gettext("Owner"), gettext("Due date"),
        gettext("Days overdue")))
    for action in register.overdue:
        sheet.append([f"{action.get('nc')} – {action.get('nc_title')}", f"{action.get('action')}. {action.get('description')}",
                      action.get("unit") or "", action.get("owner") or "",
                      sheet.cell(action.get("due_date"), number_format="dd/mm/yyyy"), action.get("days_overdue")])
    return sheet


def _day(value) -> dt.date | None:
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def _manifest_sheet(workbook: Workbook, model: ReportModel, formatter: Formatter) -> _Sheet:
    gettext = formatter.gettext
    manifest = model.manifest
    check = manifest["check"]
    rows: list[tuple] = [
        (gettext("Report id"), model.report_id),
        (gettext("Generated"), formatter.datetime(model.generated_at)),
        ("qms", manifest["report"]["qms_version"]),
        (gettext("Fingerprint of the figures (SHA-256)"), model.figures_sha256),
        (gettext("Method of classification"),
         ": ".join(part for part in labels.method_parts(model.method_id, model.method_description, formatter.catalog)
                   if part)),
        (gettext("Figures as of"), formatter.datetime(model.as_of)),
        (gettext("Period"), f"{formatter.date(model.period_from)} – {formatter.date(model.period_to)}"),
        (gettext("Time zone"), check["timezone"]),
        (gettext("Working calendar"), f"{check['calendar']['code']}, {gettext('issue no.')} {check['calendar']['issue']}"),
        ("SHA-256", check["calendar"]["sha256"]),
        (gettext("Holiday source"), labels.holiday_source(check["calendar"]["holiday_source"], formatter.catalog)),
        (),
        (gettext("Check output files"),),
        *((item["file"], item["sha256"], item["bytes"]) for item in manifest["check_outputs"]),
        (),
        (gettext("Input files"),),
        *((PurePath(item["path"].replace("\\", "/")).name, item["sha256"], item["bytes"], item.get("rows_read"))
          for item in check["inputs"]),
        (),
        (gettext("Procedure and rule-set issues used"),),
        *((f"{labels.label(labels.DOCUMENT_KIND, item['kind'], formatter.catalog)} {item['code']}, "
           f"{gettext('issue no.')} {item['issue']}", item["sha256"], formatter.date(_day(item["effective_from"])),
           formatter.date(_day(item.get("effective_to"))) if item.get("effective_to") else "")
          for item in check["documents"]),
        (),
        ("manifest.json",),
        *((line,) for line in model.manifest_json.splitlines()),
    ]
    sheet = _Sheet(workbook, gettext("Manifest"))
    sheet.widths(44, 70, 14, 14)
    # A long value (the method's description, the holiday source) wraps inside the printed
    # width; its row's height is set before the rows stream.
    long_values = {number: math.ceil(len(row[1]) / 72) for number, row in enumerate(rows, start=1)
                   if len(row) == 2 and isinstance(row[1], str) and len(row[1]) > 72}
    for number, lines in long_values.items():
        sheet.sheet.row_dimensions[number].height = 15 * lines
    for number, row in enumerate(rows, start=1):
        sheet.append([sheet.cell(value, wrap=number in long_values,
                                 bold=len(row) == 1 and index == 0 and not str(value).startswith((" ", "{", "}")))
                      for index, value in enumerate(row)])
    return sheet


def _bulk_sheets(workbook: Workbook, title: str, frame: pl.LazyFrame, columns: list[Column],
                 max_rows: int, conditional=None, printed: list | None = None) -> list[BulkSheet]:
    """Header rows written by openpyxl now; data rows spliced after saving."""
    total = frame.select(pl.len()).collect().item()
    per_sheet = max_rows - 1
    parts = max(1, -(-total // per_sheet))
    result = []
    for part in range(parts):
        height = min(per_sheet, total - part * per_sheet)
        chunk = frame.slice(part * per_sheet, per_sheet)  # lazy: rows are read when written
        sheet = _Sheet(workbook, title if part == 0 else f"{title} ({part + 1})")
        sheet.widths(*(column.width for column in columns))
        sheet.sheet.freeze_panes = "A2"
        last_column = get_column_letter(len(columns))
        last_row = height + 1
        sheet.sheet.auto_filter.ref = f"A1:{last_column}{last_row}"
        if conditional and height:
            conditional(sheet.sheet, f"A2:{last_column}{last_row}")
        styles = _bulk_styles(sheet)
        sheet.sheet.row_dimensions[1].height = 30  # two lines of wrapped header, set before the row streams
        sheet.append(sheet.cell(column.header, header=True) for column in columns)
        if printed is not None:
            printed.append((sheet, "1:1"))
        index = workbook.worksheets.index(sheet.sheet) + 1
        result.append(BulkSheet(index, chunk, height, columns, styles))
        sheet.rows_written = height + 1  # the spliced rows, for the print area
    return result


def _bulk_styles(sheet: _Sheet) -> dict[str, int]:
    """Register the cell styles of the spliced rows with openpyxl and return their ids."""
    def style_of(number_format: str | None = None, quoted: bool = False) -> int:
        cell = WriteOnlyCell(sheet.sheet, value=None)
        if number_format:
            cell.number_format = number_format
        if quoted:
            cell.quotePrefix = True
        return cell.style_id

    return {"quoted": style_of(quoted=True), "integer": style_of(INTEGER), "number": style_of(DECIMAL),
            "days": style_of(DAYS), "datetime": style_of(DATETIME)}


def _late_highlight(status_column: str):
    def apply(worksheet, cell_range: str) -> None:
        worksheet.conditional_formatting.add(
            cell_range, FormulaRule(formula=[f'${status_column}2="late"'], fill=LATE_FILL))
        worksheet.conditional_formatting.add(
            cell_range, FormulaRule(formula=[f'${status_column}2="open_overdue"'], fill=OVERDUE_FILL))
    return apply


def write_xlsx(model: ReportModel, target: Path, *, max_rows_per_sheet: int = EXCEL_MAX_ROWS) -> Path:
    """Write the workbook to `target`. `max_rows_per_sheet` is lowered only by tests."""
    target = Path(target)
    formatter = Formatter(model.language, model.timezone)
    gettext = formatter.gettext
    workbook = Workbook(write_only=True)
    printed: list[tuple[_Sheet, str | None]] = [
        (_summary_sheet(workbook, model, formatter), None),
        (_form06_sheet(workbook, model, formatter), f"{FORM06_TITLE_ROWS + 1}:{FORM06_TITLE_ROWS + 4}"),
    ]
    index_sheet = indicators_sheet(workbook, model, formatter, _Sheet)
    if index_sheet is not None:
        printed.append((index_sheet, None))
    for title, rows, first, month in (
            (gettext("By procedure"), model.by_procedure, gettext("Procedure"), False),
            (gettext("By field"), model.by_field, gettext("Field"), False),
            (gettext("By unit"), model.by_unit, gettext("Unit"), False),
            (gettext("By month of receipt"), model.by_month, gettext("Month"), True)):
        printed.append((_group_sheet(workbook, title, rows, model.totals, first, formatter, month=month), "1:1"))
        if rows is model.by_unit:  # its rows add up to more than the total: say why
            unit_sheet = printed[-1][0]
            append_note_row(unit_sheet, by_unit_note(model, formatter), row=unit_sheet.rows_written + 1,
                            last_column="Q")  # the 17 columns of a group sheet
    dossier_cells = dossier_columns(model, formatter)
    status_letter = get_column_letter(next(index for index, column in enumerate(dossier_cells, start=1)
                                           if column.header == gettext("Status code")))
    bulk = _bulk_sheets(workbook, gettext("Dossiers"), model.dossiers, dossier_cells, max_rows_per_sheet,
                        _late_highlight(status_letter), printed)
    bulk += _bulk_sheets(workbook, gettext("Findings"), findings_frame(model).lazy(), finding_columns(model, formatter),
                         max_rows_per_sheet, printed=printed)
    if model.register is not None:
        printed.append((_register_sheet(workbook, model, formatter), None))
    printed.append((_data_quality_sheet(workbook, model, formatter), None))
    printed.append((_manifest_sheet(workbook, model, formatter), None))
    for sheet, title_rows in printed:
        sheet.print_setup(model.report_id, gettext("Page"), title_rows=title_rows)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        # openpyxl's file is scratch in the system's temporary folder; the target is
        # written whole by splice (a killed run leaves nothing beside it)
        with tempfile.TemporaryDirectory(prefix="qms-xlsx-") as scratch:
            saved = Path(scratch) / "openpyxl.xlsx"
            workbook.save(saved)
            splice(saved, target, bulk)
    except OSError as error:
        raise QmsError(f"{target}: cannot write the Excel file: {error.strerror or error}") from None
    return target


__all__ = ["write_xlsx", "FORMULA_TRIGGERS"]
