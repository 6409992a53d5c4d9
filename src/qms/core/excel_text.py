"""Text written to Excel that Excel must never evaluate.

Log text, auditors' notes and NC descriptions can begin with "=", "+", "-", "@",
a tab or a carriage return; Excel (and LibreOffice) would run such a cell as a
formula (CSV/formula injection). Every workbook qms writes passes its text cells
through here: the cell is stored as a string with the quote-prefix style, so it
shows exactly what was written and stays text when edited. A CSV for people
(the NC register export) prefixes such text with an apostrophe instead.
"""

from __future__ import annotations

from typing import Any

FORMULA_TRIGGER_CHARACTERS = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGER_CHARACTERS)


def csv_safe(value: Any) -> Any:
    """Text for a CSV meant to be opened in a spreadsheet: a formula-looking string
    gets a leading apostrophe (the usual CSV-injection guard; a CSV cell has no
    quote-prefix style). Other values pass unchanged."""
    return "'" + value if looks_like_formula(value) else value


def csv_safe_frame(frame):
    """`csv_safe` for every text column of a polars DataFrame or LazyFrame, vectorised."""
    import polars as pl

    pattern = "^[=+\\-@\t\r]"
    text = [name for name, dtype in frame.collect_schema().items() if dtype == pl.String]
    if not text:
        return frame
    return frame.with_columns(
        pl.when(pl.col(name).str.contains(pattern)).then(pl.lit("'") + pl.col(name)).otherwise(pl.col(name)).alias(name)
        for name in text
    )


def make_inert(cell):
    """Mark an openpyxl cell (normal or write-only) holding formula-looking text as plain text."""
    if looks_like_formula(cell.value):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def inert_row(sheet, values: list[Any]) -> list[Any]:
    """A row for a write-only sheet's `append`, formula-looking strings made inert."""
    from openpyxl.cell import WriteOnlyCell

    return [make_inert(WriteOnlyCell(sheet, value=value)) if looks_like_formula(value) else value for value in values]
