"""The process-control sheet of one dossier (Phiếu kiểm soát quá trình giải quyết hồ sơ).

The one-stop circulars make every dossier carry this sheet: each hand-over between
units, when it happened, and whether that step was early, on time or late. Today's
form is Mẫu số 06 of Circular 03/2025/TT-VPCP (Appendix I, in force from 15
September 2025, under Decree 118/2025/NĐ-CP); dossiers received earlier used the
sheet of Circular 01/2018/TT-VPCP. The figures are the check's
(`qms.check.dossier_timeline`); this module only lays them out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from ..check.dossier_timeline import DossierTimeline
from ..core.formatting import Formatter
from . import labels

FORM_REFERENCE = {
    "current": "Mẫu số 06, Phụ lục I, Thông tư 03/2025/TT-VPCP",
    "before": "Thông tư 01/2018/TT-VPCP",
}
CIRCULAR_03_2025_FROM = dt.date(2025, 9, 15)


@dataclass
class ControlSheet:
    timeline: DossierTimeline
    organisation: str = ""
    unit_names: dict[str, str] = field(default_factory=dict)

    @property
    def form_reference(self) -> str:
        received = self.timeline.received_at
        current = received is None or received.date() >= CIRCULAR_03_2025_FROM
        return FORM_REFERENCE["current"] if current else FORM_REFERENCE["before"]


def control_sheet(timeline: DossierTimeline, config=None) -> ControlSheet:
    """The sheet of a judged dossier; `config`: the workspace configuration (organisation
    and unit names), if any."""
    language = timeline.language
    if config is None:
        return ControlSheet(timeline)
    return ControlSheet(timeline, organisation=config.organisation.name.in_language(language),
                        unit_names={code: text.in_language(language) for code, text in config.units.items()})


def render_control_sheet_html(sheet: ControlSheet) -> str:
    from markupsafe import Markup

    from ..core.resources import report_templates_dir
    from .pdf import STYLESHEET, template_environment

    formatter = Formatter(sheet.timeline.language, sheet.timeline.timezone)
    environment = template_environment(formatter)
    css = (report_templates_dir() / STYLESHEET).read_text(encoding="utf-8")
    return environment.get_template("control_sheet.html.j2").render(
        s=sheet.timeline, sheet=sheet, f=formatter, css=Markup(css),
        status_label=lambda status: labels.label(labels.STATUS, status, formatter.catalog),
        channel_label=lambda channel: labels.label(labels.CHANNEL, channel, formatter.catalog),
        duration=lambda minutes: _duration_text(minutes, formatter),
        unit_name=lambda code: sheet.unit_names.get(code, code) if code else "",
        event_label=lambda step: labels.label(labels.EVENT, step, formatter.catalog),
    )


def _duration_text(minutes: float | None, formatter: Formatter) -> str:
    if minutes is None:
        return "–"
    hours = minutes / 60
    return formatter.gettext("{hours} working hours").format(hours=formatter.decimal(hours, 2))


def write_control_sheet_pdf(sheet: ControlSheet, target: str | Path) -> Path:
    from .pdf import html_to_pdf

    return html_to_pdf(render_control_sheet_html(sheet), Path(target))
