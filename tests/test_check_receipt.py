"""The check on a real public-administration log: the receipt phase of the WABO
environmental-permit process of a Dutch municipality (4TU.ResearchData, CoSeLoG
project; author J.C.A.M. Buijs), read with the `receipt` profile.

The procedure below is written for that receipt process: a limit in calendar days
and the log's `case:deadline` as the appointment date. The statuses are compared
with a count made in the test directly from the raw CSV."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import polars as pl
import pytest

from qms.calendar import WorkCalendar
from qms.check.api import run_check
from qms.check.documents import CheckDocuments
from qms.model.calendar import CalendarSettings
from qms.model.procedure import Procedure
from qms.model.ruleset import RuleSet

ZONE = "Europe/Amsterdam"


def receipt_documents(method: str = "appointment") -> CheckDocuments:
    procedure = Procedure.model_validate({
        "code": "WABO-RECEIPT", "issue": 1, "status": "approved", "effective_from": "2010-01-01",
        "title": {"vi": "Tiếp nhận hồ sơ cấp phép môi trường (WABO)", "en": "WABO permit application receipt"},
        "field": {"vi": "Môi trường", "en": "Environment"},
        "time_limit": {"amount": 56, "unit": "calendar_days"},
        "steps": [
            {"id": "received", "name": {"vi": "Xác nhận tiếp nhận", "en": "Confirmation of receipt"}, "unit": "Group 1"},
            {"id": "returned", "name": {"vi": "Kết thúc giai đoạn tiếp nhận", "en": "End of receipt phase"},
             "unit": "Group 1", "result": True},
        ],
    })
    ruleset = RuleSet.model_validate({
        "code": "RS-WABO", "issue": 1, "status": "approved", "effective_from": "2010-01-01",
        "title": {"vi": "Quy tắc kiểm tra nhật ký WABO"}, "classification_method": method,
        "rules": {"unexpected_step": {"enabled": False}},  # the log's T-activities are not step ids
    })
    settings = CalendarSettings.model_validate({
        "code": "NL", "issue": 1, "status": "approved", "effective_from": "2010-01-01",
        "title": {"vi": "Lịch Hà Lan", "en": "Netherlands"}, "timezone": ZONE, "country": "NL",
    })
    return CheckDocuments([procedure], [ruleset], WorkCalendar.from_settings(settings), settings)


@pytest.fixture(scope="module")
def raw(shared_data_dir) -> pl.DataFrame:
    instant = lambda c: pl.col(c).str.to_datetime("%Y-%m-%d %H:%M:%S%.f%:z", time_zone="UTC")  # noqa: E731
    return pl.read_csv(shared_data_dir / "receipt.csv", infer_schema=False).with_columns(
        instant("time:timestamp").alias("at"), instant("case:deadline").alias("deadline"),
        pl.when(pl.col("case:enddate") != "").then(instant("case:enddate")).alias("end"),
    )


@pytest.fixture(scope="module")
def result(shared_data_dir):
    return run_check(shared_data_dir / "receipt.csv", receipt_documents(), profile="receipt")


def expected_statuses(raw: pl.DataFrame) -> dict[str, int]:
    """Counted directly: finished = an end date by the latest event; late = end after
    the deadline; on time = ended on the deadline's day; open dossiers are overdue
    when the latest event is past the deadline."""
    as_of = raw["at"].max()
    cases = raw.group_by("case:concept:name").agg(pl.col("deadline").first(), pl.col("end").drop_nulls().first())
    local_day = lambda c: pl.col(c).dt.convert_time_zone(ZONE).dt.date()  # noqa: E731
    finished = pl.col("end").is_not_null() & (pl.col("end") <= pl.lit(as_of))
    status = (
        pl.when(finished & (pl.col("end") > pl.col("deadline"))).then(pl.lit("late"))
        .when(finished & (local_day("end") == local_day("deadline"))).then(pl.lit("on_time"))
        .when(finished).then(pl.lit("early"))
        .when(pl.lit(as_of) > pl.col("deadline")).then(pl.lit("open_overdue"))
        .otherwise(pl.lit("open_within_time"))
    )
    return dict(cases.select(status.alias("status")).group_by("status").len().iter_rows())


def test_every_case_is_a_dossier(result, raw):
    assert result.dossiers.height == raw["case:concept:name"].n_unique() == 1434
    assert result.summary.data_quality.rows_read == raw.height


def test_statuses_match_an_independent_count(result, raw):
    got = {k.value: v for k, v in result.summary.status_counts.items() if v}
    assert got == expected_statuses(raw)
    assert got.get("late", 0) > 0 and got.get("early", 0) > 0


def test_late_dossiers_are_those_finished_after_the_deadline(result, raw):
    late_ids = set(result.dossiers.filter(pl.col("status") == "late")["dossier_id"])
    cases = raw.group_by("case:concept:name").agg(pl.col("deadline").first(), pl.col("end").drop_nulls().first())
    counted = set(cases.filter(pl.col("end") > pl.col("deadline"))["case:concept:name"])
    assert late_ids == counted
    findings = result.findings.filter(pl.col("rule") == "finished_late")
    assert set(findings["dossier_id"]) == late_ids


def test_calendar_day_limit_sets_the_legal_due(result):
    # 56 days later by the wall clock; a due day that is not a working day moves to
    # the close of the next one (the calendar's rule for calendar-day limits)
    d = result.dossiers.filter(pl.col("received_at").is_not_null())
    gap = d["due_at"] - d["received_at"]
    assert gap.min() >= dt.timedelta(days=56) - dt.timedelta(hours=1)  # a DST change in between
    assert gap.max() < dt.timedelta(days=56 + 7)  # at worst a holiday week
    assert d["allowed_minutes"].unique().to_list() == [56 * 1440.0]
    assert d["appointment_at"].null_count() == 0  # the log's case:deadline


def test_working_time_method_counts_elapsed_days(shared_data_dir, raw):
    by_time = run_check(shared_data_dir / "receipt.csv", receipt_documents("working_time"), profile="receipt")
    assert by_time.summary.manifest.method.id == "working_time"
    finished = by_time.dossiers.filter(pl.col("finished_at").is_not_null())
    over = finished.filter(pl.col("used_minutes") > pl.col("allowed_minutes"))
    assert set(over["dossier_id"]) == set(finished.filter(pl.col("status") == "late")["dossier_id"])


def test_the_documented_library_checks_the_log_from_the_command_line(shared_data_dir, tmp_path, raw):
    """The YAML of docs/check.md, approved, and `qms check --profile receipt`."""
    import json
    import shutil

    from click.testing import CliRunner

    from qms.cli import main
    from qms.library.approve import approve
    from qms.core.resources import sample_library_dir

    library = tmp_path / "lib"
    (library / "procedures" / "WABO-RECEIPT").mkdir(parents=True)
    (library / "rulesets" / "RS-WABO").mkdir(parents=True)
    shutil.copytree(sample_library_dir() / "calendars", library / "calendars")
    (library / "procedures" / "WABO-RECEIPT" / "issue-1.yaml").write_text("""\
kind: procedure
code: WABO-RECEIPT
issue: 1
status: draft
effective_from: 2010-01-01
title: {vi: Tiếp nhận hồ sơ cấp phép môi trường (WABO), en: WABO permit application receipt}
field: {vi: Môi trường, en: Environment}
time_limit: {amount: 56, unit: calendar_days}
steps:
  - {id: received, name: {vi: Xác nhận tiếp nhận, en: Confirmation of receipt}, unit: Group 1}
  - {id: returned, name: {vi: Kết thúc giai đoạn tiếp nhận, en: End of receipt phase}, unit: Group 1, result: true}
""", encoding="utf-8")
    (library / "rulesets" / "RS-WABO" / "issue-1.yaml").write_text("""\
kind: ruleset
code: RS-WABO
issue: 1
status: draft
effective_from: 2010-01-01
title: {vi: Quy tắc kiểm tra nhật ký WABO}
classification_method: appointment
rules:
  unexpected_step: {enabled: false}
""", encoding="utf-8")
    for code in ("WABO-RECEIPT", "RS-WABO"):
        approve(code, 1, "Kiểm thử", path=library, on=dt.date(2010, 1, 1))
    result = CliRunner().invoke(main, ["--lang", "en", "check", str(shared_data_dir / "receipt.csv"), "--profile",
                                       "receipt", "--docs", str(library), "--out", str(tmp_path / "out"),
                                       "--format", "json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    counts = {k: v for k, v in summary["status_counts"].items() if v}
    # the Vietnamese sample calendar moves a due day off a Vietnamese holiday, which
    # does not change how dossiers compare with the log's own deadline
    assert counts == expected_statuses(raw)
    assert any("no calendar issue was in force" in w for w in summary["warnings"])
    assert summary["manifest"]["inputs"][0]["profile"] == "receipt"
