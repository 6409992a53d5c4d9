"""The report model takes every figure from the check outputs, exactly, and adds only derived indicators."""

import datetime as dt
import json

import polars as pl
import pytest

from qms.core.errors import QmsError
from qms.model.check_output import CheckSummary
from qms.report import build_report
from qms.report.collation import vietnamese_key
from report_support import sample_workspace_config, write_check_output

GENERATED = dt.datetime(2025, 4, 2, 3, 0, tzinfo=dt.timezone.utc)


@pytest.fixture(scope="module")
def check_dir(tmp_path_factory):
    return write_check_output(tmp_path_factory.mktemp("check"), 300)


@pytest.fixture(scope="module")
def previous_dir(tmp_path_factory):
    return write_check_output(tmp_path_factory.mktemp("previous"), 250, seed=11,
                              period_from=dt.date(2024, 10, 1), period_to=dt.date(2024, 12, 31))


@pytest.fixture(scope="module")
def summary(check_dir):
    return CheckSummary.model_validate_json((check_dir / "summary.json").read_text(encoding="utf-8"))


def test_form06_rows_are_the_summary_figures(check_dir, summary):
    model = build_report(check_dir, generated_at=GENERATED)
    total = model.form06[-1]
    assert total.level == 0
    for column, value in total.counts.items():
        assert value == getattr(summary.totals, column)
    fields = [row for row in model.form06 if row.level == 1]
    assert {row.key for row in fields} == {group.key for group in summary.by_field}
    # Vietnamese alphabetical order, the unknown field last: "Đất đai" between D and H, not after X.
    known = [row.label for row in fields if row.key != "?"]
    assert known == sorted(known, key=vietnamese_key) and fields[-1].key == "?"
    assert known.index("Đất đai") < known.index("Hộ tịch")
    procedures = {row.key: row for row in model.form06 if row.level == 2}
    assert set(procedures) == {group.key for group in summary.by_procedure}
    for group in summary.by_procedure:
        assert procedures[group.key].counts["resolved_late"] == group.resolved_late
    # A procedure with no field sits under the check's "?" group, named for people.
    unknown = next(index for index, row in enumerate(model.form06) if row.key == "9.999999")
    parent = next(row for row in reversed(model.form06[:unknown]) if row.level == 1)
    assert parent.key == "?" and parent.label == "(không rõ lĩnh vực)"
    # Procedures sit under their own field and are numbered within it ("2.1").
    for row in model.form06:
        if row.level == 2:
            assert row.number.split(".")[0] in {field.number for field in fields}


def test_indicators_against_targets_and_previous_period(check_dir, previous_dir, summary):
    config = sample_workspace_config()
    previous = CheckSummary.model_validate_json((previous_dir / "summary.json").read_text(encoding="utf-8"))
    model = build_report(check_dir, config=config, previous_summary=previous_dir / "summary.json",
                         generated_at=GENERATED)
    by_key = {indicator.key: indicator for indicator in model.indicators}
    on_time = by_key["on_time_rate"]
    assert on_time.value == summary.totals.on_time_rate
    assert on_time.target == 0.9 and on_time.meets_target == (summary.totals.on_time_rate >= 0.9)
    assert on_time.previous == previous.totals.on_time_rate
    assert on_time.change == pytest.approx(summary.totals.on_time_rate - previous.totals.on_time_rate)
    online = by_key["online_share"]
    totals = summary.totals
    assert online.value == totals.received_online / (totals.received_online + totals.received_in_person_or_postal)
    overdue = by_key["in_progress_overdue"]
    assert overdue.value == totals.in_progress_overdue
    assert overdue.target_rule == "at_most" and overdue.meets_target == (totals.in_progress_overdue <= 5)
    assert model.previous_period == (dt.date(2024, 10, 1), dt.date(2024, 12, 31))
    assert [person.name for person in model.signatories] == ["Nguyễn Văn An", "Trần Thị Bích", "Lê Đức Cường"]
    assert model.organisation == "Trung tâm Phục vụ hành chính công tỉnh Hà Nam"
    # Unit names come from the workspace configuration.
    assert "Phòng Tư pháp" in [row.label for row in model.by_unit]


def test_late_list_is_every_late_and_overdue_dossier_worst_first(check_dir, summary):
    model = build_report(check_dir, generated_at=GENERATED, pdf_late_cap=10)
    expected = summary.status_counts["late"] + summary.status_counts["open_overdue"]
    assert model.late_dossiers_total == expected == model.late_dossiers.height
    assert len(model.late_dossiers_shown) == 10
    late_days = [row["days_overdue"] for row in model.late_dossiers_shown if row["status"] == "late"]
    known = [day for day in late_days if day is not None]
    assert late_days == known + [None] * (len(late_days) - len(known))  # within the legal limit: last
    assert known == sorted(known, reverse=True) and known
    assert all(day > 0 for day in known)


def test_same_inputs_give_the_same_figures_and_manifest(check_dir):
    first = build_report(check_dir, generated_at=GENERATED)
    second = build_report(check_dir, generated_at=GENERATED)
    assert first.report_id == second.report_id
    assert first.manifest_json == second.manifest_json
    later = build_report(check_dir)  # only the generation time differs
    assert later.figures_sha256 == first.figures_sha256
    assert later.manifest["check_outputs"] == first.manifest["check_outputs"]
    files = {item["file"] for item in first.manifest["check_outputs"]}
    assert files == {"summary.json", "dossiers.parquet", "findings.parquet"}


def test_mismatched_files_are_reported_not_hidden(tmp_path, check_dir):
    for name in ("summary.json", "findings.parquet"):
        (tmp_path / name).write_bytes((check_dir / name).read_bytes())
    pl.read_parquet(check_dir / "dossiers.parquet").head(10).write_parquet(tmp_path / "dossiers.parquet")
    model = build_report(tmp_path, generated_at=GENERATED)
    assert any("dossiers.parquet" in warning for warning in model.warnings)


def test_naive_timestamps_are_read_as_utc(tmp_path, check_dir):
    for name in ("summary.json", "findings.parquet"):
        (tmp_path / name).write_bytes((check_dir / name).read_bytes())
    dossiers = pl.read_parquet(check_dir / "dossiers.parquet")
    naive = dossiers.with_columns(pl.col(column).dt.replace_time_zone(None) for column in
                                  ("received_at", "counting_start_at", "appointment_at", "due_at", "finished_at"))
    naive.write_parquet(tmp_path / "dossiers.parquet")
    assert build_report(tmp_path, generated_at=GENERATED).late_dossiers_shown == \
        build_report(check_dir, generated_at=GENERATED).late_dossiers_shown


def test_bad_inputs_name_the_file(tmp_path, check_dir):
    with pytest.raises(QmsError, match="not a directory"):
        build_report(tmp_path / "absent")
    (tmp_path / "summary.json").write_text(json.dumps({"totals": {}}), encoding="utf-8")
    with pytest.raises(QmsError, match=r"summary\.json: not a qms check summary: manifest"):
        build_report(tmp_path)
    (tmp_path / "summary.json").write_bytes((check_dir / "summary.json").read_bytes())
    with pytest.raises(QmsError, match=r"dossiers\.parquet: missing"):
        build_report(tmp_path)
    (tmp_path / "dossiers.parquet").write_text("dossier_id\nHS-1\n", encoding="utf-8")
    with pytest.raises(QmsError, match=r"dossiers\.parquet: not a readable Parquet file"):
        build_report(tmp_path)
    pl.DataFrame({"dossier_id": ["x"]}).write_parquet(tmp_path / "dossiers.parquet")
    with pytest.raises(QmsError, match=r"dossiers\.parquet: missing column\(s\) procedure_code"):
        build_report(tmp_path)


def test_an_approved_report_needs_an_approver_with_the_approving_role(check_dir):
    config = sample_workspace_config()
    with pytest.raises(QmsError, match="--user"):
        build_report(check_dir, status="approved", config=config)
    with pytest.raises(QmsError, match="lãnh đạo|manager"):  # a quality officer may prepare, not approve
        build_report(check_dir, status="approved", config=config, approved_by="nguyenvana")
    with pytest.raises(QmsError, match="nobody"):
        build_report(check_dir, status="approved", config=config, approved_by="nobody")
    model = build_report(check_dir, status="approved", config=config, approved_by="tranthib",
                         generated_at=GENERATED)
    assert not model.is_draft
    # The approving user signs, not whoever qms.yaml names by default; the time is recorded.
    assert model.approved_by.name == "Trần Thị Bích" and model.signatories[-1].name == "Trần Thị Bích"
    assert model.approved_at == GENERATED
    assert model.manifest["report"]["approved_by"] == "tranthib"
    assert model.manifest["report"]["approved_at"] == GENERATED.isoformat()
    draft = build_report(check_dir, config=config, generated_at=GENERATED)
    assert draft.approved_by is None and draft.manifest["report"]["approved_by"] is None
