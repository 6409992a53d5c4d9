"""`qms check --out DIR` inside a workspace registers the run; the web shows it."""

from __future__ import annotations

import json

from click.testing import CliRunner
from starlette.testclient import TestClient

from check_support import approved_sample_library
from qms.auth import set_password
from qms.capa import list_ncs
from qms.records import verify_register
from qms.check_runs import list_check_runs
from qms.cli import main
from qms.db import open_database
from qms.synth import generate_log
from qms.synth.output import write_events
from qms.web.app import create_app
from qms.workspace import init_workspace

from web.conftest import PASSWORD, login


def test_a_check_in_a_workspace_is_registered_and_has_a_dashboard(tmp_path, monkeypatch):
    workspace = init_workspace(tmp_path / "ws")
    library = approved_sample_library()
    log = generate_log(library, 150, seed=3, defect_rate=0.3)
    write_events(log.events, tmp_path / "log.parquet", "parquet")
    monkeypatch.chdir(workspace.root)
    monkeypatch.delenv("QMS_DATABASE_URL", raising=False)
    answer = CliRunner().invoke(main, ["--lang", "en", "check", str(tmp_path / "log.parquet"), "--docs",
                                       str(library.root), "--out", str(tmp_path / "out")])
    assert answer.exit_code == 0, answer.output
    db = open_database(workspace.database_url)
    try:
        [run] = list_check_runs(db)
        manifest = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))["manifest"]
        assert run.out_dir == str((tmp_path / "out").resolve())
        assert run.inputs[0]["sha256"] == manifest["inputs"][0]["sha256"] and run.dossiers == 150
        set_password(db, workspace.config, "deputy.director", PASSWORD)
        with TestClient(create_app(workspace.config, db, workspace.root, secret_key="k")) as client:
            assert login(client, "deputy.director").status_code == 303
            board = client.get(f"/checks/{run.id}")
            assert board.status_code == 200 and board.text.count("<svg") == 3
            rule = next(iter(json.loads((tmp_path / "out" / "summary.json").read_text())["findings"]["by_rule"]))
            # rules by their titles; the id only as the link's tooltip, never as text on the page
            assert f">{rule}<" not in board.text and f'title="{rule}"' in board.text
            drill = client.get(f"/checks/{run.id}/findings", params={"rule": rule})
            dossier_link = drill.text.split(f'href="/checks/{run.id}/dossiers/')[1].split('"')[0]
            assert client.get(f"/checks/{run.id}/dossiers/{dossier_link}").status_code == 200
            api = client.get(f"/api/checks/{run.id}").json()
            assert api["summary"]["totals"]["received_total"] == 150
            # a manager may not raise NCs from a check (the CLI's rule); a quality officer may
            assert "/raise-ncs" not in board.text
            token = board.text.split('name="csrf_token" value="')[1].split('"')[0]
            assert client.post(f"/checks/{run.id}/raise-ncs", data={"csrf_token": token}).status_code == 403
        set_password(db, workspace.config, "iso.secretary", PASSWORD)
        with TestClient(create_app(workspace.config, db, workspace.root, secret_key="k")) as client:
            assert login(client, "iso.secretary").status_code == 303
            board = client.get(f"/checks/{run.id}")
            token = board.text.split('name="csrf_token" value="')[1].split('"')[0]
            raised = client.post(f"/checks/{run.id}/raise-ncs", data={"csrf_token": token, "period": "quarter",
                                                                      "min_severity": "major"})
            assert raised.status_code == 200 and 'href="/nc/NC-0001"' in raised.text
            listed = raised.text.split('href="/nc/NC-0001"')[0].rsplit("<ul>", 1)[1] + raised.text.split(
                'href="/nc/NC-0001"')[1].split("</ul>")[0]
            from qms.check.rules import REGISTRY
            assert not [r for r in REGISTRY if f"· {r} ·" in listed]
            assert any(f"· {rule.title.in_language('vi')} ·" in listed for rule in REGISTRY.values())
            again = client.post(f"/checks/{run.id}/raise-ncs", data={"csrf_token": token, "period": "quarter",
                                                                     "min_severity": "major"})
            assert 'href="/nc/NC-0001"' not in again.text  # nothing new the second time
            assert verify_register(db).ok and {nc.raised_by for nc in list_ncs(db)} == {"iso.secretary"}
    finally:
        db.dispose()


def test_an_excel_report_is_made_listed_and_downloaded(web, client_for, tmp_path):
    from openpyxl import load_workbook

    from qms.check_runs import register_check_run

    from web.conftest import csrf_of, synthetic_check

    _app, db, _config = web
    run = register_check_run(db, synthetic_check(tmp_path, dossiers=60)[0])
    client = client_for("hung")
    page = client.get(f"/checks/{run.id}/reports")
    assert page.status_code == 200 and "/reports/" not in page.text.split("<h2>")[1]
    nothing = client.post(f"/checks/{run.id}/reports", data={"csrf_token": csrf_of(page.text)})
    assert nothing.status_code == 422
    made = client.post(f"/checks/{run.id}/reports", data={"csrf_token": csrf_of(page.text), "xlsx": "1",
                                                          "language": "vi"}, follow_redirects=False)
    assert made.status_code == 303
    listing = client.get(f"/checks/{run.id}/reports").text
    name = listing.split(f'href="/checks/{run.id}/reports/')[1].split('"')[0]
    assert name.endswith("-vi.xlsx")
    download = client.get(f"/checks/{run.id}/reports/{name}")
    assert download.status_code == 200 and download.headers["content-type"].startswith("application/vnd.openxml")
    (tmp_path / "got.xlsx").write_bytes(download.content)
    assert load_workbook(tmp_path / "got.xlsx").sheetnames
    for hostile in ("..%2F..%2Fqms.db", "%2Fetc%2Fpasswd", "qms.db"):
        assert client.get(f"/checks/{run.id}/reports/{hostile}").status_code == 404
