"""The PDF renderer: report model → HTML (jinja2, report_templates/) → PDF/A-3b (weasyprint).

The manifest (JSON) and the findings (CSV) travel inside the PDF as PDF/A-3
attachments, so the file alone is enough to verify its figures.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass
from pathlib import Path, PurePath
from zoneinfo import ZoneInfo

from babel.dates import format_time

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from ..core.atomic import atomic_target
from ..core.errors import QmsError
from ..core.resources import report_templates_dir
from . import charts, labels
from ..core.formatting import Formatter
from .durations import day_unit_labels
from .count_notes import by_unit_note, not_assessable_note
from .model import FORM06_COLUMNS, ReportModel

TEMPLATE = "report.html.j2"
STYLESHEET = "report.css"
DOCUMENT_KIND = labels.DOCUMENT_KIND


def template_environment(formatter: Formatter) -> Environment:
    """The jinja2 environment of the report templates, translating through `formatter`'s catalog."""
    environment = Environment(
        loader=FileSystemLoader(str(report_templates_dir())),
        autoescape=select_autoescape(["html", "j2"]),
        extensions=["jinja2.ext.i18n"],
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.install_gettext_translations(formatter.catalog, newstyle=True)
    environment.filters["keep_codes_whole"] = keep_codes_whole
    return environment


# A document code with hyphens or slashes ("766/QĐ-TTg", "QT-DKKD-01"): never broken at them.
_CODE = re.compile(r"[\w.]*\d[\w.]*(?:[/-][\w.]+)+")


def keep_codes_whole(text: str) -> Markup:
    """`text` (escaped) with each document code in a span that does not wrap."""
    escaped = str(escape(text))
    return Markup(_CODE.sub(lambda match: f'<span class="code">{match.group(0)}</span>', escaped))


def _charts(model: ReportModel, formatter: Formatter) -> dict[str, Markup]:
    gettext = formatter.gettext
    target = model.unit_on_time_target
    unit_chart = charts.horizontal_bars(
        [(row.label, row.on_time_rate) for row in model.by_unit],
        title=gettext("On-time rate by unit"), value_label=formatter.percent, maximum=1.0, target=target,
        target_label=gettext("target") + " " + formatter.percent(target) if target is not None else "",
        value_title=gettext("On-time rate"),
    )
    monthly_chart = charts.monthly_trend(
        [(formatter.month(row.key), row.counts["received_total"], row.counts["resolved_total"], row.on_time_rate)
         for row in model.by_month],
        title=gettext("Monthly trend (by month of receipt)"), received_label=gettext("Received"),
        resolved_label=gettext("Resolved"), rate_label=gettext("On-time rate"),
        count_label=lambda value: formatter.integer(round(value)), rate_value_label=formatter.percent,
        x_title=gettext("Month of receipt"), count_title=gettext("Dossiers"), rate_title=gettext("On-time rate"),
    )
    rule_chart = charts.horizontal_bars(
        [(row.label, row.count) for row in model.findings_by_rule],
        title=gettext("Findings by rule"), value_label=lambda value: formatter.integer(round(value or 0)),
        value_title=gettext("Findings"),
    )
    clause_chart = charts.horizontal_bars(
        [(f"{row.key} {row.label}", row.count) for row in model.findings_by_clause],
        title=gettext("Findings by ISO 9001:2015 clause"),
        value_label=lambda value: formatter.integer(round(value or 0)), value_title=gettext("Findings"),
    )
    return {name: Markup(svg) for name, svg in {
        "unit_on_time": unit_chart, "monthly": monthly_chart,
        "findings_by_rule": rule_chart, "findings_by_clause": clause_chart}.items()}


def date_line(place: str | None, moment, formatter: Formatter) -> str:
    """"Hà Nam, ngày 02 tháng 04 năm 2025" under the signatures; dotted blanks to be
    filled in by hand while the report is not approved."""
    if moment is None:
        values = {"date": "……………", "day": "……", "month": "……", "year": "………"}
    else:
        day = formatter._local_date(moment)
        values = {"date": formatter.date(day), "day": f"{day.day:02d}", "month": f"{day.month:02d}",
                  "year": str(day.year)}
    return formatter.gettext("%(place)s, %(date)s") % {"place": place or "……………", **values}


def long_moment(moment, formatter: Formatter) -> str:
    """"Thứ Hai, 31 tháng 3 năm 2025, 17:00": the long date once, then the local time."""
    if moment is None:
        return "–"
    return f"{formatter.long_date(moment)}, {format_time(moment, 'HH:mm', tzinfo=ZoneInfo(formatter.timezone))}"


def render_html(model: ReportModel, signature_stamp: dict | None = None) -> str:
    """The report as HTML; `signature_stamp` ({signer, date}) is printed where the digital
    signature's widget will be."""
    formatter = Formatter(model.language, model.timezone)
    environment = template_environment(formatter)
    css = (report_templates_dir() / STYLESHEET).read_text(encoding="utf-8")
    return environment.get_template(TEMPLATE).render(
        r=model, f=formatter, css=Markup(css), charts=_charts(model, formatter), form06_columns=FORM06_COLUMNS,
        form06_note=not_assessable_note(model, formatter), unit_note=by_unit_note(model, formatter),
        date_line=date_line(model.place, model.approved_at, formatter), signature_stamp=signature_stamp,
        method_parts=lambda method, description: labels.method_parts(method, description, formatter.catalog),
        holiday_source=lambda text: labels.holiday_source(text, formatter.catalog),
        long_moment=lambda moment: long_moment(moment, formatter),
        file_name=lambda path: PurePath(path.replace("\\", "/")).name,
        status_label=lambda status: labels.label(labels.STATUS, status, formatter.catalog),
        document_kind=lambda kind: labels.label(DOCUMENT_KIND, kind, formatter.catalog),
        day_units=day_unit_labels(formatter.gettext),
        indicator_reason=lambda item: labels.indicator_reason(item, formatter.catalog),
    )


SIGNATURE_ANCHOR = "qms-approval-signature"  # the element of the templates where a signature goes
CSS_PX_TO_PT = 0.75


@dataclass(frozen=True)
class SigningKey:
    """A PKCS#12 file (key, certificate, chain) and its passphrase."""

    key_file: Path
    passphrase: bytes | None


def write_pdf(model: ReportModel, target: Path, *, sign: SigningKey | None = None) -> Path:
    """Render the report to `target` as PDF/A-3b with manifest.json and findings.csv attached;
    with `sign`, sign it (PAdES) in the approval block once it is complete."""
    formatter = Formatter(model.language, model.timezone)
    gettext = formatter.gettext
    signer = stamp = None
    if sign is not None:
        from .signing import load_signer, signer_name

        signer = load_signer(sign.key_file, sign.passphrase)  # a wrong passphrase fails before rendering
        stamp = {"signer": signer_name(signer),
                 "date": formatter.date(dt.datetime.now(dt.timezone.utc))}
    target, place = render_pdf(render_html(model, stamp), target, [
        (model.manifest_json.encode("utf-8"), "manifest.json",
         gettext("Manifest: inputs, document issues, calendar, as-of"), "Source"),
        (model.findings_csv(), "findings.csv", gettext("Every finding of the check"), "Data"),
    ], anchor=SIGNATURE_ANCHOR)
    if signer is not None:
        from .signing import sign_pdf

        sign_pdf(target, signer, place,
                 reason=gettext("Approval of report {report_id}").format(report_id=model.report_id),
                 location=model.place)
    return target


def html_to_pdf(html: str, target: Path, attachments: list[tuple[bytes, str, str, str]] = ()) -> Path:
    """Write rendered HTML to `target` as PDF/A-3b; attachments are (content, file name,
    description, PDF/A relationship). Shared by every report of this package."""
    return render_pdf(html, target, attachments)[0]


def render_pdf(html: str, target: Path, attachments: list[tuple[bytes, str, str, str]] = (),
               anchor: str | None = None):
    """`html_to_pdf`, also returning where the element with id `anchor` landed (a
    `signing.SignaturePlace` in PDF points), or None."""
    from weasyprint import HTML, Attachment

    from .signing import SignaturePlace

    target = Path(target)
    embedded = [Attachment(file_obj=io.BytesIO(content), name=name, description=description,
                           relationship=relationship)
                for content, name, description, relationship in attachments]
    place = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        document = HTML(string=html, base_url=str(report_templates_dir())).render(pdf_variant="pdf/a-3b")
        for number, page in enumerate(document.pages):
            if anchor and anchor in page.anchors:
                left, top, right, bottom = page.anchors[anchor]
                flip = page.height
                place = SignaturePlace(number, (left * CSS_PX_TO_PT, (flip - bottom) * CSS_PX_TO_PT,
                                                right * CSS_PX_TO_PT, (flip - top) * CSS_PX_TO_PT))
        with atomic_target(target) as partial:  # a killed run leaves the old report intact
            document.write_pdf(partial, pdf_variant="pdf/a-3b", attachments=embedded)
    except OSError as error:
        raise QmsError(f"{target}: cannot write the PDF: {error.strerror or error}") from None
    return target, place
