"""A check in shards (`dossiers/part-K.parquet`, `findings/part-K.parquet`) is read
downstream exactly like a one-process check folder: the report, the check-run
register's drill-down and the output set that vouches for its files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace

import polars as pl
import pytest
from click.testing import CliRunner

from qms.check_runs import dossier_record, findings_of_rule
from qms.cli import main
from qms.core.errors import QmsError
from qms.library import load_library
from qms.core.check_tables import table_names
from qms.report import build_report
from qms.synth import generate_log, write_events

GENERATED_AT = dt.datetime(2026, 1, 5, 8, 0, tzinfo=dt.timezone.utc)


@pytest.fixture(scope="module")
def checks(tmp_path_factory) -> SimpleNamespace:
    """The same log checked in one process and in 3 shards."""
    library = load_library(None)
    folder = tmp_path_factory.mktemp("checks")
    write_events(generate_log(library, 400, seed=1717, defect_rate=0.3).events, folder / "log.parquet", "parquet")
    runner = CliRunner()
    for name, extra in (("one", ["--partitions", "1"]), ("shards", ["--partitions", "3", "--workers", "2"])):
        result = runner.invoke(main, ["--lang", "en", "check", str(folder / "log.parquet"), "--docs", str(library.root),
                                      "--out", str(folder / name), *extra])
        assert result.exit_code == 0, result.output
    return SimpleNamespace(one=folder / "one", shards=folder / "shards")


def test_a_check_in_shards_is_one_output_set(checks):
    names = table_names(checks.shards)
    assert len(names) == 6 and all(n.startswith(("dossiers/part-", "findings/part-")) for n in names)
    listed = [line.split("  ", 1)[1] for line in (checks.shards / "outputs.sha256").read_text().splitlines()]
    assert sorted(listed) == sorted([*names, "shards.json", "summary.json"])
    assert not (checks.shards / "dossiers.parquet").exists()


def test_the_report_of_a_check_in_shards_is_the_report_of_one_process(checks):
    one = build_report(checks.one, language="en", generated_at=GENERATED_AT)
    shards = build_report(checks.shards, language="en", generated_at=GENERATED_AT)
    assert one.findings_total == shards.findings_total > 0
    assert one.late_dossiers_total == shards.late_dossiers_total > 0
    for field in ("report_id", "totals", "form06", "by_procedure", "by_field", "by_unit", "by_month",
                  "findings_by_severity", "findings_by_rule", "findings_by_clause", "late_dossiers_shown",
                  "indicators"):
        assert getattr(one, field) == getattr(shards, field), field
    order = ["dossier_id", "rule", "step", "expected", "actual"]
    assert one.findings.sort(order, nulls_last=True).equals(shards.findings.sort(order, nulls_last=True))
    assert shards.figures_sha256 == one.figures_sha256 and shards.warnings == one.warnings
    # the report's manifest hashes every file it read: the summary and each shard's tables
    assert [s["file"] for s in shards.manifest["check_outputs"]] == ["summary.json", *table_names(checks.shards)]


def test_the_report_refuses_a_changed_shard_file(checks, tmp_path):
    import shutil

    copy = tmp_path / "shards"
    shutil.copytree(checks.shards, copy)
    part = copy / table_names(copy)[-1]
    pl.read_parquet(part).head(1).write_parquet(part)
    with pytest.raises(QmsError, match="does not match outputs.sha256"):
        build_report(copy, language="en", generated_at=GENERATED_AT)


def test_the_dashboard_drill_down_reads_the_shards(checks):
    one, shards = SimpleNamespace(folder=checks.one), SimpleNamespace(folder=checks.shards)
    rules = pl.read_parquet(checks.one / "findings.parquet")["rule"].unique().sort().to_list()
    assert rules
    for rule in rules:
        total, rows = findings_of_rule(shards, rule, limit=10_000)
        expected_total, expected = findings_of_rule(one, rule, limit=10_000)
        assert total == expected_total and sorted(map(str, rows)) == sorted(map(str, expected))
    dossier_id = pl.read_parquet(checks.one / "findings.parquet")["dossier_id"][0]
    assert dossier_record(shards, dossier_id)[0] == dossier_record(one, dossier_id)[0]
