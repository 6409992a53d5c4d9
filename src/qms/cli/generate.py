"""`qms generate`: a synthetic canonical dossier log with known defects (thin over qms.synth)."""

from __future__ import annotations

import contextlib
import sys

import click

from ..core.i18n import _
from ._common import aliased_option, echo, print_json, secho


@contextlib.contextmanager
def _progress():
    if not sys.stderr.isatty():
        yield None
        return
    with click.progressbar(length=1, file=sys.stderr, label=_("Generating")) as bar:
        def step(done: int, total: int) -> None:
            bar.length = total
            bar.update(done - bar.pos)

        yield step


LOG_FORMATS = ("csv", "parquet", "xlsx", "jsonl")


@click.command("generate")
@click.option("--dossiers", "-n", type=click.IntRange(min=1), required=True, help="Number of dossiers.")
@click.option("--seed", type=int, required=True, help="Random seed; the same seed gives the same files.")
@click.option("--out", "out", type=click.Path(), required=True,
              help="Log file to write (with --partitions: a new folder for the dataset).")
@click.option("--partitions", type=click.IntRange(min=1),
              help="Write a Parquet dataset partitioned by dossier (as qms log partition does) into --out.")
@click.option("--truth", type=click.Path(dir_okay=False),
              help="Write the injected defects (CSV or Parquet) and a sidecar .meta.json.")
@click.option("--from", "period_from", type=click.DateTime(["%Y-%m-%d"]), help="First receipt date (default 2025-01-01).")
@click.option("--to", "period_to", type=click.DateTime(["%Y-%m-%d"]), help="Last receipt date (default 2025-12-31).")
@click.option("--docs", type=click.Path(file_okay=False, exists=True),
              help="Library folder (default: the workspace's, else the bundled sample).")
@click.option("--defect-rate", type=click.FloatRange(0, 1), help="Share of eligible dossiers made defective (default 0.10).")
@aliased_option("--format", "--format-summary", "summary_format", default="text", show_default=True,
                type=click.Choice(["text", "json", *LOG_FORMATS]), metavar="[text|json]",
                help="Print the summary as text or as JSON; the log's format follows the extension of --out.")
def generate(dossiers, seed, out, partitions, truth, period_from, period_to, docs, defect_rate, summary_format):
    """Write a reproducible synthetic dossier log with injected defects."""
    from ..synth import generate as run

    file_format = None
    if summary_format in LOG_FORMATS:  # the old meaning of --format, kept working for a while
        secho(_("--format {format} is deprecated: the log's format follows the extension of --out").format(
            format=summary_format), fg="yellow", err=True)
        file_format, summary_format = summary_format, "text"

    with _progress() as progress:
        summary = run(dossiers, seed, out, format=file_format, truth=truth,
                      period_from=period_from.date() if period_from else None,
                      period_to=period_to.date() if period_to else None,
                      docs=docs, defect_rate=defect_rate, progress=progress, partitions=partitions)
    if summary_format == "json":
        print_json({k: v for k, v in summary.items() if k != "units"})
        return
    from ._display import count, local_moment  # "16.200" in Vietnamese; instants in the office's zone

    echo(_("Wrote {events} events of {dossiers} dossiers to {path}").format(
        events=count(summary["events"]), dossiers=count(summary["dossiers"]), path=summary["log_path"]))
    echo(_("Receipts from {start} to {end}; as of {as_of}").format(
        start=summary["period_from"], end=summary["period_to"], as_of=local_moment(summary["as_of"])))
    defective = sum(summary["defects"].values())
    echo(_("Defective dossiers: {count}").format(count=count(defective)))
    for kind, number in summary["defects"].items():
        echo(f"  {kind}: {count(number)}")
    if "truth_path" in summary:
        echo(_("Truth: {rows} rows in {path} (sidecar {meta})").format(
            rows=count(summary["truth_rows"]), path=summary["truth_path"], meta=summary["truth_meta_path"]))
