"""Check-run pages, the language switch, the templates' messages, and `qms user`."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import polars as pl
from click.testing import CliRunner

from qms.check_runs import register_check_run
from qms.core import i18n

from web.conftest import csrf_of

TEMPLATES = Path(i18n.__file__).resolve().parents[1] / "web" / "templates"


def test_every_template_message_has_a_vietnamese_translation():
    catalog = i18n.translations("vi")
    missing = []
    for template in sorted(TEMPLATES.glob("*.html")):
        for match in re.finditer(r'''_\((["'])(.*?)\1\)''', template.read_text(encoding="utf-8")):
            if catalog.gettext(match.group(2)) == match.group(2):
                missing.append(f"{template.name}: {match.group(2)}")
    from qms.web.audit_pages import AUDIT_STATUS
    from qms.web.document_pages import DOCUMENT_STATUS
    from qms.web.nc_pages import FIELD_NAMES

    missing += [f"label: {text}" for text in [*AUDIT_STATUS.values(), *FIELD_NAMES.values(), *DOCUMENT_STATUS.values()]
                if catalog.gettext(text) == text]
    assert not missing, missing


def test_language_switch(web, client_for):
    client = client_for("lan")
    page = client.get("/nc")
    assert "Sự không phù hợp" in page.text and 'lang="vi"' in page.text
    answer = client.post("/lang", data={"csrf_token": csrf_of(page.text), "lang": "en", "next": "/nc"},
                         follow_redirects=False)
    assert answer.status_code == 303
    english = client.get("/nc")
    assert 'lang="en"' in english.text and "Nonconformities" in english.text and "Log out" in english.text


def _check_output(folder: Path, hostile_unit: str) -> Path:
    folder.mkdir()
    utc = dt.timezone.utc
    received = dt.datetime(2026, 3, 2, 8, tzinfo=utc)
    pl.DataFrame({"dossier_id": ["HS-1", "<b>HS-2</b>"], "procedure_code": ["QT-01", "QT-01"], "procedure_issue": [1, 1],
                  "received_at": [received, received], "appointment_at": [received, received],
                  "due_at": [received, received], "finished_at": [received, None], "paused_minutes": [0, 30],
                  "used_minutes": [100, 900], "allowed_minutes": [480, 480], "status": ["on_time", "open_overdue"]}
                 ).write_parquet(folder / "dossiers.parquet")
    pl.DataFrame({"dossier_id": ["<b>HS-2</b>"], "rule": ["finished_late"], "severity": ["major"], "clause": ["8.5.1"],
                  "procedure_code": ["QT-01"], "step": [None], "unit": [hostile_unit], "expected": ["x"],
                  "actual": ["y"], "message": ["<script>late</script>"]}).write_parquet(folder / "findings.parquet")
    group = {"key": "QT-01", "received_total": 2, "resolved_total": 1, "resolved_on_time": 1, "in_progress_total": 1,
             "in_progress_overdue": 1, "on_time_rate": 1.0}
    summary = {
        "manifest": {"qms_version": "0", "generated_at": "2026-04-01T00:00:00Z", "as_of": "2026-03-31T17:00:00Z",
                     "period_from": "2026-03-01", "period_to": "2026-03-31",
                     "method": {"id": "working_time", "description": {"vi": "giờ làm việc"}},
                     "inputs": [{"path": "/data/log.csv", "sha256": "ab" * 32, "bytes": 10}], "documents": [],
                     "calendar": {"kind": "calendar", "code": "LICH", "issue": 1, "sha256": "cd" * 32,
                                  "effective_from": "2026-01-01", "holiday_source": "holidays"},
                     "timezone": "Asia/Ho_Chi_Minh"},
        "totals": {**group, "key": "all"}, "by_procedure": [group], "by_field": [],
        "by_unit": [{**group, "key": hostile_unit}], "by_month": [{**group, "key": "2026-03"}],
        "status_counts": {"on_time": 1, "open_overdue": 1},
        "findings": {"total": 1, "by_rule": {"finished_late": 1}},
        "data_quality": {"rows_read": 4, "rows_accepted": 4, "rows_rejected": 0},
    }
    (folder / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    return folder


def test_check_dashboard_drill_down_and_dossier_page(web, client_for, tmp_path):
    _app, db, _config = web
    run = register_check_run(db, _check_output(tmp_path / "out", "<script>U</script>"))
    assert (run.dossiers, run.findings, run.period_from) == (2, 1, dt.date(2026, 3, 1))
    client = client_for("tra")  # an inspector reads results
    listing = client.get("/checks")
    assert f'href="/checks/{run.id}"' in listing.text
    board = client.get(f"/checks/{run.id}")
    assert board.status_code == 200 and "<svg" in board.text and "100,0" in board.text
    assert "<script>" not in board.text and "&lt;script&gt;U" in board.text
    officer_board = client_for("lan").get(f"/checks/{run.id}").text  # a quality officer also sees the raise form
    title = officer_board.split("<title>", 1)[1].split("</title>", 1)[0]
    assert "<" not in title and officer_board.count('action="/checks/') == 1  # the title is text, the form once
    drill = client.get(f"/checks/{run.id}/findings", params={"rule": "finished_late"})
    assert "%3Cb%3EHS-2%3C/b%3E" in drill.text and "<b>" not in drill.text
    dossier = client.get(f"/checks/{run.id}/dossiers/%3Cb%3EHS-2%3C/b%3E")
    assert dossier.status_code == 200 and "&lt;b&gt;HS-2" in dossier.text and "<script>" not in dossier.text
    assert client.get(f"/checks/{run.id}/dossiers/HS-404").status_code == 404
    assert client.get("/checks/999").status_code == 404


def test_user_commands(tmp_path, db_url, monkeypatch):
    from qms.auth import authenticate, issue_token, user_for_token  # noqa: F401
    from qms.cli import main
    from qms.db import open_database
    from qms.workspace import init_workspace

    workspace = init_workspace(tmp_path / "ws")
    monkeypatch.chdir(workspace.root)
    runner = CliRunner()
    answer = runner.invoke(main, ["--lang", "en", "user", "set-password", "iso.secretary", "--password-stdin",
                                  "--database", db_url], input="một-mật-khẩu-dài\n")
    assert answer.exit_code == 0, answer.output
    short = runner.invoke(main, ["--lang", "en", "user", "set-password", "iso.secretary", "--password-stdin",
                                 "--database", db_url], input="ngắn\n")
    assert short.exit_code == 1 and "at least 10" in short.output
    unknown = runner.invoke(main, ["--lang", "en", "user", "token", "ghost", "--database", db_url])
    assert unknown.exit_code == 1 and "ghost" in unknown.output
    token = runner.invoke(main, ["user", "token", "inspector", "--database", db_url]).output.strip()
    db = open_database(db_url)
    try:
        config = workspace.config
        assert authenticate(db, config, "iso.secretary", "một-mật-khẩu-dài", "127.0.0.1") == "iso.secretary"
        assert user_for_token(db, config, token) == "inspector"
        from qms.db.tables import ApiToken, UserCredential

        with db.reading() as session:
            stored = session.get(UserCredential, "iso.secretary").password_hash
            assert stored.startswith("$argon2id$") and "một" not in stored
            assert token not in {row.token_sha256 for row in session.query(ApiToken)}
        assert runner.invoke(main, ["user", "disable", "inspector", "--database", db_url]).exit_code == 0
        assert user_for_token(db, config, token) is None
    finally:
        db.dispose()


def test_the_login_page_switches_language_before_logging_in(web):
    from starlette.testclient import TestClient

    with TestClient(web[0]) as client:
        page = client.get("/login")
        assert "Đăng nhập" in page.text
        client.post("/lang", data={"csrf_token": csrf_of(page.text), "lang": "en", "next": "/login"})
        assert "Log in" in client.get("/login").text
        assert client.post("/lang", data={"lang": "vi"}).status_code == 403


def test_documents_in_force_on_a_date_and_the_changes_between_issues(web, client_for, tmp_path):
    """The bundled sample library, copied where the test app's workspace looks for it."""
    import shutil

    from qms.core.resources import sample_library_dir
    from qms.library import load_library

    shutil.copytree(sample_library_dir(), tmp_path / "process_docs")
    library = load_library(tmp_path / "process_docs")
    code = next(code for code in library.codes("procedure") if len(library.issues(code)) > 1)
    first, second = library.issues(code)[:2]
    client = client_for("tra")
    before = client.get("/documents", params={"date": first.effective_from.isoformat()})
    assert before.status_code == 200 and f'href="/documents/{code}/{first.issue}"' in before.text
    row = before.text.split(f'href="/documents/{code}/{first.issue}"')[0].rsplit("<tr", 1)[1]
    assert 'class="current"' in row  # the first issue was the one in force then
    page = client.get(f"/documents/{code}/{second.issue}")
    assert page.status_code == 200 and "Thay đổi so với lần ban hành" in page.text and "<pre" in page.text
    assert client.get(f"/documents/{code}/99").status_code == 404
    # only what is in force on the date; the approval block; the diff with any issue
    in_force = client.get("/documents", params={"date": first.effective_from.isoformat(), "in_force": "1"}).text
    assert f'href="/documents/{code}/{first.issue}"' in in_force and f'href="/documents/{code}/{second.issue}"' not in in_force
    assert in_force.count("<tr") < before.text.count("<tr")
    assert "Phê duyệt" in page.text and second.approved_by.name in page.text and "khớp với bản đã phê duyệt" in page.text
    last = library.issues(code)[-1]
    compared = client.get(f"/documents/{code}/{last.issue}", params={"from": str(first.issue)})
    assert f"Thay đổi so với lần ban hành {first.issue}" in compared.text
    assert f'<option value="{first.issue}" selected>' in compared.text
