"""/checks: the workspace's check runs; /checks/{id}: a dashboard of one run (form
06 totals, on-time rate against the target, by procedure, unit and month, findings
by rule with drill-down); /checks/{id}/dossiers/{dossier_id}: one dossier."""

from __future__ import annotations

import asyncio
import functools

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..capa import PermissionRefused, raise_from_check
from ..check_runs import dossier_record, findings_of_rule, get_check_run, read_summary
from ..core.errors import QmsError
from ..core.formatting import Formatter
from ..core.i18n import _
from ..report import charts
from .dossier_events import run_dossier_timeline
from .nc_pages import may_take
from .rendering import render, user_of
from .timeline_chart import timeline_chart

DRILL_PAGE = 100


def with_run(handler):
    """The handler gets the check run of the URL as `run`; an unknown run is a 404."""
    @functools.wraps(handler)
    async def wrapper(request: Request, **options) -> Response:
        run = await run_in_threadpool(get_check_run, request.app.state.qms.db, request.path_params["run_id"])
        if run is None:
            return render(request, "error.html", status_code=404, message=_("No such check run"))
        return await handler(request, run, **options)

    return wrapper


def dashboard_charts(summary, target: float, language: str) -> dict[str, str]:
    """The same SVG charts as the PDF report (qms.report.charts)."""
    number = Formatter(language)

    def label(group) -> str:
        return group.label.in_language(language) if group.label else group.key

    def rates(groups) -> list[tuple[str, float | None]]:
        return [(label(g), g.on_time_rate) for g in groups]

    return {
        "procedure": charts.horizontal_bars(rates(summary.by_procedure), title=_("On-time rate by procedure"),
                                            value_label=number.percent, maximum=1.0, target=target,
                                            target_label=_("target")),
        "unit": charts.horizontal_bars(rates(summary.by_unit), title=_("On-time rate by unit"),
                                       value_label=number.percent, maximum=1.0, target=target,
                                       target_label=_("target")),
        "month": charts.monthly_trend(
            [(number.month(g.key), g.received_total, g.resolved_total, g.on_time_rate) for g in summary.by_month],
            title=_("By month of receipt"), received_label=_("Received"), resolved_label=_("Resolved"),
            rate_label=_("On-time rate"), count_label=lambda v: number.integer(int(v)),
            rate_value_label=number.percent),
    }


@with_run
async def check_dashboard(request: Request, run, *, raised=None, problem: str | None = None,
                          status_code: int = 200) -> Response:
    context = request.app.state.qms
    target = context.config.targets.on_time_rate
    language = request.scope["qms_language"]
    try:
        summary, charts, rules = await run_in_threadpool(dashboard_data, run, target, language)
    except QmsError as error:
        return render(request, "error.html", status_code=404, message=str(error))
    # the drill-down to dossiers comes next: their documents and events made ready meanwhile
    context.run_events.prepare(run, warm_up=functools.partial(context.run_documents.of, run, context.library_dir))
    return render(request, "check_dashboard.html", run=run, summary=summary, target=target, rules=rules,
                  charts=charts, raised=raised, problem=problem,
                  may_raise=may_take(context.config, user_of(request), "raise_from_check"), status_code=status_code)


_DASHBOARDS: dict[tuple, tuple] = {}
_DASHBOARDS_KEPT = 32


def dashboard_data(run, target: float, language: str):
    """(summary, charts, findings by rule) of a run: made once per summary file,
    target and language (a run's outputs do not change; a new check is a new run)."""
    from ..check.rules import REGISTRY

    path = run.folder / "summary.json"
    try:
        key = (run.id, str(path), path.stat().st_mtime_ns, target, language)
    except OSError:
        key = None  # read_summary says what is wrong
    if key in _DASHBOARDS:
        return _DASHBOARDS[key]
    summary = read_summary(run)
    rules = [(rule, count, REGISTRY[rule].title.in_language(language) if rule in REGISTRY else rule)
             for rule, count in sorted(summary.findings.by_rule.items(), key=lambda kv: (-kv[1], kv[0]))]
    made = summary, dashboard_charts(summary, target, language), rules
    if len(_DASHBOARDS) >= _DASHBOARDS_KEPT:
        _DASHBOARDS.pop(next(iter(_DASHBOARDS)))  # the oldest
    _DASHBOARDS[key] = made
    return made


@with_run
async def raise_ncs(request: Request, run) -> Response:
    """As `qms nc raise-from-check`: one NC per rule × procedure × unit × period."""
    context = request.app.state.qms
    form = await request.form()
    period = str(form.get("period", "month"))
    severity = str(form.get("min_severity", "minor"))
    try:
        result = await run_in_threadpool(raise_from_check, context.db, context.config, user_of(request), run.out_dir,
                                         min_severity=severity, period=period)
    except PermissionRefused as error:
        return await check_dashboard(request, problem=str(error), status_code=403)
    except QmsError as error:
        return await check_dashboard(request, problem=str(error), status_code=422)
    return await check_dashboard(request, raised=result)


@with_run
async def check_findings(request: Request, run) -> Response:
    rule = request.query_params.get("rule", "")[:100]
    try:
        page = max(1, int(request.query_params.get("page", "1")))
    except ValueError:
        page = 1
    total, rows = await run_in_threadpool(findings_of_rule, run, rule, offset=(page - 1) * DRILL_PAGE,
                                          limit=DRILL_PAGE)
    from ..check.rules import REGISTRY

    known = REGISTRY.get(rule)
    title = known.title.in_language(request.scope["qms_language"]) if known else rule
    return render(request, "check_findings.html", run=run, rule=rule, rule_title=title, total=total, rows=rows,
                  page=page, pages=max(1, -(-total // DRILL_PAGE)))


@with_run
async def dossier_page(request: Request, run) -> Response:
    context = request.app.state.qms
    dossier_id = request.path_params["dossier_id"]
    language = request.scope["qms_language"]

    def judged():
        try:
            return run_dossier_timeline(context.run_events, context.library_dir, context.run_documents, run,
                                        dossier_id, language), None
        except QmsError as error:
            return None, str(error)

    # the run's row of the dossier and its timeline side by side (polars works outside the GIL)
    (dossier, findings), (timeline, problem) = await asyncio.gather(
        run_in_threadpool(dossier_record, run, dossier_id), run_in_threadpool(judged))
    if dossier is None:
        return render(request, "error.html", status_code=404,
                      message=_("No dossier {id} in this check").format(id=dossier_id))
    from ..check.rules import REGISTRY

    def rule_title(rule: str) -> str:
        return REGISTRY[rule].title.in_language(language) if rule in REGISTRY else rule

    return render(request, "dossier.html", run=run, dossier=dossier, timeline=timeline,
                  findings=await run_in_threadpool(_readable, run, findings, dossier, timeline, language),
                  timeline_problem=problem, chart=timeline_chart(timeline) if timeline else None,
                  rows=timeline_rows(timeline) if timeline else [], rule_title=rule_title,
                  units=context.config.units)


def timeline_rows(timeline) -> list[dict]:
    """The steps and the other events (supplement requests, apology, …) in time order."""
    rows = [{"at": step.handed_over_at, "step": step} for step in timeline.steps]
    rows += [{"at": at, "step": None, "code": code, "unit": unit} for at, code, unit in timeline.other_events]
    return sorted(rows, key=lambda row: row["at"])


def _readable(run, findings: list[dict], dossier: dict, timeline, language: str) -> list[dict]:
    """Expected and actual values as the workbook's Findings sheet shows them: minutes as
    working (or calendar) days and hours (a working day as long as the run's calendar
    said), step ids as the step's name, dates local."""
    if not findings:
        return findings
    import polars as pl

    from ..core.formatting import Formatter
    from ..report.durations import MINUTES_PER_CALENDAR_DAY
    from ..report.xlsx_columns import readable_findings

    code, issue = dossier.get("procedure_code"), dossier.get("procedure_issue")
    steps = {f"{code}\x1f{issue}\x1f{step.step}": step.name for step in (timeline.steps if timeline else [])}
    frame = pl.DataFrame(findings, infer_schema_length=None).with_columns(
        pl.lit(code, pl.Utf8).alias("procedure_code"), pl.lit(issue, pl.Int64).alias("procedure_issue"),
        pl.lit("calendar" if dossier.get("calendar_clock") else "working").alias("day_unit"),
        pl.lit(float(MINUTES_PER_CALENDAR_DAY) if dossier.get("calendar_clock")
               else read_summary(run).manifest.calendar.working_day_hours * 60)
        .alias("day_minutes"),
        *(pl.col(column).cast(pl.Utf8) for column in ("expected", "actual", "message")))
    return readable_findings(frame, Formatter(language), steps).to_dicts()


ROUTES = [
    Route("/checks/{run_id:int}", check_dashboard, methods=["GET"]),
    Route("/checks/{run_id:int}/findings", check_findings, methods=["GET"]),
    Route("/checks/{run_id:int}/raise-ncs", raise_ncs, methods=["POST"]),
    Route("/checks/{run_id:int}/dossiers/{dossier_id:path}", dossier_page, methods=["GET"]),
]
