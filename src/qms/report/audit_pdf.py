"""The audit report as PDF: audit report model → audit.html.j2 → PDF/A-3b.

Same machinery as the compliance report (templates, report.css, Babel formatting,
SVG charts, weasyprint); the model travels inside the PDF as audit-report.json.
"""

from __future__ import annotations

from pathlib import Path

from markupsafe import Markup

from ..core.resources import report_templates_dir
from . import charts
from .audit_model import AuditReportModel
from ..core.formatting import Formatter
from .pdf import STYLESHEET, date_line, html_to_pdf, template_environment

TEMPLATE = "audit.html.j2"


# One colour per finding grade, strongest first, so the chart tells grades apart.
GRADE_COLOURS = {"major_nc": "#9e2a1c", "minor_nc": "#e07b39", "observation": "#2f5f8a", "ofi": "#6f9f6f"}


def _charts(model: AuditReportModel, formatter: Formatter) -> dict[str, Markup]:
    gettext = formatter.gettext
    bars = [(f"{row.clause} {row.title} – {model.grade_labels[grade]}".strip(), row.counts[grade],
             GRADE_COLOURS[grade])
            for row in model.by_clause for grade in GRADE_COLOURS if row.counts.get(grade)]
    findings = charts.horizontal_bars(
        [(label, value) for label, value, _colour in bars],
        title=gettext("Findings by ISO 9001:2015 clause and grade"),
        colours=[colour for _label, _value, colour in bars], value_title=gettext("Findings"),
        value_label=lambda value: formatter.integer(round(value or 0)))
    coverage = charts.horizontal_bars(
        [(f"{row.clause} {row.title}", row.coverage) for row in model.by_main_clause if row.items],
        title=gettext("Coverage by clause"), value_label=formatter.percent, maximum=1.0)
    return {"findings": Markup(findings), "coverage": Markup(coverage)}


def render_audit_html(model: AuditReportModel) -> str:
    formatter = Formatter(model.language, model.timezone)
    css = (report_templates_dir() / STYLESHEET).read_text(encoding="utf-8")
    return template_environment(formatter).get_template(TEMPLATE).render(
        r=model, f=formatter, css=Markup(css), charts=_charts(model, formatter),
        date_line=date_line(None, None, formatter))


def write_audit_pdf(model: AuditReportModel, target: Path) -> Path:
    gettext = Formatter(model.language).gettext
    return html_to_pdf(render_audit_html(model), target, [
        (model.as_json().encode("utf-8"), "audit-report.json",
         gettext("The audit report's data: plan, results, counts by clause, coverage"), "Data"),
    ])
