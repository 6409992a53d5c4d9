"""End to end in a real headless Chromium (Debian's, driven by Playwright): log in,
NC list → detail → a workflow step, the conflict seen by a second browser, the
language switch, a dashboard drill-down to a dossier, and an audit's results recorded
in the browser. One browser and one server for the module. Screenshots land in
QMS_SCREENSHOTS (a folder) when it is set."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest
import uvicorn

from qms.auth import set_password
from qms.capa import raise_nc, show_nc
from qms.db import open_database
from qms.web.app import create_app

from qms.check_runs import register_check_run

from web.conftest import PASSWORD, synthetic_check

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def browser():
    playwright_api = pytest.importorskip("playwright.sync_api")
    executable = shutil.which("chromium")
    assert executable, "Debian's chromium is part of the test set (scripts/bootstrap.sh test)"
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A real uvicorn on 127.0.0.1 over a SQLite register with two NCs, a check run and a
    planned audit; one server for the module (each test works on its own records; the
    audit test, last, raises a third NC)."""
    from capa.conftest import checklist as checklist_fixture
    from capa.conftest import programme_yaml as programme_fixture
    from qms.audit import load_programme_file, plan_audit, save_programme
    from qms.model.workspace import WorkspaceConfig

    tmp_path = tmp_path_factory.mktemp("e2e")
    out, library = synthetic_check(tmp_path)
    config = WorkspaceConfig.model_validate({
        "docs_dir": str(library.root),  # the library the check judged by: the dossier pages judge by it too
        "organisation": {"name": {"vi": "Trung tâm Phục vụ hành chính công tỉnh X"}},
        "units": {"TP": {"vi": "Sở Tư pháp"}, "TNMT": {"vi": "Sở Tài nguyên và Môi trường"}},
        "users": {"lan": {"name": "Nguyễn Thị Lan", "roles": ["quality_officer"]},
                  "hung": {"name": "Trần Văn Hùng", "roles": ["manager"]},
                  "mai": {"name": "Lê Thị Mai", "unit": "TP", "roles": ["auditor"]},
                  "binh": {"name": "Võ Văn Bình", "unit": "TNMT", "roles": []}},
    })
    db = open_database(f"sqlite:///{tmp_path / 'qms.db'}")
    for user in config.users:
        set_password(db, config, user, PASSWORD)
    raise_nc(db, config, "lan", title="Hồ sơ giải quyết quá hạn tại Sở Tư pháp", severity="major", unit="TP",
             procedure_code="QT-01", evidence=[("dossier", "HS-0001", "")])
    raise_nc(db, config, "lan", title="Thiếu phiếu xin lỗi", severity="minor", unit="TP")
    register_check_run(db, out)
    save_programme(db, config, "lan", load_programme_file(programme_fixture.__wrapped__(tmp_path)))
    plan_audit(db, config, "lan", "DG-2026-01", audit_date=dt.date(2026, 3, 17), lead_auditor="mai", auditors=[],
               auditees=["binh"], checklist=checklist_fixture.__wrapped__())
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(config, db, tmp_path, secret_key="e2e"), host="127.0.0.1",
                                           port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", db
    server.should_exit = True
    thread.join(timeout=10)
    db.dispose()


def _shot(page, name: str) -> None:
    folder = os.environ.get("QMS_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def _log_in(page, base: str, user: str) -> None:
    page.goto(f"{base}/nc")
    assert "/login" in page.url
    page.get_by_label("Tên đăng nhập").fill(user)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"{base}/nc")


def test_login_list_detail_step_and_conflict(browser, server):
    base, db = server
    first = browser.new_context(viewport={"width": 1024, "height": 768})  # a tablet held landscape
    second = browser.new_context(viewport={"width": 1024, "height": 768})
    try:
        officer, manager = first.new_page(), second.new_page()
        _log_in(officer, base, "lan")
        _shot(officer, "nc-list")
        assert officer.get_by_text("2 sự không phù hợp").is_visible()
        officer.get_by_role("link", name="NC-0001").click()
        officer.wait_for_url(f"{base}/nc/NC-0001")
        _log_in(manager, base, "hung")
        manager.goto(f"{base}/nc/NC-0001")  # both have version 1 open
        officer.get_by_label("Biện pháp khắc phục tức thời: đã làm gì ngay để hạn chế ảnh hưởng").fill(
            "Tạm dừng tiếp nhận hồ sơ mới")
        officer.get_by_role("button", name="Ghi nhận biện pháp tức thời").click()
        officer.wait_for_load_state()
        assert officer.get_by_text("phiên bản 2").is_visible()
        _shot(officer, "nc-detail")
        manager.get_by_label("Biện pháp khắc phục tức thời: đã làm gì ngay để hạn chế ảnh hưởng").fill("Khác")
        manager.get_by_role("button", name="Ghi nhận biện pháp tức thời").click()
        manager.wait_for_load_state()
        alert = manager.get_by_role("alert")
        assert "lan" in alert.inner_text() and "Tạm dừng tiếp nhận hồ sơ mới" in alert.inner_text()
        _shot(manager, "nc-conflict")
        assert show_nc(db, 1).containment == "Tạm dừng tiếp nhận hồ sơ mới"
        # the language switch
        officer.get_by_role("button", name="English").click()
        officer.wait_for_load_state()
        assert officer.get_by_role("link", name="Nonconformities", exact=True).is_visible()
        assert officer.evaluate("document.documentElement.lang") == "en"
    finally:
        first.close()
        second.close()


def test_dashboard_drill_down_to_a_dossier(browser, server):
    base, _db = server
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        _log_in(page, base, "hung")
        page.get_by_role("link", name="Kết quả kiểm tra").click()
        page.get_by_role("link", name="1", exact=True).click()
        page.wait_for_url(f"{base}/checks/1")
        assert page.locator("svg").count() == 3
        _shot(page, "check-dashboard")
        page.locator("a[href^='/checks/1/findings']").first.click()
        page.wait_for_load_state()
        _shot(page, "check-findings")
        page.locator("a[href^='/checks/1/dossiers/']").first.click()
        page.wait_for_load_state()
        assert page.get_by_role("heading", level=1).inner_text().startswith("Hồ sơ ")
        assert page.locator("figure.timeline svg circle").count() >= 1  # the step handovers drawn
        assert page.get_by_role("alert").count() == 0
        _shot(page, "dossier")
    finally:
        context.close()


def test_a_log_uploaded_is_checked_while_the_page_follows_it(browser, server, tmp_path):
    """The job page is polled by HTMX in a real browser until the run's dashboard link appears."""
    from qms.synth import generate_log
    from qms.synth.output import write_events
    from check_support import approved_sample_library

    base, _db = server
    write_events(generate_log(approved_sample_library(), 60, seed=8, defect_rate=0.3).events,
                 tmp_path / "tai-len.csv", "csv")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        _log_in(page, base, "lan")
        page.goto(f"{base}/checks")
        page.get_by_label("Tệp nhật ký").set_input_files(str(tmp_path / "tai-len.csv"))
        page.get_by_role("button", name="Tải lên và kiểm tra").click()
        page.wait_for_url(f"{base}/checks/jobs/1")
        done = page.get_by_role("link", name="Mở bảng tổng hợp của lần kiểm tra 2")
        done.wait_for(timeout=120_000)  # no reload: HTMX swapped the status in
        _shot(page, "check-job")
        done.click()
        page.wait_for_url(f"{base}/checks/2")
        assert page.locator("svg").count() == 3
    finally:
        context.close()


def test_recording_an_audit_in_the_browser(browser, server):
    from qms.audit import audit_results
    from qms.capa import show_nc

    base, db = server
    context = browser.new_context(viewport={"width": 768, "height": 1024})  # a tablet held upright
    try:
        page = context.new_page()
        _log_in(page, base, "mai")
        page.get_by_role("link", name="Đánh giá nội bộ").click()
        page.get_by_role("link", name="DG-2026-01").click()
        page.wait_for_url(f"{base}/audits/DG-2026-01")
        page.get_by_label("Kết quả DOC-1").select_option(label="Phù hợp")
        page.get_by_label("Bằng chứng DOC-1").fill("QT-01 lần 3 tại quầy")
        page.get_by_label("Kết quả OPS-2").select_option(label="Không phù hợp nặng")
        page.get_by_label("Ghi chú OPS-2").fill("Hỏi lại cán bộ một cửa")
        page.get_by_role("button", name="Ghi nhận kết quả").click()
        page.wait_for_load_state()
        # refused: an NC needs its evidence; the item is marked and what was typed is still there
        assert page.get_by_role("alert").first.is_visible()
        assert page.locator("li.item.refused").count() == 1
        assert page.get_by_label("Ghi chú OPS-2").input_value() == "Hỏi lại cán bộ một cửa"
        assert page.get_by_label("Bằng chứng DOC-1").input_value() == "QT-01 lần 3 tại quầy"
        assert audit_results(db, "DG-2026-01")["coverage"]["recorded"] == 0
        page.get_by_label("Bằng chứng OPS-2").fill("HS-0012 trả sau hẹn 5 ngày")
        page.get_by_role("button", name="Ghi nhận kết quả").click()
        page.wait_for_url(f"{base}/audits/DG-2026-01")
        _shot(page, "audit")
        nc_link = page.locator("li.item a[href^='/nc/']")
        assert nc_link.count() == 1
        code = nc_link.inner_text()
        data = audit_results(db, "DG-2026-01")
        assert data["coverage"]["recorded"] == 2 and data["nonconformities"] == [code]
        assert show_nc(db, code).severity == "major"
        nc_link.click()
        page.wait_for_url(f"{base}/nc/{code}")
        assert "HS-0012 trả sau hẹn 5 ngày" in page.locator("main").inner_text()
    finally:
        context.close()
