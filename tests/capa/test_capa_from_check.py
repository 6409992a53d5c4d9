"""Grouping check findings into nonconformities, and its idempotence."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
import pytest

from qms.capa import PermissionRefused, list_ncs, raise_from_check, show_nc
from qms.records import verify_register
from qms.core.errors import QmsError, ValidationFailed

def test_findings_become_one_nc_per_rule_procedure_unit_and_month(db, workspace_config, tmp_path, check_samples):
    cs = check_samples
    check = cs.write(tmp_path / "check", cs.findings(), cs.received)
    result = raise_from_check(db, workspace_config, "lan", check)
    groups = {(r.rule, r.unit, r.period): (r.dossiers, r.severity) for r in result.raised}
    assert groups == {
        ("finished_late", "TNMT", "2026-03"): (3, "major"),
        ("finished_late", "TNMT", "2026-04"): (1, "major"),
        ("finished_late", "TP", "2026-03"): (1, "major"),
        ("late_without_apology", "TNMT", "2026-03"): (2, "minor"),
    }  # the observation raised nothing
    march = next(r for r in list_ncs(db) if r.rule == "finished_late" and r.period == "2026-03"
                 and r.unit == "TNMT")
    shown = show_nc(db, march.code)
    assert [e.ref for e in shown.evidence_items] == ["HS-001", "HS-002", "HS-003"]
    assert (shown.source, shown.clause, shown.procedure_code, shown.state) == (
        "check", "8.5.1", "QT-01", "open")


def test_running_twice_raises_nothing_new(db, workspace_config, tmp_path, check_samples):
    cs = check_samples
    check = cs.write(tmp_path / "check", cs.findings(), cs.received)
    first = raise_from_check(db, workspace_config, "lan", check)
    entries = verify_register(db).entries
    second = raise_from_check(db, workspace_config, "lan", check)
    assert len(first.raised) == 4
    assert second.raised == [] and second.extended == [] and second.unchanged == 4
    assert len(list_ncs(db)) == 4 and verify_register(db).entries == entries


def test_a_later_check_adds_new_dossiers_to_the_existing_nc(db, workspace_config, tmp_path, check_samples):
    cs = check_samples
    raise_from_check(db, workspace_config, "lan", cs.write(tmp_path / "a", cs.findings(), cs.received))
    received = {**cs.received, "HS-006": dt.datetime(2026, 3, 20, 3, 0, tzinfo=cs.utc)}
    later = cs.write(tmp_path / "b", [*cs.findings(), cs.finding("HS-006")], received)
    result = raise_from_check(db, workspace_config, "lan", later)
    assert result.raised == [] and len(result.extended) == 1 and result.extended[0].added_dossiers == 1
    nc = show_nc(db, result.extended[0].code)
    assert nc.evidence.count == 4 and nc.history[-1].action == "add_evidence"
    assert verify_register(db).ok


def test_min_severity_major(db, workspace_config, tmp_path, check_samples):
    cs = check_samples
    check = cs.write(tmp_path / "check", cs.findings(), cs.received)
    result = raise_from_check(db, workspace_config, "lan", check, min_severity="major")
    assert {r.rule for r in result.raised} == {"finished_late"}


def test_findings_without_a_known_dossier_fall_in_an_unknown_period(db, workspace_config, tmp_path, check_samples):
    cs = check_samples
    check = cs.write(tmp_path / "check", [cs.finding("HS-999", unit=None)], cs.received)
    raised = raise_from_check(db, workspace_config, "lan", check).raised
    assert [(r.unit, r.period) for r in raised] == [("?", "?")]
    nc = show_nc(db, raised[0].code)
    assert nc.unit is None and nc.period is None and nc.evidence.count == 1


def test_bad_check_outputs_are_refused_with_the_reason(db, workspace_config, tmp_path, check_samples):
    cs = check_samples
    with pytest.raises(QmsError, match="not found"):
        raise_from_check(db, workspace_config, "lan", tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(QmsError, match="findings.parquet"):
        raise_from_check(db, workspace_config, "lan", tmp_path / "empty")
    partial = tmp_path / "partial"
    partial.mkdir()
    pl.DataFrame({"dossier_id": ["x"], "rule": ["finished_late"]}).write_parquet(partial / "findings.parquet")
    with pytest.raises(ValidationFailed, match="missing columns: severity"):
        raise_from_check(db, workspace_config, "lan", partial)
    wrong = cs.write(tmp_path / "wrong", [cs.finding("HS-001"), cs.finding("HS-002", severity="critical")], cs.received)
    with pytest.raises(ValidationFailed, match="row 2: rule 'finished_late', severity 'critical'"):
        raise_from_check(db, workspace_config, "lan", wrong)
    with pytest.raises(PermissionRefused):
        raise_from_check(db, workspace_config, "mai", wrong)
    assert list_ncs(db) == []


def test_csv_check_outputs_keep_dossier_ids_as_text(db, workspace_config, tmp_path, check_samples):
    cs = check_samples
    folder = tmp_path / "csv-check"
    folder.mkdir()
    findings = [cs.finding("000123"), cs.finding("000124"), cs.finding("000123", rule="late_without_apology",
                                                                       severity="minor")]
    pl.DataFrame(findings).write_csv(folder / "findings.csv")
    pl.DataFrame({"dossier_id": ["000123", "000124"],
                  "received_at": ["2026-05-04T08:00:00+07:00", "2026-05-31T23:30:00+07:00"]}).write_csv(
        folder / "dossiers.csv")
    raised = raise_from_check(db, workspace_config, "lan", folder).raised
    assert sorted((r.rule, r.period, r.dossiers) for r in raised) == [
        ("finished_late", "2026-05", 2), ("late_without_apology", "2026-05", 1)]
    late = next(r for r in raised if r.rule == "finished_late")
    assert [e.ref for e in show_nc(db, late.code).evidence_items] == ["000123", "000124"]


def test_grouping_by_quarter_or_year(db, workspace_config, tmp_path, check_samples):
    cs = check_samples
    check = cs.write(tmp_path / "check", cs.findings(), cs.received)
    quarters = raise_from_check(db, workspace_config, "lan", check, period="quarter").raised
    assert sorted((r.rule, r.unit, r.period, r.dossiers) for r in quarters) == [
        ("finished_late", "TNMT", "2026-Q1", 3), ("finished_late", "TNMT", "2026-Q2", 1),
        ("finished_late", "TP", "2026-Q1", 1), ("late_without_apology", "TNMT", "2026-Q1", 2)]
    with pytest.raises(QmsError, match="period"):
        raise_from_check(db, workspace_config, "lan", check, period="week")


def test_a_dossier_is_raised_once_whatever_the_grouping(db, workspace_config, tmp_path, check_samples):
    # by quarter first, then by month and by year on the same check: the dossiers are
    # already evidence of an NC for their rule, procedure and unit, so nothing new
    cs = check_samples
    check = cs.write(tmp_path / "check", cs.findings(), cs.received)
    raise_from_check(db, workspace_config, "lan", check, period="quarter")
    entries = verify_register(db).entries
    for period in ("month", "year"):
        again = raise_from_check(db, workspace_config, "lan", check, period=period)
        assert again.raised == [] and again.extended == []
        assert (again.skipped.groups, again.skipped.dossiers) == (4 if period == "month" else 3, 7)
    assert len(list_ncs(db)) == 4 and verify_register(db).entries == entries
    # a dossier never raised before still is, beside the ones skipped
    received = {**cs.received, "HS-006": dt.datetime(2026, 3, 20, 3, 0, tzinfo=cs.utc)}
    later = cs.write(tmp_path / "later", [*cs.findings(), cs.finding("HS-006")], received)
    result = raise_from_check(db, workspace_config, "lan", later, period="month")
    assert [(r.rule, r.period, r.dossiers) for r in result.raised] == [("finished_late", "2026-03", 1)]


def test_each_nc_records_the_check_output_it_came_from(db, workspace_config, tmp_path, check_samples):
    import hashlib

    from sqlalchemy import text

    cs = check_samples
    check = cs.write(tmp_path / "check", cs.findings(), cs.received)
    result = raise_from_check(db, workspace_config, "lan", check)
    expected = hashlib.sha256((check / "findings.parquet").read_bytes()).hexdigest()
    assert result.source_check["files"]["findings.parquet"] == expected
    with db.engine.connect() as connection:
        after = connection.execute(text("SELECT after FROM history WHERE seq = 1")).scalar()
    assert json.loads(after)["source_check"]["files"]["findings.parquet"] == expected
    assert verify_register(db).ok
