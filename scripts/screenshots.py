#!/usr/bin/env python3
"""Screenshots of the web workspace for docs/web/, taken in Debian's headless Chromium
(Playwright) against a copy of the demo workspace served by the real `qms serve`.

    make demo && .venv/bin/python scripts/screenshots.py            # docs/web/*.png
    .venv/bin/python scripts/screenshots.py --all --out /tmp/shots  # vi and en, desktop and tablet

The copy (the demo itself is left as it is) gets passwords for its users; the audit
pages are filled in through the browser as a quality officer and an auditor would:
an audit added to the 2026 programme, planned, its results recorded, its report made.
Look at every image before committing it."""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QMS = ROOT / ".venv" / "bin" / "qms"
PASSWORD = "demo-password-2026"
USERS = ("iso.secretary", "deputy.director", "auditor.justice", "inspector")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
DESKTOP, TABLET = 1280, 768  # a tablet held upright
# What the docs show besides every page in Vietnamese on a desktop.
DOC_VARIANTS = {("nc-list", "vi", TABLET), ("audit", "en", DESKTOP)}
# The browser's own locale too (date inputs, number formats of the browser)
LOCALES = {"vi": "vi-VN", "en": "en-GB"}
# Long pages shown by their first screen (the register lists 50 NCs a page)
FIRST_SCREEN = {"nc-list"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", type=Path, default=ROOT / "demo-out" / "workspace",
                        help="the workspace `make demo` made (default: demo-out/workspace)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "web", help="folder of the PNG files")
    parser.add_argument("--all", action="store_true", help="every page in vi and en, desktop and tablet width")
    options = parser.parse_args()
    if not (options.workspace / "qms.yaml").is_file():
        sys.exit(f"{options.workspace} is not a workspace: run `make demo` first")
    chromium = shutil.which("chromium")
    if not chromium:
        sys.exit("Debian's chromium is needed (scripts/bootstrap.sh test)")
    options.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="qms-shots-") as scratch:
        workspace = Path(scratch) / "workspace"
        shutil.copytree(options.workspace, workspace)
        for user in USERS:
            subprocess.run([QMS, "user", "set-password", user, "--password-stdin"], input=PASSWORD + "\n",
                           text=True, cwd=workspace, check=True, capture_output=True)
        with serving(workspace) as base:
            from playwright.sync_api import sync_playwright

            with sync_playwright() as playwright:
                for lang in ("vi", "en"):
                    # one browser a language: Chromium draws date inputs in its own locale only
                    locale = LOCALES[lang]
                    browser = playwright.chromium.launch(
                        executable_path=chromium, args=[*CHROMIUM_ARGS, f"--lang={locale}"],
                        env={**os.environ, "LANGUAGE": locale.replace("-", "_"), "LANG": locale.replace("-", "_") + ".UTF-8"})
                    try:
                        if lang == "vi":
                            fill_in_the_audit(browser, base)
                            conflict(browser, base, options.out)
                        for width in (DESKTOP, TABLET):
                            shoot_pages(browser, base, options.out, lang, width, every=options.all)
                    finally:
                        browser.close()
    print(f"screenshots in {options.out}: look at each one")
    return 0


@contextmanager
def serving(workspace: Path):
    """`qms serve` in the workspace on a free port; stopped (by its own pid) at the end."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    environment = {**os.environ, "QMS_SECRET_KEY": "screenshots-only"}
    server = subprocess.Popen([QMS, "serve", "--port", str(port)], cwd=workspace, env=environment,
                              stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with socket.socket() as attempt:
                if attempt.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if server.poll() is not None:
                sys.exit("qms serve stopped: " + server.stderr.read())
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def login_page(browser, base: str, lang: str, width: int):
    """A new browser context on the login page, in `lang`."""
    context = browser.new_context(viewport={"width": width, "height": 900}, locale=LOCALES[lang])
    page = context.new_page()
    page.goto(f"{base}/login")
    if lang == "en":
        page.click("#lang-switch")
        page.wait_for_load_state()
    return context, page


def log_in(browser, base: str, user: str, *, lang: str = "vi", width: int = DESKTOP):
    context, page = login_page(browser, base, lang, width)
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(f"{base}/nc*")
    return context, page


def fill_in_the_audit(browser, base: str) -> None:
    """The audit pages through their forms, so that the screenshots show a real audit."""
    context, page = log_in(browser, base, "iso.secretary")
    try:
        page.goto(f"{base}/audits?year=2026")
        if page.locator("a[href='/audits/DG-2026-01']").count() == 0:
            add = [("DG-2026-01", "Đánh giá quy trình đăng ký kinh doanh", "PHONG_DKKD", "QT-DKKD-01",
                    "7.5, 8.5.1, 8.7", "3"),
                   ("DG-2026-02", "Đánh giá bộ phận một cửa", "MOTCUA", "", "", "9")]
            for code, title, unit, process, clauses, month in add:
                page.fill("#a-year", "2026")
                if page.locator("#a-ptitle").count():
                    page.fill("#a-ptitle", "Chương trình đánh giá nội bộ năm 2026")
                page.fill("#a-code", code)
                page.fill("#a-title", title)
                page.check(f"input[name=units][value={unit}]")
                page.fill("#a-processes", process)
                page.fill("#a-clauses", clauses)
                page.select_option("#a-month", month)
                page.click("form[action='/audits'] button[type=submit]")
                page.wait_for_url(f"{base}/audits?year=2026")
        page.goto(f"{base}/audits/DG-2026-01/plan")
        page.fill("#p-date", "2026-03-10")
        page.select_option("#p-lead", "auditor.justice")
        page.check("input[name=auditees][value='deputy.director']")
        page.select_option("#p-checklist", "DG-ISO-01")
        page.click("form[action$='/plan'] button[type=submit]")
        page.wait_for_url(f"{base}/audits/DG-2026-01")
    finally:
        context.close()
    context, page = log_in(browser, base, "auditor.justice")
    try:
        page.goto(f"{base}/audits/DG-2026-01")
        answers = ["conforming", "minor_nc", "observation", "ofi", "conforming", "not_applicable"]
        selects = page.locator("select[name^='result:']")
        for index in range(min(selects.count(), len(answers))):
            item = selects.nth(index).get_attribute("name").split(":", 1)[1]
            selects.nth(index).select_option(answers[index])
            evidence = {"minor_nc": "HS-000123, HS-000456: phiếu kiểm soát thiếu bước thẩm định",
                        "observation": "Sổ theo dõi ghi bằng tay, dễ sót",
                        "ofi": "Nên gửi tin nhắn khi hồ sơ sắp đến hạn"}.get(answers[index], "Đã xem hồ sơ mẫu")
            page.fill(f"textarea[name='evidence:{item}']", evidence)
        page.click("form[action$='/results'] button[type=submit]")
        page.wait_for_url(f"{base}/audits/DG-2026-01")
        page.goto(f"{base}/audits/DG-2026-01/reports")
        page.click("form[action$='/reports'] button[type=submit]")
        page.wait_for_url(f"{base}/audits/DG-2026-01/reports", timeout=120_000)
    finally:
        context.close()


def shoot_pages(browser, base: str, out: Path, lang: str, width: int, *, every: bool) -> None:
    def wanted(name: str) -> bool:
        return every or (lang, width) == ("vi", DESKTOP) or (name, lang, width) in DOC_VARIANTS

    def shoot(page, name: str) -> None:
        if wanted(name):
            suffix = ("" if lang == "vi" else f".{lang}") + ("" if width == DESKTOP else ".tablet")
            page.screenshot(path=str(out / f"{name}{suffix}.png"), full_page=name not in FIRST_SCREEN)

    context, page = login_page(browser, base, lang, width)
    shoot(page, "login")
    context.close()
    context, page = log_in(browser, base, "iso.secretary", lang=lang, width=width)
    try:
        shoot(page, "nc-list")
        page.goto(f"{base}/nc/NC-0001")
        shoot(page, "nc-detail")
        page.goto(f"{base}/checks")
        shoot(page, "checks-upload")
        run = page.locator("a[href^='/checks/']").first.get_attribute("href")
        page.goto(base + run)
        shoot(page, "check-dashboard")
        page.goto(base + page.locator(f"a[href^='{run}/findings']").first.get_attribute("href"))
        page.goto(base + page.locator(f"a[href^='{run}/dossiers/']").first.get_attribute("href"))
        shoot(page, "dossier")
        page.goto(f"{base}{run}/reports")
        shoot(page, "reports")
        page.goto(f"{base}/audits?year=2026")
        shoot(page, "audits")
        page.goto(f"{base}/audits/DG-2026-02/plan")
        shoot(page, "audit-plan")
        page.goto(f"{base}/audits/DG-2026-01/reports")
        shoot(page, "audit-report")
        page.goto(f"{base}/documents?in_force=1")
        shoot(page, "documents")
        page.goto(f"{base}/documents/QT-XD-01/2")
        shoot(page, "document")
    finally:
        context.close()
    context, page = log_in(browser, base, "auditor.justice", lang=lang, width=width)
    try:
        page.goto(f"{base}/audits/DG-2026-01")
        shoot(page, "audit")
    finally:
        context.close()


def conflict(browser, base: str, out: Path) -> None:
    """Two people on one NC: the second one's step is refused, with what changed."""
    first, officer = log_in(browser, base, "iso.secretary")
    second, manager = log_in(browser, base, "deputy.director")
    try:
        officer.goto(f"{base}/nc/NC-0002")
        manager.goto(f"{base}/nc/NC-0002")
        officer.fill("#step-contain textarea", "Tạm dừng tiếp nhận hồ sơ mới tại quầy số 3")
        officer.click("#step-contain button[type=submit]")
        officer.wait_for_load_state()
        manager.fill("#step-contain textarea", "Nhắc cán bộ trả kết quả đúng hẹn")
        manager.click("#step-contain button[type=submit]")
        manager.wait_for_load_state()
        manager.screenshot(path=str(out / "nc-conflict.png"), full_page=True)
    finally:
        first.close()
        second.close()


if __name__ == "__main__":
    raise SystemExit(main())
