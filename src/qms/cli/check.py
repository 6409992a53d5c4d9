"""`qms check`: judge a dossier log against the library (thin over qms.check.api)."""

from __future__ import annotations

import contextlib
import sys

import click

from ..core.i18n import _
from ._common import echo, format_option, print_json

STAGES = 4  # reading, checking, summarising, writing


@contextlib.contextmanager
def _progress():
    if not sys.stderr.isatty():
        yield None
        return
    with click.progressbar(length=STAGES, file=sys.stderr, label=_("Checking")) as bar:
        def step(stage: str) -> None:
            bar.label = stage
            if bar.pos < STAGES - 1:
                bar.update(1)

        yield step
        bar.update(STAGES - bar.pos)


@click.command("check")
@click.argument("log", type=click.Path())
@click.option("--profile", help="Log profile (default: detected for qms's canonical CSV/Parquet).")
@click.option("--docs", type=click.Path(file_okay=False),
              help="Library folder (default: the workspace's, else the bundled sample).")
@click.option("--as-of", "as_of", help="Judge the log as of this date (its end) or instant (default: the latest event, "
                                      "or the end of --to).")
@click.option("--from", "period_from", type=click.DateTime(["%Y-%m-%d"]), help="First day of the reporting period.")
@click.option("--to", "period_to", type=click.DateTime(["%Y-%m-%d"]), help="Last day of the reporting period.")
@click.option("--out", "out", type=click.Path(file_okay=False), required=True, help="Folder for the outputs.")
@format_option
@click.option("--partitions", type=click.IntRange(min=1),
              help="Check the log in this many shards by dossier, in worker processes (default: one process when "
                   "the log fits in memory; a partitioned dataset: one shard per file).")
@click.option("--workers", type=click.IntRange(min=1), help="Worker processes (default: one per core).")
@click.option("--engine", type=click.Choice(["processes", "dask"]), default="processes", show_default=True,
              help="Where the shards run: local worker processes, or a Dask distributed cluster.")
@click.option("--scheduler", help="Dask scheduler address (tcp://HOST:PORT); default a local cluster.")
@click.option("--csv/--no-csv", "csv", default=False,
              help="Also write dossiers.csv and findings.csv, for spreadsheets (default: Parquet only).")
def check(log, profile, docs, as_of, period_from, period_to, out, output_format, partitions, workers, engine,
          scheduler, csv):
    """Check every dossier of LOG (a file, or a partitioned Parquet dataset: a folder or a glob) against the procedure and rules in force at its receipt."""
    if (period_from is None) != (period_to is None):
        raise click.UsageError(_("--from and --to go together"))
    if scheduler and engine != "dask":
        raise click.UsageError(_("--scheduler needs --engine dask"))
    period = (period_from.date(), period_to.date()) if period_from else None
    in_shards = _in_shards(log, partitions, workers, engine)  # decided once, before the rest of qms loads
    if not in_shards and profile is None:
        _start_reading(log)
    with _progress() as progress:
        if in_shards:
            from ..check.partitioned import check_partitioned

            done = check_partitioned(log, docs, out=out, as_of=as_of, period=period, profile=profile,
                                     partitions=partitions, workers=workers, engine=engine, scheduler=scheduler,
                                     csv=csv, progress=progress)
            summary, written, hints = done.summary, done.written, []
        else:
            from ..check.api import run_check, write_outputs

            result = run_check(log, docs, as_of=as_of, period=period, profile=profile, progress=progress)
            if progress:
                progress(_("writing"))
            summary, written = result.summary, write_outputs(result, out, csv=csv)
            hints = result.hints
    _register_in_workspace(out)
    if output_format == "json":
        print_json(summary.model_dump(mode="json"))
        return
    echo(render_summary_text(summary))
    for hint in hints:
        echo(_("Hint: {text}").format(text=hint))
    echo(_("Outputs: {paths}").format(paths=", ".join(str(p) for p in written.values())))


def _in_shards(log, partitions, workers, engine) -> bool:
    """Shards when asked for, for a dataset of several files, and for a log too
    large for one process (decided from its size, with light modules only)."""
    import os
    from pathlib import Path

    from ..core.datasets import dataset_files

    if engine == "dask" or (partitions or 1) > 1:
        return True
    if partitions == 1:
        return False
    files = dataset_files(log)
    if files is not None:
        return len(files) > 1
    if not Path(log).is_file():
        return False  # run_check says what is wrong with it
    from ..check.sizing import choose_partitions

    return choose_partitions(log, workers or os.cpu_count() or 1) > 1


def _start_reading(log) -> None:
    """A canonical Parquet log that one process will check starts being read now,
    while the rest of qms loads (`qms.core.parquet_prefetch`; the check takes it, or
    drops it if the file is not canonical after all)."""
    from pathlib import Path

    path = Path(log)
    if path.suffix.lower() not in (".parquet", ".pq") or not path.is_file():
        return
    from ..check.common import ENGINE_COLUMNS
    from ..core.parquet_prefetch import columns_to_read, start
    from ..model.events import REQUIRED_FIELDS

    try:
        # a file ingest will map through a profile is read by ingest, not taken
        if set(REQUIRED_FIELDS) <= set(columns_to_read(path, None)):
            start(path, ENGINE_COLUMNS)
    except Exception:  # not a readable Parquet file: the check says what is wrong with it
        return


def _register_in_workspace(out) -> None:
    """Inside a workspace, the run is recorded for the web workspace's check pages
    (on stderr, so the printed summary stays what it was)."""
    from ..workspace import load_workspace

    workspace = load_workspace()
    if workspace is None:
        return
    from ..check_runs import register_check_run
    from ..db import open_database

    # the workspace already read, not read again through --config
    db = open_database(workspace_dir=workspace.root, configured_url=workspace.config.database_url)
    try:
        run = register_check_run(db, out)
    finally:
        db.dispose()
    click.echo(_("Registered as check run {id} of the workspace").format(id=run.id), err=True)


def render_summary_text(summary) -> str:
    from ..check.rules import REGISTRY
    from ._display import classification_method
    from ..core.i18n import get_language
    from ..core.formatting import Formatter

    language = get_language()
    number = Formatter(language)  # Babel: "1.980" and "95,9 %" in Vietnamese
    count, percent = number.integer, number.percent
    m = summary.manifest
    t = summary.totals
    lines = [
        _("Checked {dossiers} dossiers as of {as_of} ({zone}); method: {method}").format(
            dossiers=count(t.received_total), as_of=_in_zone(m.as_of, m.timezone), zone=m.timezone,
            method=classification_method(m.method.id)),
    ]
    if m.period_from:
        lines.append(_("Period: {start} to {end}").format(start=m.period_from, end=m.period_to))
    lines.append(_("Resolved: {total} (early {early}, on time {on_time}, late {late}); in progress: {open} "
                   "(within time {within}, overdue {overdue}); not assessable: {na}").format(
        total=count(t.resolved_total), early=count(t.resolved_early), on_time=count(t.resolved_on_time),
        late=count(t.resolved_late), open=count(t.in_progress_total), within=count(t.in_progress_within_time),
        overdue=count(t.in_progress_overdue), na=count(t.not_assessable)))
    lines.append(_("On-time rate: {rate}").format(rate=percent(t.on_time_rate)))
    header = (_("Procedure"), _("Received"), _("Early"), _("On time"), _("Late"), _("Open"), _("Overdue"),
              _("On-time rate"), _("Avg. days"))
    rows = [header]
    for g in summary.by_procedure:
        rows.append((g.key, count(g.received_total), count(g.resolved_early), count(g.resolved_on_time),
                     count(g.resolved_late), count(g.in_progress_total), count(g.in_progress_overdue),
                     percent(g.on_time_rate), number.decimal(g.average_processing_days)))
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    for r in rows:
        lines.append("  " + "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))))
    lines.append(_("Findings: {total}").format(total=count(summary.findings.total)))
    lines.append("  {:>9}  {:>9}  {}".format(_("findings"), _("dossiers"), _("rule")))
    dossiers_by_rule = summary.findings.dossiers_by_rule
    for rule_id, rule_count in sorted(summary.findings.by_rule.items(), key=lambda kv: (-kv[1], kv[0])):
        rule = REGISTRY.get(rule_id)
        title = rule.title.in_language(language) if rule else rule_id
        lines.append(f"  {count(rule_count):>9}  {count(dossiers_by_rule.get(rule_id, 0)):>9}  {rule_id}  ({title})")
    index = summary.indicators
    if index is not None:
        band = index.band_title.in_language(language) if index.band_title else "–"
        lines.append(_("Service-quality index ({code}, issue {issue}): {score} of {measurable} measurable points "
                       "({scaled}/100, {band}); {unmeasured} points not measurable from the log").format(
            code=index.code, issue=index.issue, score=number.decimal(index.score),
            measurable=number.decimal(index.measurable_max_score), scaled=number.decimal(index.scaled_score),
            band=band, unmeasured=number.decimal(index.max_score - index.measurable_max_score)))
    q = summary.data_quality
    lines.append(_("Rows read {read}, accepted {accepted}, rejected {rejected}").format(
        read=count(q.rows_read), accepted=count(q.rows_accepted), rejected=count(q.rows_rejected)))
    for warning in summary.warnings:
        lines.append(_("Warning: {text}").format(text=warning))
    return "\n".join(lines)


def _in_zone(moment, zone: str) -> str:
    """The as-of instant as the calendar's zone reads it (the zone is named beside it)."""
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")
