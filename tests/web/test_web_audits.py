"""Audit pages: the programme, one audit, and recording checklist results in the
browser (the audit team only; a major NC raises its nonconformity)."""

from __future__ import annotations

import datetime as dt

import pytest
from starlette.testclient import TestClient

from capa.conftest import checklist as _checklist_fixture
from capa.conftest import programme_yaml as _programme_fixture
from capa.conftest import workspace_config as _config_fixture
from qms.audit import audit_results, load_programme_file, plan_audit, save_programme
from qms.auth import set_password
from qms.capa import show_nc
from qms.records import verify_register
from qms.web.app import create_app

from web.conftest import PASSWORD, csrf_of, login


@pytest.fixture
def audit_app(db, tmp_path):
    config = _config_fixture.__wrapped__()
    save_programme(db, config, "lan", load_programme_file(_programme_fixture.__wrapped__(tmp_path)))
    plan_audit(db, config, "lan", "DG-2026-01", audit_date=dt.date(2026, 3, 17), lead_auditor="mai", auditors=[],
               auditees=["binh"], checklist=_checklist_fixture.__wrapped__())
    for user in ("lan", "mai", "son", "tra"):
        set_password(db, config, user, PASSWORD)
    return create_app(config, db, tmp_path, secret_key="k"), db


def _client(app, user):
    client = TestClient(app)
    assert login(client, user).status_code == 303
    return client


def test_programme_and_recording_results_in_the_browser(audit_app):
    app, db = audit_app
    lead = _client(app, "mai")
    programme = lead.get("/audits")
    assert "DG-2026-01" in programme.text and "DG-2026-02" in programme.text
    page = lead.get("/audits/DG-2026-01")
    assert 'name="result:OPS-2"' in page.text and "0/4" in page.text and "Đã lập kế hoạch" in page.text
    answer = lead.post("/audits/DG-2026-01/results", data={
        "csrf_token": csrf_of(page.text), "result:DOC-1": "conforming", "evidence:DOC-1": "QT-01 lần 3",
        "result:OPS-2": "major_nc", "evidence:OPS-2": "HS-0012 <script>trả muộn</script>", "result:OPS-1": "",
    }, follow_redirects=False)
    assert answer.status_code == 303
    data = audit_results(db, "DG-2026-01")
    assert data["coverage"]["recorded"] == 2 and data["nonconformities"] == ["NC-0001"]
    assert show_nc(db, "NC-0001").severity == "major" and verify_register(db).ok
    shown = lead.get("/audits/DG-2026-01").text
    assert 'href="/nc/NC-0001"' in shown and "<script>trả" not in shown
    missing = lead.post("/audits/DG-2026-01/results", data={"csrf_token": csrf_of(shown), "result:OPS-1": "minor_nc"})
    assert missing.status_code == 422 and "role=\"alert\"" in missing.text  # an NC needs its evidence


def test_only_the_audit_team_records(audit_app):
    app, db = audit_app
    for user in ("son", "tra"):  # an auditor of another team; an inspector
        client = _client(app, user)
        page = client.get("/audits/DG-2026-01")
        assert page.status_code == 200 and 'name="result:DOC-1"' not in page.text
        refused = client.post("/audits/DG-2026-01/results", data={"csrf_token": csrf_of(page.text),
                                                                  "result:DOC-1": "conforming"})
        assert refused.status_code == 403, user
    assert audit_results(db, "DG-2026-01")["coverage"]["recorded"] == 0
    assert _client(app, "lan").get("/audits/NOPE").status_code == 404
