"""Outputs under a kill (issue 11 §5-6): a process killed at several points leaves
the old file intact or the new one complete; a check folder is one set, and a set
left incomplete is refused by `report --from-check`; CSVs for people carry no
live formulas, while Parquet keeps the exact text."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys

import polars as pl
import pytest
from click.testing import CliRunner

from qms.cli import main
from qms.core.output_set import MANIFEST, verify_set
from qms.core.errors import QmsError

# Runs the CLI with os.replace patched to SIGKILL the process at its Nth call: a
# real kill, at a point the test chooses (a timer would be flaky).
KILL_AT_REPLACE = """
import os, signal, sys
target, calls, real = int(sys.argv[1]), [0], os.replace
def replace(source, destination):
    calls[0] += 1
    if calls[0] == target:
        os.kill(os.getpid(), signal.SIGKILL)
    return real(source, destination)
os.replace = replace
from qms.cli import main
main(["--lang", "en", *sys.argv[2:]])
"""


HOSTILE = '=HYPERLINK("http://x","y")'


def killed_at(replace_call: int, *args) -> int:
    process = subprocess.run([sys.executable, "-c", KILL_AT_REPLACE, str(replace_call), *map(str, args)],
                             capture_output=True, timeout=300)
    return process.returncode


@pytest.fixture(scope="module")
def checked(tmp_path_factory):
    from check_support import approved_sample_library
    from qms.synth import generate_log
    from qms.synth.output import write_events

    folder = tmp_path_factory.mktemp("kill")
    library = approved_sample_library()
    events = generate_log(library, 40, seed=3, defect_rate=0.3).events
    first = events["dossier_id"][0]
    events = events.with_columns(  # a dossier whose procedure code is formula text
        pl.when(pl.col("dossier_id") == first).then(pl.lit(HOSTILE)).otherwise(pl.col("procedure_code"))
        .alias("procedure_code"))
    write_events(events, folder / "log.parquet", "parquet")
    out = folder / "out"
    result = CliRunner().invoke(main, ["--lang", "en", "check", str(folder / "log.parquet"), "--docs",
                                       str(library.root), "--out", str(out), "--csv"])
    assert result.exit_code == 0, result.output
    return folder, library, out


def test_a_check_folder_is_one_verified_set_with_the_umask_mode(checked):
    _folder, _library, out = checked
    assert verify_set(out, ["dossiers.parquet", "findings.parquet", "summary.json"])
    listed = (out / MANIFEST).read_text().splitlines()
    assert sorted(line.split("  ")[1] for line in listed) == [
        "dossiers.csv", "dossiers.parquet", "findings.csv", "findings.parquet", "summary.json"]
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE((out / "dossiers.csv").stat().st_mode) == 0o666 & ~umask
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize("kill_at", [1, 6])  # the first file; all files but the manifest
def test_a_check_killed_while_writing_is_refused_by_the_report(checked, tmp_path, kill_at):
    folder, library, out = checked
    target = tmp_path / "out"
    target.mkdir()
    for path in out.iterdir():
        (target / path.name).write_bytes(path.read_bytes())
    code = killed_at(kill_at, "check", folder / "log.parquet", "--docs", library.root, "--out", target, "--csv")
    assert code == -signal.SIGKILL
    with pytest.raises(QmsError, match="incomplete"):
        verify_set(target)
    result = CliRunner().invoke(main, ["--lang", "en", "report", "--from-check", str(target), "--xlsx",
                                       str(tmp_path / "r.xlsx")])
    assert result.exit_code == 1 and "incomplete" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "r.xlsx").exists()


def test_a_file_swapped_in_from_another_run_is_refused(checked, tmp_path):
    _folder, _library, out = checked
    target = tmp_path / "out"
    target.mkdir()
    for path in out.iterdir():
        (target / path.name).write_bytes(path.read_bytes())
    pl.read_parquet(target / "findings.parquet").head(1).write_parquet(target / "findings.parquet")
    with pytest.raises(QmsError, match="findings.parquet does not match"):
        verify_set(target)


def test_a_report_killed_before_its_rename_leaves_the_old_file_intact(checked, tmp_path):
    _folder, _library, out = checked
    old = tmp_path / "report.xlsx"
    old.write_bytes(b"the old report")
    code = killed_at(1, "report", "--from-check", out, "--xlsx", old)
    assert code == -signal.SIGKILL
    assert old.read_bytes() == b"the old report"
    assert not [p for p in tmp_path.iterdir() if p.is_dir()]  # no tmpXXXX/ left beside it
    result = CliRunner().invoke(main, ["--lang", "en", "report", "--from-check", str(out), "--xlsx", str(old)])
    assert result.exit_code == 0, result.output
    assert old.read_bytes().startswith(b"PK")
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(old.stat().st_mode) == 0o666 & ~umask  # was 0600


def test_csvs_for_people_are_guarded_and_parquet_keeps_the_exact_text(checked):
    _folder, _library, out = checked
    for name in ("dossiers", "findings"):
        exact = pl.read_parquet(out / f"{name}.parquet")
        text = pl.read_csv(out / f"{name}.csv", infer_schema=False)
        for column in (c for c, t in exact.schema.items() if t == pl.String):
            assert not text[column].drop_nulls().str.contains(r"^[=+\-@]").any(), (name, column)
    assert HOSTILE in pl.read_parquet(out / "dossiers.parquet")["procedure_code"].to_list()
    assert "'" + HOSTILE in pl.read_csv(out / "dossiers.csv", infer_schema=False)["procedure_code"].to_list()
