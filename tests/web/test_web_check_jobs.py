"""A quality officer uploads a log in the browser; the check runs in the app's job
pool as `qms check` does, is registered, and its dashboard shows its numbers."""

from __future__ import annotations

import json
import time

import polars as pl
from starlette.testclient import TestClient

from check_support import approved_sample_library
from qms.check_runs import list_check_runs
from qms.db.tables import CheckJob
from qms.synth import generate_log
from qms.synth.output import write_events
from qms.web.app import create_app
from qms.web.check_jobs import get_job, new_job

from web.conftest import csrf_of, login


def _log(tmp_path, dossiers: int = 40) -> bytes:
    log = generate_log(approved_sample_library(), dossiers, seed=5, defect_rate=0.3)
    write_events(log.events, tmp_path / "upload.csv", "csv")
    return (tmp_path / "upload.csv").read_bytes()


def _upload(client: TestClient, content: bytes, name: str = "nhat-ky.csv", token: str | None = None, **fields):
    token = token if token is not None else csrf_of(client.get("/checks").text)
    # the CSRF field first, as the page's form sends it
    data = {"csrf_token": token, **fields} if token else fields
    return client.post("/checks/jobs", data=data, files={"log": (name, content, "text/csv")}, follow_redirects=False)


def _finished(client: TestClient, location: str, seconds: float = 60) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status = client.get(location, headers={"HX-Request": "true"})
        assert status.status_code == 200
        if 'hx-trigger="every 1s"' not in status.text:
            return client.get(location).text
        time.sleep(0.1)
    raise AssertionError(f"{location} did not finish")


def test_an_uploaded_log_is_checked_registered_and_shown(workspace_web, tmp_path):
    app, db, _config = workspace_web
    content = _log(tmp_path)
    with TestClient(app) as client:
        assert login(client, "lan").status_code == 303
        assert 'action="/checks/jobs"' in client.get("/checks").text
        answer = _upload(client, content)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/checks/jobs/")
        page = _finished(client, answer.headers["location"])
        [run] = list_check_runs(db)
        assert f'href="/checks/{run.id}"' in page and "problem" not in page
        job = get_job(db, int(answer.headers["location"].rsplit("/", 1)[1]))
        assert job.state == "done" and job.check_run_id == run.id and job.submitted_by == "lan"
        # the upload kept in the workspace, the outputs a `qms check` output folder
        stored = tmp_path / "ws" / "uploads" / f"job-{job.id}" / "log.csv"
        assert stored.read_bytes() == content and job.upload_bytes == len(content)
        summary = json.loads((tmp_path / "ws" / "checks" / f"job-{job.id}" / "summary.json").read_text())
        assert summary["manifest"]["inputs"][0]["path"] == str(stored) and run.dossiers == 40
        board = client.get(f"/checks/{run.id}")
        assert board.status_code == 200 and board.text.count("<svg") == 3
        received = summary["totals"]["received_total"]
        assert f">{received}<" in board.text.replace(".", "")
        # a CSV log: its dossier's page waits for the run's events copy, then shows the timeline
        some_id = pl.read_parquet(tmp_path / "ws" / "checks" / f"job-{job.id}" / "dossiers.parquet")["dossier_id"][0]
        timeline = client.get(f"/checks/{run.id}/dossiers/{some_id}")
        assert timeline.status_code == 200 and "timeline-steps" in timeline.text and 'role="alert"' not in timeline.text
        listing = client.get("/checks").text
        assert "nhat-ky.csv" in listing and f'href="/checks/jobs/{job.id}"' in listing


def test_a_bad_log_fails_the_job_with_the_readers_message(workspace_web, tmp_path):
    app, db, _config = workspace_web
    with TestClient(app) as client:
        assert login(client, "lan", ).status_code == 303
        answer = _upload(client, b"ma_ho_so;ngay\nHS-1;hom qua\n", name="<script>x</script>.csv")
        page = _finished(client, answer.headers["location"])
        job = get_job(db, int(answer.headers["location"].rsplit("/", 1)[1]))
        assert job.state == "failed" and job.message and job.check_run_id is None
        assert job.message.startswith("<script>x</script>.csv: ") and "uploads" not in job.message
        assert 'role="alert"' in page
        assert "<script>x</script>" not in page and "&lt;script&gt;x&lt;/script&gt;" in page
        assert list_check_runs(db) == []


def test_what_is_not_a_log_is_refused_before_it_is_stored(workspace_web, tmp_path):
    app, db, _config = workspace_web
    with TestClient(app) as client:
        assert login(client, "lan").status_code == 303
        refused = _upload(client, b"MZ\x00", name="virus.exe")
        assert refused.status_code == 422 and "virus.exe" in refused.text
        content = _log(tmp_path, 5)
        half = _upload(client, content, period_from="2025-03-01")
        assert half.status_code == 422 and "ngày đầu và ngày cuối" in half.text
        wrong = _upload(client, content, period_from="2025-03-01", period_to="31/03/2025")
        assert wrong.status_code == 422 and "31/03/2025" in wrong.text
        reversed_ = _upload(client, content, period_from="2025-03-31", period_to="2025-03-01")
        assert reversed_.status_code == 422 and "2025-03-01" in reversed_.text
    with db.reading() as session:
        assert session.query(CheckJob).count() == 0
    assert not (tmp_path / "ws" / "uploads").exists()


def test_only_a_quality_officer_may_run_a_check_and_every_upload_needs_csrf(workspace_web, tmp_path):
    app, db, _config = workspace_web
    content = _log(tmp_path, 5)
    with TestClient(app) as client:
        assert login(client, "tra").status_code == 303  # inspector
        assert 'action="/checks/jobs"' not in client.get("/checks").text
        assert _upload(client, content).status_code == 403
    with TestClient(app) as client:
        assert login(client, "hung").status_code == 303  # manager
        assert _upload(client, content).status_code == 403
    with TestClient(app) as client:
        assert login(client, "lan").status_code == 303
        assert _upload(client, content, token="").status_code == 403
        assert _upload(client, content, token="forged").status_code == 403
        # the token in a later part does not count: the gate reads only the first
        late = client.post("/checks/jobs", data={"period_from": "", "csrf_token": csrf_of(client.get("/checks").text)},
                           files={"log": ("a.csv", content, "text/csv")}, follow_redirects=False)
        assert late.status_code == 403
    with db.reading() as session:
        assert session.query(CheckJob).count() == 0


def test_an_upload_past_the_workspace_limit_is_refused(db, web_config, tmp_path):
    from qms.auth import set_password
    from web.conftest import PASSWORD

    config = web_config.model_copy(update={"limits": web_config.limits.model_copy(update={"upload_max_bytes": 1024 ** 2})})
    set_password(db, config, "lan", PASSWORD)
    with TestClient(create_app(config, db, tmp_path, secret_key="k")) as client:
        assert login(client, "lan").status_code == 303
        answer = _upload(client, b"x" * (1024 ** 2 + 10))
        assert answer.status_code == 413 and "upload_max_bytes" in answer.text
        # sent in chunks with no Content-Length: counted while it streams
        token = csrf_of(client.get("/checks").text)

        def body():
            yield (b'--B\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n' + token.encode()
                   + b'\r\n--B\r\nContent-Disposition: form-data; name="log"; filename="a.csv"\r\n'
                   b"Content-Type: text/csv\r\n\r\n")
            for _ in range(20):
                yield b"x" * 65536
            yield b"\r\n--B--\r\n"

        streamed = client.post("/checks/jobs", content=body(), headers={"content-type": "multipart/form-data; boundary=B"})
        assert streamed.status_code == 413 and "upload_max_bytes" in streamed.text
        # any other form takes 1 MB at most, streamed or not: a 413, never a server error
        for path in ("/nc/NC-0001/steps/analyse", "/audits", "/lang"):
            other = client.post(path, content=body(), headers={"content-type": "multipart/form-data; boundary=B"})
            assert other.status_code == 413, (path, other.status_code)
    with db.reading() as session:
        assert session.query(CheckJob).count() == 0


def test_a_restarted_server_fails_the_jobs_it_did_not_finish(workspace_web, tmp_path):
    app, db, config = workspace_web
    job = new_job(db, user="lan", language="vi", file_name="log.csv", period=None, workspace=tmp_path)
    with TestClient(create_app(config, db, tmp_path, secret_key="k")) as client:
        assert login(client, "lan").status_code == 303
        page = client.get(f"/checks/jobs/{job.id}")
        assert 'hx-trigger="every 1s"' not in page.text and 'role="alert"' in page.text
    assert get_job(db, job.id).state == "failed"


def test_a_log_in_a_shipped_profile_is_checked_and_its_dossiers_have_timelines(workspace_web, tmp_path):
    from ingest_support import MOTCUA_HEADER, motcua_row, write_csv_text

    app, db, _config = workspace_web
    rows = [motcua_row(dossier="H1"),
            motcua_row(dossier="H1", status="Chuyển xử lý", unit="Phòng Tư pháp", at="03/03/2025 10:00"),
            motcua_row(dossier="H1", status="Trả kết quả", at="04/03/2025 09:00")]
    write_csv_text(tmp_path / "motcua.csv", MOTCUA_HEADER, rows)
    with TestClient(app) as client:
        assert login(client, "lan").status_code == 303
        assert '<option value="motcua">' in client.get("/checks").text
        unknown = _upload(client, (tmp_path / "motcua.csv").read_bytes(), name="motcua.csv", profile="../../etc/x")
        assert unknown.status_code == 422 and "motcua" in unknown.text
        answer = _upload(client, (tmp_path / "motcua.csv").read_bytes(), name="motcua.csv", profile="motcua")
        page = _finished(client, answer.headers["location"])
        job = get_job(db, int(answer.headers["location"].rsplit("/", 1)[1]))
        assert job.state == "done" and job.profile == "motcua", job.message
        assert f'href="/checks/{job.check_run_id}"' in page
        summary = json.loads((tmp_path / "ws" / "checks" / f"job-{job.id}" / "summary.json").read_text())
        assert summary["manifest"]["inputs"][0]["profile"] == "motcua"
        dossier = client.get(f"/checks/{job.check_run_id}/dossiers/H1")
        assert dossier.status_code == 200 and 'role="alert"' not in dossier.text
        assert "Phòng Tư pháp" in dossier.text  # the unit of its second event, read through the profile
