"""The audit report as PDF: audit report model → audit.html.j2 → PDF/A-3b.

Same machinery as the compliance report (templates, report.css, Babel formatting,
SVG charts, weasyprint); the model travels inside the PDF as audit-report.json.
"""

from __future__ import annotations

import math
from pathlib import Path

from markupsafe import Markup

from ..core.resources import report_templates_dir
from . import charts
from .audit_model import AuditReportModel
from ..core.formatting import Formatter
from .pdf import STYLESHEET, html_to_pdf, template_environment

TEMPLATE = "audit.html.j2"


def _charts(model: AuditReportModel, formatter: Formatter) -> dict[str, Markup]:
    gettext = formatter.gettext
    largest = max((row.findings for row in model.by_clause), default=0)
    findings = charts.horizontal_bars(
        [(f"{row.clause} {row.title}".strip(), row.findings) for row in model.by_clause if row.findings],
        title=gettext("Findings by ISO 9001:2015 clause"),
        maximum=4 * max(1, math.ceil(largest / 4)),  # whole numbers on the four grid lines
        value_label=lambda value: formatter.integer(round(value or 0)))
    coverage = charts.horizontal_bars(
        [(f"{row.clause} {row.title}", row.coverage) for row in model.by_main_clause if row.items],
        title=gettext("Coverage by clause"), value_label=formatter.percent, maximum=1.0)
    return {"findings": Markup(findings), "coverage": Markup(coverage)}


def render_audit_html(model: AuditReportModel) -> str:
    formatter = Formatter(model.language, model.timezone)
    css = (report_templates_dir() / STYLESHEET).read_text(encoding="utf-8")
    return template_environment(formatter).get_template(TEMPLATE).render(
        r=model, f=formatter, css=Markup(css), charts=_charts(model, formatter))


def write_audit_pdf(model: AuditReportModel, target: Path) -> Path:
    gettext = Formatter(model.language).gettext
    return html_to_pdf(render_audit_html(model), target, [
        (model.as_json().encode("utf-8"), "audit-report.json",
         gettext("The audit report's data: plan, results, counts by clause, coverage"), "Data"),
    ])
