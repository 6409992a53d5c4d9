"""Writing very long sheets (a million dossiers) into an openpyxl workbook quickly.

openpyxl writes about 7,000 rows of 16 cells a second (measured: 50,000 rows in
7.8 s), so a million-dossier sheet would take minutes. openpyxl still builds the
workbook here (styles, header, filters, conditional formats, every other sheet);
only the `<row>` elements of the long sheets are generated vectorised with polars
and spliced into the saved file's sheet XML. The cells use the style ids openpyxl
registered, inline strings (exactly what openpyxl's own write-only mode emits), and
text cells that start with = + - @ tab or CR carry the quotePrefix style: stored
as text, Excel never evaluates them, and they stay text when edited.
"""

from __future__ import annotations

import os
import re
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from openpyxl.utils import get_column_letter

EXCEL_MAX_ROWS = 1_048_576
MAX_CELL_CHARS = 32_767
FORMULA_TRIGGERS = r"^[=+\-@\t\r]"
CHUNK_ROWS = 50_000
EXCEL_EPOCH_OFFSET_DAYS = 25_569  # 1970-01-01 as an Excel serial day
# Characters XML 1.0 forbids; they cannot come from a real log but must not corrupt the file.
_ILLEGAL_XML = r"[\x00-\x08\x0B\x0C\x0E-\x1F\x{FFFE}\x{FFFF}]"


@dataclass(frozen=True)
class Column:
    header: str
    expression: pl.Expr  # over the source frame
    kind: str  # "text", "integer", "number", "datetime"
    width: float = 14


@dataclass
class BulkSheet:
    """Rows to splice into one saved worksheet (data rows start at row 2)."""

    sheet_index: int  # 1-based position in the workbook, as in xl/worksheets/sheetN.xml
    frame: pl.LazyFrame  # the source rows of this sheet; the columns' expressions apply to it
    height: int
    columns: list[Column]
    styles: dict[str, int]  # kind -> openpyxl style id; "quoted" for formula-looking text

    @property
    def kinds(self) -> list[str]:
        return [column.kind for column in self.columns]

    def values(self, start: int, length: int) -> pl.DataFrame:
        """The cell values of rows start..start+length, read and computed one chunk at a time,
        so memory stays bounded however many rows the sheet has."""
        return self.frame.slice(start, length).select(
            column.expression.alias(f"c{index}") for index, column in enumerate(self.columns)).collect()


def _text_cell(name: str, letter: str, styles: dict[str, int]) -> pl.Expr:
    # The formula test looks at the text as written, after illegal characters are gone:
    # "\x1f=1+1" is stored as "=1+1" and must be quoted like it.
    value = pl.col(name).cast(pl.Utf8).str.replace_all(_ILLEGAL_XML, "").str.slice(0, MAX_CELL_CHARS)
    escaped = (value
               .str.replace_all("&", "&amp;", literal=True).str.replace_all("<", "&lt;", literal=True)
               .str.replace_all(">", "&gt;", literal=True).str.replace_all("\r", "&#13;", literal=True))
    plain = f' s="{styles["text"]}"' if styles.get("text") else ""
    style = pl.when(value.str.contains(FORMULA_TRIGGERS)).then(pl.lit(f' s="{styles["quoted"]}"')).otherwise(pl.lit(plain))
    return pl.when(value.is_null()).then(pl.lit("")).otherwise(pl.concat_str([
        pl.lit(f'<c r="{letter}'), pl.col("__row"), pl.lit('" t="inlineStr"'), style,
        pl.lit('><is><t xml:space="preserve">'), escaped, pl.lit("</t></is></c>")]))


def _number_cell(name: str, letter: str, style: int | None, value: pl.Expr | None = None) -> pl.Expr:
    value = pl.col(name) if value is None else value
    style_attribute = f' s="{style}"' if style else ""
    valid = value.is_not_null() & value.cast(pl.Float64).is_finite()
    return pl.when(valid).then(pl.concat_str([
        pl.lit(f'<c r="{letter}'), pl.col("__row"), pl.lit(f'"{style_attribute} t="n"><v>'),
        value.cast(pl.Utf8), pl.lit("</v></c>")])).otherwise(pl.lit(""))


def excel_serial(expression: pl.Expr, timezone: str) -> pl.Expr:
    """UTC instants as Excel serial days of local wall-clock time (Excel has no time zones)."""
    local = expression.dt.truncate("1s").dt.convert_time_zone(timezone).dt.replace_time_zone(None)
    return (local.dt.epoch("us").cast(pl.Float64) / 86_400_000_000 + EXCEL_EPOCH_OFFSET_DAYS).round(8)


def rows_xml(frame: pl.DataFrame, kinds: list[str], styles: dict[str, int], first_row: int) -> bytes:
    """`<row>` elements for `frame`, the first at sheet row `first_row`."""
    names = frame.columns
    cells = []
    for index, (name, kind) in enumerate(zip(names, kinds, strict=True)):
        letter = get_column_letter(index + 1)
        if kind == "text":
            cells.append(_text_cell(name, letter, styles))
        else:
            cells.append(_number_cell(name, letter, styles.get(kind)))
    numbered = frame.with_columns(__row=pl.int_range(first_row, first_row + frame.height).cast(pl.Utf8))
    xml = numbered.select(pl.concat_str([pl.lit('<row r="'), pl.col("__row"), pl.lit('">'), *cells,
                                         pl.lit("</row>")]).alias("xml"))
    return xml["xml"].str.join("").item().encode("utf-8")


def _umask() -> int:
    """The process's umask, read without changing it where Linux shows it (the web server
    writes reports from threads: setting it to 0 even briefly would leak to them)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except OSError:
        pass
    umask = os.umask(0o077)
    os.umask(umask)
    return umask


def publish(partial: Path, target: Path) -> None:
    """Move a finished temporary file (same folder) onto `target` in one step, with the mode
    an ordinary new file gets under the umask (0644 typically): temporary files are made
    0600, and colleagues on a shared folder must be able to open the report."""
    os.chmod(partial, 0o666 & ~_umask())
    os.replace(partial, target)


def splice(saved: Path, target: Path, sheets: list[BulkSheet]) -> None:
    """Copy the workbook openpyxl saved, inserting the generated rows into the bulk sheets."""
    by_part = {f"xl/worksheets/sheet{sheet.sheet_index}.xml": sheet for sheet in sheets}
    with tempfile.NamedTemporaryFile(dir=target.parent, suffix=".xlsx.part", delete=False) as handle:
        partial = Path(handle.name)
    try:
        with zipfile.ZipFile(saved) as source, zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED,
                                                               compresslevel=1) as output:
            for item in source.infolist():
                data = source.read(item.filename)
                sheet = by_part.get(item.filename)
                if sheet is None:
                    output.writestr(item, data, compress_type=zipfile.ZIP_DEFLATED)
                    continue
                text = data.decode("utf-8")
                cut = text.index("</sheetData>")
                head, tail = text[:cut], text[cut:]
                last = get_column_letter(len(sheet.kinds)) + str(sheet.height + 1)
                head = re.sub(r'<dimension ref="[^"]*"/>', f'<dimension ref="A1:{last}"/>', head)
                with output.open(item.filename, "w", force_zip64=True) as stream:
                    stream.write(head.encode("utf-8"))
                    for start in range(0, sheet.height, CHUNK_ROWS):
                        stream.write(rows_xml(sheet.values(start, CHUNK_ROWS), sheet.kinds, sheet.styles, start + 2))
                    stream.write(tail.encode("utf-8"))
        publish(partial, target)
    finally:
        partial.unlink(missing_ok=True)
