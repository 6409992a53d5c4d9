"""Fixtures of the register and audit tests (the databases, SQLite and a real
PostgreSQL, come from tests/conftest.py)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from types import SimpleNamespace

import polars as pl
import pytest

from qms.model.check_output import FINDING_COLUMNS
from qms.model.workspace import WorkspaceConfig

@pytest.fixture
def workspace_config() -> WorkspaceConfig:
    return WorkspaceConfig.model_validate({
        "organisation": {"name": {"vi": "Trung tâm Phục vụ hành chính công tỉnh X"}},
        "units": {
            "TNMT": {"vi": "Sở Tài nguyên và Môi trường"},
            "TP": {"vi": "Sở Tư pháp"},
            "VP": {"vi": "Văn phòng"},
        },
        "users": {
            "lan": {"name": "Nguyễn Thị Lan", "unit": "VP", "roles": ["quality_officer"]},
            "hung": {"name": "Trần Văn Hùng", "unit": "VP", "roles": ["manager"]},
            "mai": {"name": "Lê Thị Mai", "unit": "TP", "roles": ["auditor"]},
            "son": {"name": "Phạm Văn Sơn", "unit": "TNMT", "roles": ["auditor"]},
            "tra": {"name": "Đỗ Thanh Trà", "roles": ["inspector"]},
            "binh": {"name": "Võ Văn Bình", "unit": "TNMT", "roles": []},
        },
    })


@pytest.fixture(autouse=True)
def english_messages(monkeypatch):
    """The tests read the English msgids; Vietnamese is checked by tests/test_i18n.py."""
    from qms.core import i18n

    monkeypatch.setattr(i18n, "_current_language", "en")


# Small check outputs (findings.parquet, dossiers.parquet, summary.json) written by the tests.
UTC = dt.timezone.utc


def _finding(dossier, rule="finished_late", severity="major", unit="TNMT", procedure="QT-01", clause="8.5.1"):
    return {"dossier_id": dossier, "rule": rule, "severity": severity, "clause": clause, "procedure_code": procedure,
            "step": None, "unit": unit, "expected": "2026-03-10", "actual": "2026-03-12",
            "message": f"{dossier} trả kết quả sau ngày hẹn"}


def _write_check(folder, findings, received):
    folder.mkdir(parents=True, exist_ok=True)
    pl.DataFrame(findings, schema={c: pl.Utf8 for c in FINDING_COLUMNS}).write_parquet(folder / "findings.parquet")
    pl.DataFrame({"dossier_id": list(received), "received_at": list(received.values())},
                 schema={"dossier_id": pl.Utf8, "received_at": pl.Datetime("us", "UTC")}
                 ).write_parquet(folder / "dossiers.parquet")
    (folder / "summary.json").write_text(json.dumps({"manifest": {"timezone": "Asia/Ho_Chi_Minh"}}))
    return folder


RECEIVED = {
    "HS-001": dt.datetime(2026, 3, 2, 2, 0, tzinfo=UTC),
    "HS-002": dt.datetime(2026, 3, 5, 2, 0, tzinfo=UTC),
    "HS-003": dt.datetime(2026, 3, 9, 2, 0, tzinfo=UTC),
    # 18:30 UTC on 31 March is 1 April in Hanoi: it belongs to April.
    "HS-004": dt.datetime(2026, 3, 31, 18, 30, tzinfo=UTC),
    "HS-005": dt.datetime(2026, 3, 10, 2, 0, tzinfo=UTC),
}


def _findings():
    return [
        _finding("HS-001"), _finding("HS-002"), _finding("HS-003"),
        _finding("HS-003", rule="late_without_apology", severity="minor", clause="8.7"),
        _finding("HS-001", rule="late_without_apology", severity="minor", clause="8.7"),
        _finding("HS-004"),
        _finding("HS-005", unit="TP"),
        _finding("HS-005", rule="step_overrun", severity="observation", unit="TP"),
    ]


@pytest.fixture
def check_samples() -> SimpleNamespace:
    return SimpleNamespace(finding=_finding, findings=_findings, received=dict(RECEIVED), write=_write_check, utc=UTC)


@pytest.fixture
def checklist():
    """An approved checklist issue in force through 2026 (questions written for the tests)."""
    from qms.model.checklist import Checklist

    def item(item_id, clause, question, **extra):
        return {"id": item_id, "clause": clause, "question": {"vi": question}, **extra}

    return Checklist.model_validate({
        "code": "CL-NB", "issue": 2, "status": "approved", "effective_from": "2026-01-01",
        "title": {"vi": "Danh mục đánh giá nội bộ"},
        "items": [
            item("DOC-1", "7.5.3", "Quy trình đang dùng có đúng lần ban hành hiện hành không?"),
            item("OPS-1", "8.5.1", "Hồ sơ có phiếu kiểm soát quá trình đầy đủ không?"),
            item("OPS-2", "8.5.1", "Kết quả có được trả đúng hẹn không?", procedures=["QT-01"]),
            item("NCO-1", "8.7", "Hồ sơ trễ hạn có văn bản xin lỗi không?"),
            item("MON-1", "9.1.1", "Tỷ lệ đúng hạn có được theo dõi hằng tháng không?"),
            item("TP-1", "8.5.1", "Sổ theo dõi chứng thực có được ghi đầy đủ không?", units=["TP"]),
        ],
    })


@pytest.fixture
def programme_yaml(tmp_path) -> Path:
    path = tmp_path / "audit-programme-2026.yaml"
    path.write_text(
        "year: 2026\n"
        "title: Chương trình đánh giá nội bộ năm 2026\n"
        "audits:\n"
        "  - code: DG-2026-01\n"
        "    title: Đánh giá cấp phép môi trường\n"
        "    processes: [QT-01]\n"
        "    units: [TNMT]\n"
        "    clauses: ['7.5', '8.5.1', '8.7']\n"
        "    month: 3\n"
        "  - code: DG-2026-02\n"
        "    title: Đánh giá chứng thực\n"
        "    processes: [QT-05]\n"
        "    units: [TP]\n"
        "    month: 9\n",
        encoding="utf-8")
    return path
