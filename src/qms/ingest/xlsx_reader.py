"""XLSX through polars' calamine engine (fastexcel): fast, and every cell as text.

A sheet holds at most 1,048,576 rows, so large exports come split over several
sheets with the same header. Each sheet is read and staged to Parquet on its own,
so memory holds one sheet at a time; the sheets are then scanned as one log with a
`source_sheet` column. Sheets without the profile's columns (a summary sheet, say)
are skipped and named in the notes.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from ..core.errors import QmsError
from ..core.i18n import _
from ..model.profile import LogProfile
from .source import ROW, RawSource

SHEET = "source_sheet"


def _sheet_names(path: Path) -> list[str]:
    import fastexcel

    try:
        return list(fastexcel.read_excel(str(path)).sheet_names)
    except Exception as error:  # fastexcel raises its own types for broken files
        raise QmsError(
            _("{path}: not a readable XLSX workbook ({error})").format(path=path, error=_short(error))
        ) from None


def _short(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return text[0][:300] if text else type(error).__name__


def read_xlsx(path: Path, profile: LogProfile, staging: Path) -> RawSource:
    names = _sheet_names(path)
    wanted = profile.sheets or names
    missing = [name for name in wanted if name not in names]
    if missing:
        raise QmsError(
            _("{path}: no sheet named {sheets}; the workbook has {found}").format(
                path=path, sheets=", ".join(missing), found=", ".join(names)
            )
        )
    required = [
        source.column for source in profile.fields.values()
        if source.column is not None and not source.optional
    ]
    parts: list[Path] = []
    header: list[str] | None = None
    notes: list[str] = []
    for index, name in enumerate(wanted):
        try:
            sheet = pl.read_excel(
                path,
                sheet_name=name,
                engine="calamine",
                infer_schema_length=0,  # every cell as text; the profile parses
                drop_empty_rows=False,  # keep row numbers equal to the sheet's
                drop_empty_cols=False,
                raise_if_empty=False,
            )
        except Exception as error:
            raise QmsError(
                _("{path}: sheet {sheet!r} cannot be read ({error})").format(
                    path=path, sheet=name, error=_short(error)
                )
            ) from None
        columns = [str(c).strip() for c in sheet.columns]
        if profile.sheets is None and len(wanted) > 1 and not set(required) <= set(columns):
            notes.append(f"sheet {name!r} skipped (not a log sheet)")
            continue
        if header is None:
            header = columns
        elif columns != header:
            raise QmsError(
                _("{path}: sheet {sheet!r} has other columns than the first log sheet").format(path=path, sheet=name)
            )
        sheet.columns = columns
        # rows after the sheet's last non-empty row are formatting, not data
        filled = sheet.select(pl.any_horizontal(pl.all().is_not_null() & (pl.all() != ""))).to_series()
        last = filled.arg_true().max() if sheet.height else None
        height = 0 if last is None else int(last) + 1
        if height < sheet.height:
            notes.append(f"sheet {name!r}: {sheet.height - height} blank row(s) at the end ignored")
            sheet = sheet.head(height)
        sheet = sheet.with_columns(
            pl.int_range(2, sheet.height + 2, dtype=pl.Int64).alias(ROW),  # header is row 1
            pl.lit(name).alias(SHEET),
        )
        part = staging / f"sheet-{index:03d}.parquet"
        sheet.write_parquet(part)
        parts.append(part)
        del sheet
    if header is None:
        raise QmsError(
            _("{path}: no sheet has the columns {columns}").format(path=path, columns=", ".join(required))
        )
    if not header or all(not c for c in header):
        raise QmsError(_("{path}: the file is empty").format(path=path))
    frame = pl.scan_parquet(parts)
    columns = [*header, SHEET] if len(parts) > 1 else header
    if len(parts) == 1:
        frame = frame.drop(SHEET)
    return RawSource(path, "xlsx", frame, columns, row_label="row", notes=notes)
