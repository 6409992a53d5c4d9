"""`qms generate`: a synthetic canonical dossier log with known defects (thin over qms.synth)."""

from __future__ import annotations

import contextlib
import json
import sys

import click

from ..core.i18n import _, get_language
from ..core.formatting import Formatter


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


@click.command("generate")
@click.option("--dossiers", "-n", type=click.IntRange(min=1), required=True, help="Number of dossiers.")
@click.option("--seed", type=int, required=True, help="Random seed; the same seed gives the same files.")
@click.option("--out", "out", type=click.Path(), required=True,
              help="Log file to write (with --partitions: a new folder for the dataset).")
@click.option("--partitions", type=click.IntRange(min=1),
              help="Write a Parquet dataset partitioned by dossier (as qms log partition does) into --out.")
@click.option("--format", "file_format", type=click.Choice(["csv", "parquet", "xlsx", "jsonl"]),
              help="Log format (default: from the extension of --out).")
@click.option("--truth", type=click.Path(dir_okay=False),
              help="Write the injected defects (CSV or Parquet) and a sidecar .meta.json.")
@click.option("--from", "period_from", type=click.DateTime(["%Y-%m-%d"]), help="First receipt date (default 2025-01-01).")
@click.option("--to", "period_to", type=click.DateTime(["%Y-%m-%d"]), help="Last receipt date (default 2025-12-31).")
@click.option("--docs", type=click.Path(file_okay=False, exists=True),
              help="Library folder (default: the workspace's, else the bundled sample).")
@click.option("--defect-rate", type=click.FloatRange(0, 1), help="Share of eligible dossiers made defective (default 0.10).")
@click.option("--format-summary", "summary_format", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="How to print the summary.")
def generate(dossiers, seed, out, partitions, file_format, truth, period_from, period_to, docs, defect_rate,
             summary_format):
    """Write a reproducible synthetic dossier log with injected defects."""
    from ..synth import generate as run

    with _progress() as progress:
        summary = run(dossiers, seed, out, format=file_format, truth=truth,
                      period_from=period_from.date() if period_from else None,
                      period_to=period_to.date() if period_to else None,
                      docs=docs, defect_rate=defect_rate, progress=progress, partitions=partitions)
    if summary_format == "json":
        click.echo(json.dumps({k: v for k, v in summary.items() if k != "units"}, ensure_ascii=False, indent=2))
        return
    count = Formatter(get_language()).integer  # "16.200" in Vietnamese
    click.echo(_("Wrote {events} events of {dossiers} dossiers to {path}").format(
        events=count(summary["events"]), dossiers=count(summary["dossiers"]), path=summary["log_path"]))
    click.echo(_("Receipts from {start} to {end}; as of {as_of}").format(
        start=summary["period_from"], end=summary["period_to"], as_of=summary["as_of"]))
    defective = sum(summary["defects"].values())
    click.echo(_("Defective dossiers: {count}").format(count=defective))
    for kind, count in summary["defects"].items():
        click.echo(f"  {kind}: {count}")
    if "truth_path" in summary:
        click.echo(_("Truth: {rows} rows in {path} (sidecar {meta})").format(
            rows=summary["truth_rows"], path=summary["truth_path"], meta=summary["truth_meta_path"]))
