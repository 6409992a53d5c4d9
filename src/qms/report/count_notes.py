"""The notes that say how dossiers are counted: under form 06, the dossiers it cannot
place in a column; under the breakdown by unit, why its rows add up to more than the
total.

A dossier that cannot be judged (its procedure unknown or without an issue in force,
no receipt, withdrawn) was received, so it is counted in columns (1) to (4), but it
is neither resolved (7) = (8) + (9) + (10) nor in progress (11) = (12) + (13): it
is reported beside the form, with its own count, never as a resolved 0/0/0."""

from __future__ import annotations


def not_assessable_note(model, formatter) -> str | None:
    """The note's text in the report's language, None when every dossier was judged."""
    count = model.totals.not_assessable
    if not count:
        return None
    return formatter.gettext(
        "%(count)s dossier(s) received could not be judged (procedure unknown or with no issue in force, no "
        "receipt, or withdrawn): they are counted in columns (1) to (4) only, neither as resolved (7) nor as in "
        "progress (11), and are listed with the reason in the Excel file's dossier sheet."
    ) % {"count": formatter.integer(count)}


def append_note_row(sheet, note: str | None, *, row: int, last_column: str = "M") -> None:
    """The note as the next row of a sheet (`xlsx._Sheet`, row number `row`), across
    the columns B to `last_column`, wrapped."""
    if not note:
        return
    sheet.sheet.row_dimensions[row].height = 15 * 3  # set before the row is streamed
    sheet.sheet.merged_cells.add(f"B{row}:{last_column}{row}")
    sheet.append([None, sheet.cell(note, wrap=True)])


def by_unit_note(model, formatter) -> str | None:
    """The note under the breakdown by unit, None when no dossier counts for two units."""
    if sum(row.counts["received_total"] for row in model.by_unit) <= model.totals.counts["received_total"]:
        return None
    return formatter.gettext(
        "A dossier counts for every unit that handled one of its steps, so the units' rows add up to more than "
        "the total; it is late (or overdue) only for the units whose steps overran their allotted time (if none "
        "did, the unit of its last step) and on time (or within time) for the others. A unit's findings are "
        "those that name it.")
