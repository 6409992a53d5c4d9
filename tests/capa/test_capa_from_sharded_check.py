"""NCs raised from a check in shards (`findings/part-K.parquet`) are those of the
same log checked in one process."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from qms.capa import raise_from_check
from qms.cli import main
from qms.library import load_library
from qms.synth import generate_log, write_events


def _check(log: Path, out: Path, root: Path, *extra: str) -> Path:
    result = CliRunner().invoke(main, ["--lang", "en", "check", str(log), "--docs", str(root), "--out", str(out),
                                       *extra])
    assert result.exit_code == 0, result.output
    return out


def test_ncs_raised_from_shards_are_those_of_one_process(db, workspace_config, tmp_path):
    library = load_library(None)
    log = tmp_path / "log.parquet"
    write_events(generate_log(library, 300, seed=1818, defect_rate=0.3).events, log, "parquet")
    shards = _check(log, tmp_path / "shards", library.root, "--partitions", "3", "--workers", "2")
    one = _check(log, tmp_path / "one", library.root, "--partitions", "1")
    from_shards = raise_from_check(db, workspace_config, "lan", shards)
    assert from_shards.raised and from_shards.findings > 0
    assert any(name.startswith("findings/part-") for name in from_shards.source_check["files"])
    # the same findings, grouped alike: the one-process folder raises and extends nothing
    from_one = raise_from_check(db, workspace_config, "lan", one)
    assert (from_one.findings, from_one.groups) == (from_shards.findings, from_shards.groups)
    assert from_one.raised == [] and from_one.extended == []
    assert from_one.unchanged == len(from_shards.raised)
