"""Audit pages: the programme, one audit, and recording checklist results in the
browser (the audit team only; a major NC raises its nonconformity)."""

from __future__ import annotations

import datetime as dt

import pytest
from starlette.testclient import TestClient

from capa.conftest import checklist as _checklist_fixture
from capa.conftest import programme_yaml as _programme_fixture
from capa.conftest import workspace_config as _config_fixture
from qms.audit import audit_results, load_programme_file, plan_audit, save_programme, show_programme
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
    for user in ("lan", "hung", "mai", "son", "tra"):
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


@pytest.fixture
def planning_app(audit_app, tmp_path):
    """The audit app over a workspace holding the bundled sample library (checklist DG-ISO-01)."""
    import shutil

    from qms.core.resources import sample_library_dir

    shutil.copytree(sample_library_dir(), tmp_path / "process_docs")
    return audit_app


def test_adding_an_audit_to_the_programme(planning_app):
    app, db = planning_app
    officer = _client(app, "lan")
    page = officer.get("/audits?year=2026")
    assert 'action="/audits"' in page.text and 'name="units" value="TNMT"' in page.text
    refused = officer.post("/audits", data={
        "csrf_token": csrf_of(page.text), "year": "2026", "code": "DG 2026/03", "title": "",
        "clauses": "7.5, 8.5.1", "processes": "QT-01", "month": "13"})
    assert refused.status_code == 422
    html = refused.text
    # beside each field, in Vietnamese; what was typed is still there
    assert 'id="err-code"' in html and "không khớp mẫu" in html
    assert 'id="err-title"' in html and "thiếu trường bắt buộc" in html
    assert 'id="err-units"' in html and 'id="err-month"' in html
    assert 'value="7.5, 8.5.1"' in html and 'value="DG 2026/03"' in html and 'value="13" selected' not in html
    assert len(show_programme(db, 2026).audits) == 2
    added = officer.post("/audits", data={
        "csrf_token": csrf_of(html), "year": "2026", "code": "DG-2026-03", "title": "Đánh giá <một cửa>",
        "units": ["TP", "VP"], "clauses": "7.5; 8.5.1", "processes": "QT-01", "month": "11"}, follow_redirects=False)
    assert added.status_code == 303 and added.headers["location"] == "/audits?year=2026"
    audits = {audit.code: audit for audit in show_programme(db, 2026).audits}
    assert set(audits) == {"DG-2026-01", "DG-2026-02", "DG-2026-03"}  # the others left as they were
    new = audits["DG-2026-03"]
    assert (new.units, new.clauses, new.processes, new.planned_month) == (["TP", "VP"], ["7.5", "8.5.1"], ["QT-01"], 11)
    assert audits["DG-2026-01"].status == "planned" and verify_register(db).ok
    listed = officer.get("/audits?year=2026").text
    assert "Đánh giá &lt;một cửa&gt;" in listed
    again = officer.post("/audits", data={"csrf_token": csrf_of(listed), "year": "2025", "code": "DG-2026-03",
                                          "title": "x", "units": "TP"})
    assert again.status_code == 422 and 'id="err-programme_title"' in again.text
    again = officer.post("/audits", data={"csrf_token": csrf_of(listed), "year": "2025", "code": "DG-2026-03",
                                          "title": "x", "units": "TP", "programme_title": "Chương trình 2025"})
    assert again.status_code == 422 and "DG-2026-03" in again.text and "2026" in again.text
    made = officer.post("/audits", data={"csrf_token": csrf_of(listed), "year": "2025", "code": "DG-2025-01",
                                         "title": "x", "units": "TP", "programme_title": "Chương trình 2025"},
                        follow_redirects=False)
    assert made.status_code == 303 and show_programme(db, 2025).title == "Chương trình 2025"


def test_only_quality_officers_and_managers_change_the_programme(planning_app):
    app, db = planning_app
    for user in ("mai", "tra"):  # an auditor, an inspector
        client = _client(app, user)
        page = client.get("/audits")
        assert 'action="/audits"' not in page.text
        refused = client.post("/audits", data={"csrf_token": csrf_of(page.text), "year": "2026",
                                               "code": "DG-2026-09", "title": "x", "units": "TP"})
        assert refused.status_code == 403, user
    manager = _client(app, "hung")
    page = manager.get("/audits")
    assert manager.post("/audits", data={"year": "2026", "code": "DG-2026-09", "title": "x",
                                         "units": "TP"}).status_code == 403  # no CSRF token
    assert manager.post("/audits", data={"csrf_token": csrf_of(page.text), "year": "2026", "code": "DG-2026-09",
                                         "title": "x", "units": "TP"}, follow_redirects=False).status_code == 303
    assert [a.code for a in show_programme(db, 2026).audits][-1] == "DG-2026-09"


def test_planning_an_audit_in_the_browser(planning_app):
    app, db = planning_app
    officer = _client(app, "lan")
    audit = officer.get("/audits/DG-2026-02")
    assert 'href="/audits/DG-2026-02/plan"' in audit.text
    page = officer.get("/audits/DG-2026-02/plan")
    assert page.status_code == 200 and '<option value="DG-ISO-01">' in page.text
    assert "Đánh giá chứng thực" in page.text  # the scope starts as the audit's title
    missing = officer.post("/audits/DG-2026-02/plan", data={"csrf_token": csrf_of(page.text), "audit_date": "17/9/2026",
                                                            "scope": "Chứng thực <bản sao>"})
    html = missing.text
    assert missing.status_code == 422 and 'id="err-audit_date"' in html and "YYYY-MM-DD" in html
    assert 'id="err-lead_auditor"' in html and 'id="err-auditees"' in html and 'id="err-checklist"' in html
    assert "Chứng thực &lt;bản sao&gt;" in html and 'value="17/9/2026"' in html
    form = {"csrf_token": csrf_of(html), "audit_date": "2026-09-17", "lead_auditor": "mai", "auditees": ["binh"],
            "checklist": "DG-ISO-01", "scope": "Chứng thực bản sao"}
    own_unit = officer.post("/audits/DG-2026-02/plan", data=form)  # mai belongs to TP, which the audit covers
    assert own_unit.status_code == 422 and 'role="alert"' in own_unit.text
    beside = own_unit.text.split('id="err-lead_auditor"', 1)[1].split("</p>", 1)[0]
    assert "mai" in beside and "TP" in beside  # the independence rule, beside the lead auditor
    assert 'value="binh" checked' in own_unit.text
    assert audit_results(db, "DG-2026-02")["audit"]["status"] == "programmed"
    no_issue = officer.post("/audits/DG-2026-02/plan", data={**form, "lead_auditor": "son", "audit_date": "2026-09-17",
                                                             "checklist": "DG-NOPE"})
    assert no_issue.status_code == 422 and 'id="err-checklist"' in no_issue.text
    planned = officer.post("/audits/DG-2026-02/plan", data={**form, "lead_auditor": "son"}, follow_redirects=False)
    assert planned.status_code == 303 and planned.headers["location"] == "/audits/DG-2026-02"
    plan = audit_results(db, "DG-2026-02")["audit"]
    assert (plan["status"], plan["lead_auditor"], plan["auditees"], plan["checklist_code"], plan["audit_date"]) == (
        "planned", "son", ["binh"], "DG-ISO-01", "2026-09-17")
    assert plan["checklist_items"]["count"] > 0 and verify_register(db).ok
    for user in ("mai", "hung"):  # only quality officers plan (as `qms audit plan`)
        client = _client(app, user)
        shown = client.get("/audits/DG-2026-02/plan")
        assert 'action="/audits/DG-2026-02/plan"' not in shown.text
        assert client.post("/audits/DG-2026-02/plan", data={**form, "csrf_token": csrf_of(shown.text),
                                                            "lead_auditor": "son"}).status_code == 403
    assert officer.get("/audits/NOPE/plan").status_code == 404


def test_recording_every_result_kind_keeps_what_was_typed_when_refused(audit_app):
    app, db = audit_app
    lead = _client(app, "mai")
    page = lead.get("/audits/DG-2026-01")
    for value in ("conforming", "major_nc", "minor_nc", "observation", "ofi", "not_applicable"):
        assert f'<option value="{value}"' in page.text
    refused = lead.post("/audits/DG-2026-01/results", data={
        "csrf_token": csrf_of(page.text), "result:DOC-1": "conforming", "notes:DOC-1": "đã xem sổ <b>theo dõi</b>",
        "result:OPS-1": "minor_nc", "evidence:OPS-1": "  ", "result:OPS-2": "", "evidence:OPS-2": "chưa chọn kết quả"})
    html = refused.text
    assert refused.status_code == 422 and html.count('class="item refused"') == 1
    assert "đã xem sổ &lt;b&gt;theo dõi&lt;/b&gt;" in html and 'value="conforming" selected' in html
    assert audit_results(db, "DG-2026-01")["coverage"]["recorded"] == 0
    refused = lead.post("/audits/DG-2026-01/results", data={
        "csrf_token": csrf_of(html), "result:DOC-1": "conforming", "result:OPS-2": "",
        "evidence:OPS-2": "chưa chọn kết quả"})
    assert refused.status_code == 422 and "chưa chọn kết quả" in refused.text and 'class="item refused"' in refused.text
    bogus = lead.post("/audits/DG-2026-01/results", data={"csrf_token": csrf_of(html), "result:DOC-1": "great"})
    assert bogus.status_code == 422 and 'class="item refused"' in bogus.text
    items = [row["item_id"] for row in audit_results(db, "DG-2026-01")["results"]]
    kinds = ["minor_nc", "observation", "ofi", "not_applicable"]
    answer = {"csrf_token": csrf_of(html)}
    for item_id, kind in zip(items, kinds):
        answer |= {f"result:{item_id}": kind, f"evidence:{item_id}": f"thấy {kind}", f"notes:{item_id}": f"ghi chú {kind}"}
    assert lead.post("/audits/DG-2026-01/results", data=answer, follow_redirects=False).status_code == 303
    data = audit_results(db, "DG-2026-01")
    recorded = {row["item_id"]: row for row in data["results"]}
    assert [recorded[i]["result"] for i in items] == kinds
    assert recorded[items[1]]["evidence"] == "thấy observation" and recorded[items[2]]["notes"] == "ghi chú ofi"
    assert data["nonconformities"] == ["NC-0001"]  # the minor NC raises one; observation, OFI and n/a none
    nc = show_nc(db, "NC-0001")
    assert nc.severity == "minor" and nc.source == "audit" and "thấy minor_nc" in nc.description


def test_the_audit_report_made_listed_and_downloaded(audit_app, tmp_path):
    app, db = audit_app
    lead = _client(app, "mai")
    page = lead.get("/audits/DG-2026-01")
    lead.post("/audits/DG-2026-01/results", data={"csrf_token": csrf_of(page.text), "result:DOC-1": "minor_nc",
                                                  "evidence:DOC-1": "QT-01 lần 1 <hết hiệu lực>"})
    assert 'href="/audits/DG-2026-01/reports"' in lead.get("/audits/DG-2026-01").text
    inspector = _client(app, "tra")  # reading the report changes nothing: an inspector may make one
    reports = inspector.get("/audits/DG-2026-01/reports")
    assert reports.status_code == 200 and "<li>–</li>" in reports.text and ": 1/4</p>" in reports.text
    none = inspector.post("/audits/DG-2026-01/reports", data={"csrf_token": csrf_of(reports.text), "language": "vi"})
    assert none.status_code == 422
    made = inspector.post("/audits/DG-2026-01/reports", data={"csrf_token": csrf_of(reports.text), "pdf": "1",
                                                              "xlsx": "1", "language": "en"}, follow_redirects=False)
    assert made.status_code == 303 and made.headers["location"] == "/audits/DG-2026-01/reports"
    files = sorted(path.name for path in (tmp_path / "reports" / "audit-DG-2026-01").iterdir())
    assert [name.rsplit(".", 1)[1] for name in files] == ["pdf", "xlsx"] and all("-en." in name for name in files)
    listed = inspector.get("/audits/DG-2026-01/reports").text
    pdf_name = next(name for name in files if name.endswith(".pdf"))
    assert f'href="/audits/DG-2026-01/reports/{pdf_name}"' in listed
    pdf = inspector.get(f"/audits/DG-2026-01/reports/{pdf_name}")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf" and pdf.content[:5] == b"%PDF-"
    import subprocess

    text = subprocess.run(["pdftotext", "-", "-"], input=pdf.content, capture_output=True, check=True).stdout.decode()
    assert "INTERNAL AUDIT REPORT" in text and "Not answered" in text  # the English report, as `qms audit report --lang en`
    assert inspector.get("/audits/DG-2026-01/reports/..%2Fqms.db").status_code == 404
    assert inspector.get("/audits/NOPE/reports").status_code == 404
    assert inspector.post("/audits/NOPE/reports", data={"csrf_token": csrf_of(listed), "pdf": "1"}).status_code == 404
    assert not (tmp_path / "reports" / "audit-NOPE").exists()


def test_an_audit_code_with_slashes_has_all_its_pages(planning_app, tmp_path):
    # the model allows "/" in an audit code (01/2026/DG, as Vietnamese numbering goes)
    app, db = planning_app
    officer = _client(app, "lan")
    listed = officer.get("/audits?year=2026").text
    added = officer.post("/audits", data={"csrf_token": csrf_of(listed), "year": "2026", "code": "01/2026/DG",
                                          "title": "Đánh giá một cửa", "units": "VP"}, follow_redirects=False)
    assert added.status_code == 303
    assert 'href="/audits/01/2026/DG"' in officer.get("/audits?year=2026").text
    page = officer.get("/audits/01/2026/DG")
    assert page.status_code == 200 and "01/2026/DG" in page.text and 'href="/audits/01/2026/DG/plan"' in page.text
    plan = officer.get("/audits/01/2026/DG/plan")
    assert plan.status_code == 200 and 'action="/audits/01/2026/DG/plan"' in plan.text
    planned = officer.post("/audits/01/2026/DG/plan", data={
        "csrf_token": csrf_of(plan.text), "audit_date": "2026-09-17", "lead_auditor": "mai", "auditees": ["binh"],
        "checklist": "DG-ISO-01", "scope": "Một cửa"}, follow_redirects=False)
    assert planned.status_code == 303 and planned.headers["location"] == "/audits/01/2026/DG"
    lead = _client(app, "mai")
    page = lead.get("/audits/01/2026/DG")
    item = page.text.split('name="result:', 1)[1].split('"', 1)[0]
    recorded = lead.post("/audits/01/2026/DG/results", data={"csrf_token": csrf_of(page.text),
                                                             f"result:{item}": "conforming"}, follow_redirects=False)
    assert recorded.status_code == 303 and audit_results(db, "01/2026/DG")["coverage"]["recorded"] == 1
    reports = lead.get("/audits/01/2026/DG/reports")
    assert reports.status_code == 200
    made = lead.post("/audits/01/2026/DG/reports", data={"csrf_token": csrf_of(reports.text), "xlsx": "1"},
                     follow_redirects=False)
    assert made.status_code == 303 and made.headers["location"] == "/audits/01/2026/DG/reports"
    (name,) = [path.name for path in (tmp_path / "reports" / "audit-01%2F2026%2FDG").iterdir()]
    assert f'href="/audits/01/2026/DG/reports/{name}"' in lead.get("/audits/01/2026/DG/reports").text
    assert lead.get(f"/audits/01/2026/DG/reports/{name}").content[:2] == b"PK"  # the workbook
    assert lead.get("/audits/01/2026/NOPE").status_code == 404
