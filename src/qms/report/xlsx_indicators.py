"""The Decision 766 index as a sheet of the report workbook: groups and indicators with
value, threshold and points, then each unit's score and band."""

from __future__ import annotations

from ..core.formatting import Formatter
from . import labels


def indicators_sheet(workbook, model, formatter: Formatter, sheet_class):
    """Add the sheet when the check scored the index (`model.service_index`); the sheet, or None."""
    index = model.service_index
    if index is None:
        return None
    gettext = formatter.gettext
    language = model.language
    sheet = sheet_class(workbook, gettext("Service-quality index"))
    sheet.widths(8, 60, 12, 12, 10, 12, 50)  # before the first row: a write-only sheet writes them with it
    sheet.append([sheet.cell(gettext("Service-quality index (Decision 766/QĐ-TTg)"), bold=True)])
    sheet.append([gettext("Indicator set"), f"{index.code} ({gettext('issue')} {index.issue})"])
    points = lambda value, **style: sheet.cell(value, number_format="#,##0.0", **style)  # noqa: E731
    sheet.append([None, sheet.cell(f"{gettext('Points')}: {gettext('Measurable points')} / {gettext('Out of 100')}"),
                  points(index.score), points(index.measurable_max_score), points(index.scaled_score),
                  index.band_title.in_language(language) if index.band_title else None])
    sheet.append([])
    headers = [gettext("No."), gettext("Indicator"), gettext("Value"), gettext("Threshold"), gettext("Points"),
               gettext("Max. points"), gettext("Note")]
    sheet.append([sheet.cell(text, header=True) for text in headers])
    for group in index.groups:
        sheet.append([sheet.cell(group.number, bold=True), sheet.cell(group.title.in_language(language), bold=True),
                      None, None, points(group.score, bold=True), points(group.max_score, bold=True), None])
        for item in (i for i in index.items if i.group == group.key):
            value = sheet.cell(item.value, number_format="0.0%") if item.value is not None else None
            sheet.append([item.number, sheet.cell(item.title.in_language(language)), value,
                          sheet.cell(item.threshold, number_format="0%"), points(item.score), points(item.max_score),
                          sheet.cell(labels.indicator_reason(item, formatter.catalog)) if item.reason else None])
    sheet.append([])
    sheet.append([sheet.cell(text, header=True) for text in (
        gettext("No."), gettext("Unit"), gettext("Points"), gettext("Measurable points"), gettext("Out of 100"),
        gettext("Band"))])
    for number, unit in enumerate(index.by_unit, start=1):
        sheet.append([number, sheet.cell(model.unit_names.get(unit.unit, unit.unit) or "–"), points(unit.score),
                      points(unit.measurable_max_score), points(unit.scaled_score),
                      unit.band_title.in_language(language) if unit.band_title else None])
    return sheet
