"""A log checked in shards gives what one process gives: `qms log partition`, the
local worker processes (`--partitions 4` and `7`), a Dask cluster of a scheduler and
two workers on loopback, a period that cuts across shards, and a shard that fails."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner
from polars.testing import assert_frame_equal

from qms.check.api import run_check
from qms.check.partitioned import ShardFailed, check_partitioned
from qms.check.sizing import BYTES_PER_EVENT, choose_partitions
from qms.cli import main
from qms.core.hashing import file_sha256
from qms.core.datasets import dataset_files
from qms.ingest.partition import partition_log, partition_of, stable_hash
from qms.library import load_library
from qms.synth import generate_log, write_events

PERIOD = ("2025-04-01", "2025-06-30")  # dossiers received before April and still open are carried over


@pytest.fixture(scope="module")
def library():
    return load_library(None)


@pytest.fixture(scope="module")
def log(tmp_path_factory, library) -> Path:
    generated = generate_log(library, 450, seed=1616, defect_rate=0.3)
    path = tmp_path_factory.mktemp("scale") / "log.parquet"
    write_events(generated.events, path, "parquet")
    return path


@pytest.fixture(scope="module")
def one_process(log, library):
    return run_check(log, library)


@pytest.fixture(scope="module")
def one_process_period(log, library):
    return run_check(log, library, period=PERIOD)


def _comparable(summary) -> dict:
    data = summary.model_dump(mode="json")
    data["manifest"].pop("generated_at")
    data["manifest"].pop("inputs")  # the log, or every shard of a dataset: asserted apart
    return data


def _assert_same_as_one_process(out: Path, single, quality: bool = True) -> None:
    dossiers = pl.read_parquet(sorted((out / "dossiers").glob("*.parquet"))).sort("dossier_id")
    findings = pl.read_parquet(sorted((out / "findings").glob("*.parquet")))
    assert_frame_equal(dossiers, single.dossiers.sort("dossier_id"))
    order = ["dossier_id", "rule", "step", "expected", "actual"]
    assert_frame_equal(findings.sort(order, nulls_last=True), single.findings.sort(order, nulls_last=True))
    merged = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    from qms.model.check_output import CheckSummary

    merged, expected = _comparable(CheckSummary.model_validate(merged)), _comparable(single.summary)
    if not quality:  # a dataset's data-quality counts stay with its partitioning (docs/scale.md)
        merged.pop("data_quality"), expected.pop("data_quality")
    assert merged == expected


def test_stable_hash_is_fnv1a_of_the_utf8_bytes():
    # published FNV-1a 64-bit test vectors
    assert stable_hash(["", "a", "foobar"]).tolist() == [0xCBF29CE484222325, 0xAF63DC4C8601EC8C, 0x85944171F73967E8]
    ids = ["000.00.25.H40-250102-00001", "hồ sơ-1", "x" * 40, "b"]
    one_by_one = [int(stable_hash([i])[0]) for i in ids]
    assert stable_hash(ids).tolist() == one_by_one  # ids of different lengths together
    assert partition_of(ids, 7).tolist() == [h % 7 for h in one_by_one]


def test_partition_a_csv_through_ingest_keeps_every_dossier_whole(tmp_path, library):
    generated = generate_log(library, 200, seed=5)
    write_events(generated.events, tmp_path / "log.csv", "csv")
    result = CliRunner().invoke(main, ["--lang", "en", "log", "partition", str(tmp_path / "log.csv"),
                                       "--out", str(tmp_path / "ds"), "--partitions", "3"])
    assert result.exit_code == 0, result.output
    assert f"Wrote {generated.events.height:,} events in 3 parts" in result.output
    # a hive dataset: polars reads the part number from the folder names
    back = pl.read_parquet(tmp_path / "ds" / "**" / "*.parquet", hive_partitioning=True)
    assert back.height == generated.events.height
    assert back.group_by("dossier_id").agg(pl.col("part").n_unique())["part"].max() == 1
    expected = partition_of(back["dossier_id"].to_arrow(), 3)
    assert back["part"].cast(pl.Int64).to_list() == expected.tolist()
    meta = json.loads((tmp_path / "ds" / "_partitioning.json").read_text(encoding="utf-8"))
    assert meta["hash"].startswith("fnv1a64") and meta["source"]["profile"] == "canonical"
    for entry in meta["files"]:
        assert file_sha256(tmp_path / "ds" / entry["path"]) == entry["sha256"]
    columns = generated.events.columns  # ingest adds the source row number
    assert sorted(back.select(columns).rows()) == sorted(generated.events.rows())


def test_partition_refuses_a_folder_in_use(tmp_path, log):
    (tmp_path / "ds").mkdir()
    (tmp_path / "ds" / "other.txt").write_text("x")
    result = CliRunner().invoke(main, ["--lang", "en", "log", "partition", str(log), "--out", str(tmp_path / "ds"),
                                       "-n", "2"])
    assert result.exit_code == 1 and "not empty" in result.output and "Traceback" not in result.output


def test_four_shards_in_worker_processes(tmp_path, log, library, one_process):
    done = check_partitioned(log, library, out=tmp_path / "out", partitions=4, workers=2)
    _assert_same_as_one_process(tmp_path / "out", one_process)
    manifest = json.loads((tmp_path / "out" / "shards.json").read_text(encoding="utf-8"))
    assert [s["shard"] for s in manifest["shards"]] == [0, 1, 2, 3]
    for shard in manifest["shards"]:
        for name in ("dossiers", "findings"):
            assert file_sha256(tmp_path / "out" / shard[name]["path"]) == shard[name]["sha256"]
    assert sum(s["dossiers"]["rows"] for s in manifest["shards"]) == one_process.dossiers.height
    assert done.summary.manifest.inputs[0].sha256 == file_sha256(log)


def test_seven_shards_of_a_dataset_with_a_period_across_them(tmp_path, log, library, one_process_period):
    assert one_process_period.summary.totals.carried_over > 0
    partition_log(log, tmp_path / "ds", 7)
    result = CliRunner().invoke(main, ["--lang", "en", "check", str(tmp_path / "ds"), "--docs", str(library.root),
                                       "--from", PERIOD[0], "--to", PERIOD[1], "--out", str(tmp_path / "out"),
                                       "--workers", "2", "--csv"])
    assert result.exit_code == 0, result.output
    _assert_same_as_one_process(tmp_path / "out", one_process_period)
    csv = pl.read_csv(tmp_path / "out" / "dossiers.csv", infer_schema=False)
    assert sorted(csv["dossier_id"]) == sorted(one_process_period.dossiers["dossier_id"])
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert len(summary["manifest"]["inputs"]) == 7  # every shard with its hash


def test_a_dataset_checked_in_one_process_is_the_same_log(tmp_path, log, library, one_process):
    partition_log(log, tmp_path / "ds", 3)
    files = dataset_files(tmp_path / "ds")
    assert len(files) == 3
    result = run_check(str(tmp_path / "ds" / "part=*" / "*.parquet"), library)
    assert_frame_equal(result.dossiers.sort("dossier_id"), one_process.dossiers.sort("dossier_id"))


def test_a_failing_shard_is_named_and_nothing_is_written(tmp_path, log, library, one_process):
    partition_log(log, tmp_path / "ds", 4)
    broken = tmp_path / "ds" / "part=2" / "data.parquet"
    data = bytearray(broken.read_bytes())
    data[4:400] = b"\xff" * 396  # the first column chunk's pages: the footer (schema) still reads
    broken.write_bytes(bytes(data))
    as_of = one_process.summary.manifest.as_of
    from qms.core.i18n import use_language

    with pytest.raises(ShardFailed, match=r"shard 2 \(.*part=2") as failure, use_language("en"):
        check_partitioned(tmp_path / "ds", library, out=tmp_path / "out", as_of=as_of, workers=2)
    assert "1 of 4 shards failed" in str(failure.value)
    assert not (tmp_path / "out" / "summary.json").exists()
    assert not (tmp_path / "out" / "dossiers").exists()
    assert [p.name for p in (tmp_path / "out").iterdir()] == []  # staging removed


def test_one_process_when_the_log_fits(log):
    assert choose_partitions(log, workers=2) == 1
    events = pl.scan_parquet(log).select(pl.len()).collect().item()
    # with 1 MB of memory the same log needs shards, enough for two workers at a time
    assert choose_partitions(log, workers=2, memory=1_000_000) >= max(2, events * BYTES_PER_EVENT // 500_000)


# -- Dask ---------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory):
    """`dask scheduler` and two `dask worker` processes on 127.0.0.1."""
    from dask.distributed import Client

    dask = str(Path(sys.executable).parent / "dask")
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    folder = tmp_path_factory.mktemp("dask")
    processes = [subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", str(port),
                                   "--no-dashboard"], cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    for _ in range(2):
        processes.append(subprocess.Popen([dask, "worker", address, "--nthreads", "1", "--no-dashboard",
                                           "--no-nanny", "--host", "127.0.0.1", "--local-directory", str(folder)], cwd=folder,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with Client(address, timeout="5s") as client:
                    client.wait_for_workers(2, timeout=60)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield address
    finally:
        for process in processes:  # throwaway processes: no graceful shutdown to wait for
            process.kill()
            process.wait(timeout=30)


def test_dask_cluster_gives_the_same_tables(tmp_path, log, library, one_process_period, dask_cluster):
    partition_log(log, tmp_path / "ds", 5)
    result = CliRunner().invoke(main, ["--lang", "en", "check", str(tmp_path / "ds"), "--docs", str(library.root),
                                       "--from", PERIOD[0], "--to", PERIOD[1], "--out", str(tmp_path / "out"),
                                       "--engine", "dask", "--scheduler", dask_cluster])
    assert result.exit_code == 0, result.output
    _assert_same_as_one_process(tmp_path / "out", one_process_period)
    manifest = json.loads((tmp_path / "out" / "shards.json").read_text(encoding="utf-8"))
    assert manifest["engine"] == "dask" and len(manifest["shards"]) == 5


def test_dask_failing_shard_fails_the_check(tmp_path, log, library, one_process, dask_cluster):
    partition_log(log, tmp_path / "ds", 3)
    broken = tmp_path / "ds" / "part=1" / "data.parquet"
    data = bytearray(broken.read_bytes())
    data[4:400] = b"\xff" * 396
    broken.write_bytes(bytes(data))
    result = CliRunner().invoke(main, ["--lang", "en", "check", str(tmp_path / "ds"), "--docs", str(library.root),
                                       "--as-of", one_process.summary.manifest.as_of.isoformat(),
                                       "--out", str(tmp_path / "out"), "--engine", "dask", "--scheduler", dask_cluster])
    assert result.exit_code == 1, result.output
    assert "shard 1" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "out" / "summary.json").exists()


def test_a_dataset_keeps_its_own_shards(tmp_path, log, library):
    partition_log(log, tmp_path / "ds", 3)
    result = CliRunner().invoke(main, ["--lang", "en", "check", str(tmp_path / "ds"), "--docs", str(library.root),
                                       "--out", str(tmp_path / "out"), "--partitions", "5"])
    assert result.exit_code == 1, result.output
    assert "dataset of 3 files" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "out" / "summary.json").exists()


@pytest.fixture(scope="module")
def silent_profile(tmp_path_factory) -> Path:
    """The canonical profile without its `concepts`: the log's own events then say
    whether the source system records apologies."""
    from qms.ingest.profiles import shipped_profiles

    text = shipped_profiles()["canonical"].read_text(encoding="utf-8")
    text = text.replace("profile: canonical", "profile: canonical-silent")
    text = "\n".join(line for line in text.splitlines() if not line.startswith("concepts:")) + "\n"
    path = tmp_path_factory.mktemp("profile") / "silent.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def events(log) -> pl.DataFrame:
    return pl.read_parquet(log)


def _late_without_apology(result) -> int:
    return result.findings.filter(pl.col("rule") == "late_without_apology").height


def test_a_log_without_apologies_is_judged_alike_in_every_shard(tmp_path, events, library, silent_profile):
    source = tmp_path / "log.csv"
    write_events(events.filter(pl.col("step") != "apology_issued"), source, "csv")
    single = run_check(source, library, profile=str(silent_profile))
    assert _late_without_apology(single) == 0 and any("late_without_apology" in w for w in single.summary.warnings)
    check_partitioned(source, library, out=tmp_path / "out", profile=str(silent_profile), partitions=3, workers=2,
                      as_of=single.summary.manifest.as_of)
    _assert_same_as_one_process(tmp_path / "out", single)


def test_a_shard_without_apologies_decides_like_the_whole_log(tmp_path, events, library, silent_profile):
    # apologies only in the dossiers of part 0: parts 1 and 2 hold none, the log does
    part = pl.Series(partition_of(events["dossier_id"], 3))
    kept = events.filter((pl.col("step") != "apology_issued") | (part == 0))
    source = tmp_path / "log.csv"
    write_events(kept, source, "csv")
    single = run_check(source, library, profile=str(silent_profile))
    apologies = kept.filter(pl.col("step") == "apology_issued")["dossier_id"]
    assert apologies.len() > 0 and set(partition_of(apologies, 3).tolist()) == {0}
    assert _late_without_apology(single) > 0
    as_of = single.summary.manifest.as_of
    check_partitioned(source, library, out=tmp_path / "out", profile=str(silent_profile), partitions=3, workers=2,
                      as_of=as_of)
    _assert_same_as_one_process(tmp_path / "out", single)
    # a dataset partitioned through the profile remembers what it declares
    partition_log(source, tmp_path / "ds", 3, profile=str(silent_profile))
    check_partitioned(tmp_path / "ds", library, out=tmp_path / "out-ds", workers=2, as_of=as_of)
    _assert_same_as_one_process(tmp_path / "out-ds", single, quality=False)


def test_a_dataset_of_a_source_that_records_no_apology_keeps_the_profiles_word(tmp_path, events, library):
    # the receipt profile declares apologies absent; the dataset's canonical Parquet cannot say so
    from qms.ingest.partition import PARTITIONING_FILE

    source = tmp_path / "log.parquet"
    write_events(events, source, "parquet")
    partition_log(source, tmp_path / "ds", 2)
    described = json.loads((tmp_path / "ds" / PARTITIONING_FILE).read_text(encoding="utf-8"))
    described["source"]["concepts"] = {"apology": "absent"}
    (tmp_path / "ds" / PARTITIONING_FILE).write_text(json.dumps(described), encoding="utf-8")
    single = run_check(source, library, absent_concepts={"apology"})
    assert any("late_without_apology" in w for w in single.summary.warnings)
    check_partitioned(tmp_path / "ds", library, out=tmp_path / "out", workers=2, as_of=single.summary.manifest.as_of)
    _assert_same_as_one_process(tmp_path / "out", single)
