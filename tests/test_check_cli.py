"""`qms check` from the command line: outputs, formats, defaults and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from check_support import approved_sample_library
from qms.cli import main
from qms.model.check_output import CheckSummary
from qms.synth import generate_log
from qms.synth.output import write_events


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli")
    library = approved_sample_library()
    log = generate_log(library, 300, seed=5, defect_rate=0.3)
    write_events(log.events, folder / "log.parquet", "parquet")
    write_events(log.events, folder / "log.csv", "csv")
    return folder, str(library.root), log


def run(*args):
    result = CliRunner().invoke(main, ["--lang", "en", "check", *args])
    return result


def test_text_summary_and_outputs(setup, tmp_path):
    folder, docs, _log = setup
    result = run(str(folder / "log.parquet"), "--docs", docs, "--out", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    assert "method: against the appointment" in result.output
    assert "On-time rate:" in result.output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "dossiers.parquet", "findings.parquet", "outputs.sha256", "summary.json"]


def test_csvs_only_when_asked(setup, tmp_path):
    folder, docs, _log = setup
    result = run(str(folder / "log.parquet"), "--docs", docs, "--out", str(tmp_path / "out"), "--csv")
    assert result.exit_code == 0, result.output
    for name in ("dossiers.parquet", "dossiers.csv", "findings.parquet", "findings.csv", "summary.json"):
        assert (tmp_path / "out" / name).is_file()
    assert "out/dossiers.csv" in result.output


def test_vietnamese_summary_uses_vietnamese_number_formats(setup, tmp_path, monkeypatch):
    from qms.core import i18n

    monkeypatch.setattr(i18n, "_current_language", i18n._current_language)  # the root sets it process-wide
    folder, docs, _log = setup
    result = CliRunner().invoke(main, ["--lang", "vi", "check", str(folder / "log.parquet"), "--docs", docs,
                                       "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    summary = CheckSummary.model_validate_json((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    rate = f"{summary.totals.on_time_rate * 100:.1f}".replace(".", ",")
    assert f"Tỷ lệ trước và đúng hạn: {rate} %" in result.output  # "95,9 %", not "95.9 %"


def test_json_summary_is_the_check_summary(setup, tmp_path):
    folder, docs, log = setup
    result = run(str(folder / "log.parquet"), "--docs", docs, "--out", str(tmp_path), "--format", "json")
    assert result.exit_code == 0, result.output
    summary = CheckSummary.model_validate_json(result.output)
    assert summary.totals.received_total == log.events["dossier_id"].n_unique()
    # default as-of: the latest event of the log
    assert summary.manifest.as_of == log.events["at"].max()
    assert summary.manifest.inputs[0].profile == "canonical"


def test_csv_and_parquet_give_the_same_tables(setup, tmp_path):
    folder, docs, _log = setup
    for fmt in ("csv", "parquet"):
        assert run(str(folder / f"log.{fmt}"), "--docs", docs, "--out", str(tmp_path / fmt)).exit_code == 0
    for table in ("dossiers", "findings"):
        a = pl.read_parquet(tmp_path / "csv" / f"{table}.parquet")
        b = pl.read_parquet(tmp_path / "parquet" / f"{table}.parquet")
        assert a.equals(b), table


def test_period_and_as_of(setup, tmp_path):
    folder, docs, _log = setup
    result = run(str(folder / "log.parquet"), "--docs", docs, "--out", str(tmp_path), "--format", "json",
                 "--from", "2025-04-01", "--to", "2025-06-30")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["manifest"]["period_from"] == "2025-04-01"
    assert summary["manifest"]["as_of"].startswith("2025-06-30T16:59:59")  # end of the day in Hanoi
    totals = summary["totals"]
    assert totals["carried_over"] > 0
    assert totals["received_total"] == totals["resolved_total"] + totals["in_progress_total"]


@pytest.mark.parametrize("args", [
    [],                                    # no LOG
    ["log.parquet"],                       # no --out
    ["log.parquet", "--out", "x", "--from", "2025-01-01"],  # --from without --to
    ["log.parquet", "--out", "x", "--format", "xml"],
])
def test_usage_errors_exit_2(setup, args):
    folder, _docs, _log = setup
    args = [str(folder / a) if a == "log.parquet" else a for a in args]
    assert run(*args).exit_code == 2


def test_invalid_inputs_exit_1_without_traceback(setup, tmp_path):
    folder, docs, _log = setup
    missing = run(str(tmp_path / "nope.csv"), "--docs", docs, "--out", str(tmp_path))
    assert missing.exit_code == 1 and "nope.csv" in missing.output and "Traceback" not in missing.output
    foreign = tmp_path / "foreign.csv"
    foreign.write_text("case,activity,time\n1,a,2024-01-01\n", encoding="utf-8")
    result = run(str(foreign), "--docs", docs, "--out", str(tmp_path))
    assert result.exit_code == 1 and "profile" in result.output
    unknown_profile = run(str(folder / "log.csv"), "--docs", docs, "--profile", "nope", "--out", str(tmp_path))
    assert unknown_profile.exit_code == 1
    bad_as_of = run(str(folder / "log.csv"), "--docs", docs, "--as-of", "yesterday", "--out", str(tmp_path))
    assert bad_as_of.exit_code == 1 and "yesterday" in bad_as_of.output
    for result in (missing, unknown_profile, bad_as_of):
        assert isinstance(result.exception, SystemExit)  # a handled error, not a crash


def test_a_canonical_csv_with_a_bad_row_goes_through_ingest_and_the_row_is_counted(setup, tmp_path):
    folder, docs, log = setup
    lines = (folder / "log.csv").read_text(encoding="utf-8").splitlines()
    fields = lines[1].split(",")
    fields[lines[0].split(",").index("at")] = "not a time"
    lines[1] = ",".join(fields)
    broken = tmp_path / "broken.csv"
    broken.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run(str(broken), "--docs", docs, "--out", str(tmp_path / "out"), "--format", "json")
    assert result.exit_code == 0, result.output
    quality = json.loads(result.output)["data_quality"]
    assert quality["rows_read"] == log.events.height
    assert quality["rows_rejected"] == 1


def _check_in_a_fresh_process(folder, docs, cwd, out) -> tuple[str, list[str]]:
    """Run `qms check` as a user does, in its own interpreter: (stderr, the heavy
    packages it imported)."""
    import os
    import subprocess
    import sys

    code = ("import json, sys\nfrom qms.cli import main\ntry:\n"
            f"    main(['--lang', 'en', 'check', {str(folder / 'log.csv')!r}, '--docs', {docs!r}, '--out', {str(out)!r}])\n"
            "except SystemExit as end:\n    assert not end.code, end.code\n"
            "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules} & {'alembic', 'sqlalchemy', 'lxml', "
            "'openpyxl', 'weasyprint', 'distributed', 'dask', 'starlette', 'jinja2'})))")
    env = {key: value for key, value in os.environ.items() if key != "QMS_DATABASE_URL"}
    result = subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stderr, json.loads(result.stdout.strip().splitlines()[-1])


def test_a_check_loads_only_what_it_uses(setup, tmp_path):
    """Start-up (issue 16): outside a workspace a check loads no database, XML, Excel,
    PDF, cluster or web library; inside one it loads SQLAlchemy to register the run,
    and Alembic only when the database is not yet at the newest revision."""
    folder, docs, _log = setup
    assert _check_in_a_fresh_process(folder, docs, tmp_path, tmp_path / "alone")[1] == []
    assert CliRunner().invoke(main, ["init", str(tmp_path / "ws")]).exit_code == 0
    first, loaded = _check_in_a_fresh_process(folder, docs, tmp_path / "ws", tmp_path / "first")
    assert "Registered as check run 1" in first and loaded == ["alembic", "sqlalchemy"]  # the schema created
    second, loaded = _check_in_a_fresh_process(folder, docs, tmp_path / "ws", tmp_path / "second")
    assert "Registered as check run 2" in second and loaded == ["sqlalchemy"]  # at head: no Alembic
