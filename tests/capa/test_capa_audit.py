"""Audit programme, plans (independence rule), the fill-in workbook round trip with
bad cells, and NCs raised from audit results."""

from __future__ import annotations

import datetime as dt

import pytest
from openpyxl import load_workbook

from qms.audit import (
    audit_results, export_sheet, load_programme_file, plan_audit, record_results, record_sheet, save_programme,
    show_programme,
)
from qms.capa import PermissionRefused, TransitionRefused, list_ncs, show_nc
from qms.records import verify_register
from qms.core.errors import ValidationFailed
from qms.model.audit import AuditResultValue, ItemResult

AUDIT_DAY = dt.date(2026, 3, 17)


def _plan(db, cfg, checklist, **changes):
    fields = {"audit_date": AUDIT_DAY, "lead_auditor": "mai", "auditors": [], "auditees": ["binh"],
              "checklist": checklist, **changes}
    return plan_audit(db, cfg, "lan", "DG-2026-01", **fields)


@pytest.fixture
def planned(db, workspace_config, checklist, programme_yaml):
    save_programme(db, workspace_config, "lan", load_programme_file(programme_yaml))
    _plan(db, workspace_config, checklist)
    return db


def test_programme_file_errors_name_line_and_field(tmp_path):
    bad = tmp_path / "p.yaml"
    bad.write_text("year: 2026\ntitle: X\naudits:\n  - code: A1\n    title: T\n    units: [TNMT]\n    month: 13\n"
                   "  - code: A1\n    title: T2\n    units: []\n", encoding="utf-8")
    with pytest.raises(ValidationFailed) as failed:
        load_programme_file(bad)
    message = str(failed.value)
    assert "p.yaml:7: audits[0].month" in message and "p.yaml:10: audits[1].units" in message


def test_programme_create_update_and_show(db, workspace_config, programme_yaml):
    cfg = workspace_config
    spec = load_programme_file(programme_yaml)
    assert save_programme(db, cfg, "lan", spec).model_dump() == {"year": 2026, "added": ["DG-2026-01", "DG-2026-02"],
                                                                 "updated": [], "removed": []}
    assert save_programme(db, cfg, "lan", spec).added == []  # loading again changes nothing
    changed = spec.model_copy(deep=True)
    changed.audits[1].month = 10
    changed.audits = changed.audits[1:]
    assert save_programme(db, cfg, "hung", changed).model_dump() == {
        "year": 2026, "added": [], "updated": ["DG-2026-02"], "removed": ["DG-2026-01"]}
    shown = show_programme(db, 2026)
    assert [a.code for a in shown.audits] == ["DG-2026-02"] and shown.audits[0].planned_month == 10
    assert shown.coverage.units == ["TP"]
    with pytest.raises(PermissionRefused):
        save_programme(db, cfg, "mai", spec)
    unknown_unit = spec.model_copy(deep=True)
    unknown_unit.audits[0].units = ["XYZ"]
    with pytest.raises(ValidationFailed, match="XYZ"):
        save_programme(db, cfg, "lan", unknown_unit)
    assert verify_register(db).ok


def test_plan_refuses_an_auditor_of_the_audited_unit_and_other_faults(db, workspace_config, checklist,
                                                                      programme_yaml):
    cfg = workspace_config
    save_programme(db, cfg, "lan", load_programme_file(programme_yaml))
    with pytest.raises(TransitionRefused, match="'son' belongs to unit TNMT.*must not audit their own unit"):
        _plan(db, cfg, checklist, lead_auditor="son")
    with pytest.raises(TransitionRefused, match="'son' belongs to unit TNMT"):
        _plan(db, cfg, checklist, auditors=["son"])
    with pytest.raises(TransitionRefused) as refused:
        _plan(db, cfg, checklist, lead_auditor="lan", auditees=["mai"], audit_date=dt.date(2027, 1, 5))
    message = str(refused.value)
    assert "'lan' does not have the auditor role" in message and "outside the programme year" in message
    draft = checklist.model_copy(update={"status": "draft"})
    with pytest.raises(TransitionRefused, match="not an approved issue in force"):
        _plan(db, cfg, draft)
    with pytest.raises(PermissionRefused):
        plan_audit(db, cfg, "hung", "DG-2026-01", audit_date=AUDIT_DAY, lead_auditor="mai", auditors=[],
                   auditees=["binh"], checklist=checklist)
    planned = _plan(db, cfg, checklist)
    assert planned.status == "planned" and planned.auditors == ["mai"]
    # Scope filtering: clauses 7.5 / 8.5.1 / 8.7, process QT-01, unit TNMT (TP-1 and MON-1 left out).
    items = [r["item_id"] for r in audit_results(db, "DG-2026-01")["results"]]
    assert items == ["DOC-1", "OPS-1", "OPS-2", "NCO-1"]


def test_sheet_has_drop_down_protection_and_editable_cells(planned, tmp_path):
    out = tmp_path / "sheet.xlsx"
    assert export_sheet(planned, "DG-2026-01", out, language="vi").items == 4
    workbook = load_workbook(out)
    sheet = workbook["Checklist"]
    assert sheet["D1"].value == "DG-2026-01" and sheet["B8"].value == "DOC-1" and sheet["B11"].value == "NCO-1"
    validations = sheet.data_validations.dataValidation
    assert len(validations) == 1 and str(validations[0].sqref) == "E8:E11"
    assert "Không phù hợp nặng" in validations[0].formula1 and "Cơ hội cải tiến" in validations[0].formula1
    assert sheet.protection.sheet and workbook.security.lockStructure
    assert not sheet["E8"].protection.locked and not sheet["F8"].protection.locked
    assert sheet["D8"].protection.locked and sheet["B8"].protection.locked


def _fill(path, values):
    from qms.core.excel_text import make_inert

    workbook = load_workbook(path)
    sheet = workbook["Checklist"]
    for cell, value in values.items():
        sheet[cell] = value
        make_inert(sheet[cell])  # as Excel stores text typed after an apostrophe ('=…)
    workbook.save(path)


def test_round_trip_records_results_and_raises_ncs_once(planned, workspace_config, tmp_path):
    out = tmp_path / "sheet.xlsx"
    export_sheet(planned, "DG-2026-01", out, language="vi")
    _fill(out, {"E8": "Phù hợp", "E9": "Không phù hợp nhẹ", "F9": "3/20 hồ sơ thiếu phiếu kiểm soát",
                "E10": "major NC", "F10": "HS-0012, HS-0044 trả sau hẹn 5 ngày", "G10": "Hệ thống",
                "E11": "Cơ hội cải tiến", "F11": "Nên dùng mẫu điện tử", "G11": "=SUM(A1:A2) xem lại"})
    result = record_sheet(planned, workspace_config, "mai", "DG-2026-01", out)
    assert result.results == {"conforming": 1, "major_nc": 1, "minor_nc": 1, "ofi": 1}
    assert result.raised == ["NC-0001", "NC-0002"] and result.not_recorded == 0
    ncs = {r.code: r for r in list_ncs(planned, source="audit")}
    assert ncs["NC-0001"].severity == "minor" and ncs["NC-0002"].severity == "major"
    nc = show_nc(planned, "NC-0002")
    assert (nc.clause, nc.unit, nc.procedure_code, nc.period) == ("8.5.1", "TNMT", "QT-01", "2026-03")
    assert nc.evidence_items[0].ref == "DG-2026-01/OPS-2"
    again = record_sheet(planned, workspace_config, "mai", "DG-2026-01", out)
    assert again.raised == [] and len(list_ncs(planned)) == 2
    summary = audit_results(planned, "DG-2026-01")
    assert summary["coverage"] == {"items": 4, "recorded": 4, "share": 1.0}
    assert summary["by_clause"]["8.5.1"] == {"major_nc": 1, "minor_nc": 1}
    assert summary["nonconformities"] == ["NC-0001", "NC-0002"]
    # The exported sheet carries the recorded results for a second pass.
    export_sheet(planned, "DG-2026-01", tmp_path / "again.xlsx", language="en")
    again_sheet = load_workbook(tmp_path / "again.xlsx")["Checklist"]
    assert again_sheet["E10"].value == "Major NC"
    note = again_sheet["G11"]  # an auditor's note that looks like a formula stays text
    assert (note.value, note.data_type, note.quotePrefix) == ("=SUM(A1:A2) xem lại", "s", True)
    assert verify_register(planned).ok


def test_bad_cells_are_all_reported_and_nothing_is_recorded(planned, workspace_config, tmp_path):
    out = tmp_path / "sheet.xlsx"
    export_sheet(planned, "DG-2026-01", out, language="vi")
    _fill(out, {"E8": "Tốt", "E9": "Không phù hợp nhẹ", "B10": "XX-9", "C11": "8.8", "E11": "Phù hợp",
                "G8": None, "F12": "ghi chú lạc", "E12": "Phù hợp"})
    with pytest.raises(ValidationFailed) as failed:
        record_sheet(planned, workspace_config, "mai", "DG-2026-01", out)
    message = str(failed.value)
    assert "cell E8: 'Tốt' is not a result" in message
    assert "cell F9: a nonconformity needs its evidence" in message
    assert "cell B10: item 'XX-9' is not in the checklist" in message
    assert "cell C11: clause changed from 8.7 to '8.8'" in message
    assert "cell B12: a result without a checklist item" in message
    assert "checklist items missing: OPS-2" in message
    assert audit_results(planned, "DG-2026-01")["coverage"]["recorded"] == 0 and list_ncs(planned) == []
    _fill(out, {"D1": "DG-2026-02"})
    with pytest.raises(ValidationFailed, match="cell D1: the sheet is for audit 'DG-2026-02'"):
        record_sheet(planned, workspace_config, "mai", "DG-2026-01", out)


def test_recording_from_the_api_and_who_may_record(planned, workspace_config, checklist):
    cfg = workspace_config
    result = [ItemResult(item_id="NCO-1", result=AuditResultValue.observation, evidence="1 hồ sơ")]
    with pytest.raises(PermissionRefused, match="not on the team"):
        record_results(planned, cfg, "son", "DG-2026-01", result)
    with pytest.raises(PermissionRefused, match="read-only"):
        record_results(planned, cfg, "tra", "DG-2026-01", result)
    with pytest.raises(ValidationFailed, match="needs its evidence"):
        record_results(planned, cfg, "mai", "DG-2026-01",
                       [ItemResult(item_id="DOC-1", result=AuditResultValue.major_nc)])
    done = record_results(planned, cfg, "lan", "DG-2026-01", result)  # a quality officer may record
    assert done.not_recorded == 3 and done.results == {"observation": 1}
    with pytest.raises(TransitionRefused, match="no plan yet"):
        record_results(planned, cfg, "lan", "DG-2026-02", result)
    with pytest.raises(TransitionRefused, match="already recorded"):
        plan_audit(planned, cfg, "lan", "DG-2026-01", audit_date=AUDIT_DAY, lead_auditor="mai", auditors=[],
                   auditees=["binh"], checklist=checklist)



def test_results_changed_in_the_database_are_detected(planned, workspace_config):
    from sqlalchemy import text

    record_results(planned, workspace_config, "mai", "DG-2026-01",
                   [ItemResult(item_id="DOC-1", result=AuditResultValue.major_nc, evidence="QT-01 lần 1 hết hiệu lực")])
    assert verify_register(planned).ok
    with planned.engine.begin() as connection:
        connection.execute(text("UPDATE audit_result SET result = 'conforming' WHERE item_id = 'DOC-1'"))
        connection.execute(text("UPDATE audit SET lead_auditor = 'son' WHERE code = 'DG-2026-01'"))
    report = verify_register(planned)
    assert not report.ok and report.problems == []
    [mismatch] = report.state_mismatches
    assert mismatch["audit"] == "DG-2026-01"
    assert "lead_auditor" in mismatch["reason"] and "result DOC-1" in mismatch["reason"]


def test_evidence_text_survives_bulk_insertion_unchanged(planned, workspace_config):
    text = "Hồ sơ HS-1\tthiếu phiếu\nđường dẫn C:\\ho_so\\HS-1; 'trích dẫn' \"kép\" \\N"
    result = record_results(planned, workspace_config, "mai", "DG-2026-01",
                            [ItemResult(item_id="NCO-1", result=AuditResultValue.minor_nc, evidence=text)])
    nc = show_nc(planned, result.raised[0])
    assert nc.evidence_items[0].detail == text.strip()
    assert verify_register(planned).ok


def test_a_filled_sheet_with_a_zip_bombed_cell_is_refused_before_openpyxl(planned, workspace_config, tmp_path):
    """A 12 MB cell packed into a few KB (issue 11 §2): refused by its compression ratio."""
    import zipfile

    from qms.core.errors import QmsError

    out = tmp_path / "sheet.xlsx"
    export_sheet(planned, "DG-2026-01", out, language="vi")
    bombed = tmp_path / "bombed.xlsx"
    with zipfile.ZipFile(out) as source, zipfile.ZipFile(bombed, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                cell = b'<row r="999"><c r="F999" t="inlineStr"><is><t>' + b"A" * (12 * 1024 * 1024) + b"</t></is></c></row>"
                data = data.replace(b"</sheetData>", cell + b"</sheetData>")
            target.writestr(item.filename, data)
    assert bombed.stat().st_size < 200_000
    with pytest.raises(QmsError, match="zip bomb"):
        record_sheet(planned, workspace_config, "mai", "DG-2026-01", bombed)
    assert list_ncs(planned) == []


def test_a_plan_with_a_hashed_checklist_issue_verifies(planned, workspace_config, checklist):
    """The plan's history entry records the checklist issue's content hash beside the
    snapshot; the audit row does not keep it, and that is not a mismatch."""
    hashed = checklist.model_copy(update={"content_sha256": "ab" * 32})
    plan_audit(planned, workspace_config, "lan", "DG-2026-02", audit_date=dt.date(2026, 9, 17), lead_auditor="son",
               auditors=[], auditees=["binh"], checklist=hashed)
    assert verify_register(planned).ok


@pytest.mark.parametrize("code, valid", [
    ("DG-2026-01", True), ("01/2026/DG", True), ("ĐG-01", False), ("A/../B", False), ("A/./B", False),
    ("A//B", False), ("A/", False), ("/A", False),
])
def test_audit_codes_may_have_parts_each_starting_with_a_letter_or_digit(code, valid):
    # each part starts with a letter or digit, so the audit's web address stays as typed
    from pydantic import ValidationError

    from qms.model.audit import ProgrammedAudit

    if valid:
        assert ProgrammedAudit(code=code, title="x", units=["TP"]).code == code
    else:
        with pytest.raises(ValidationError):
            ProgrammedAudit(code=code, title="x", units=["TP"])
