"""The report of an internal audit in the browser: make the PDF (and the workbook if
asked) with `audit_report`, the function `qms audit report` calls, list the ones made
and download them. They are kept in the workspace under reports/audit-{code}/."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from ..audit import audit_results
from ..capa import NotFound
from ..core.errors import QmsError
from ..core.i18n import SUPPORTED_LANGUAGES, _, use_language
from .audit_pages import with_audit
from .rendering import render
from .report_files import report_files, send_report_file

def audit_reports_folder(root: Path, code: str) -> Path:
    # quoted: an audit code may hold "/" (never ".." alone: it starts with a letter or digit)
    return root / "reports" / f"audit-{quote(code, safe='')}"


@with_audit
async def reports_page(request: Request, data: dict, *, problem: str | None = None, status_code: int = 200) -> Response:
    context = request.app.state.qms
    plan = data["audit"]
    return render(request, "audit_reports.html", status_code=status_code, plan=plan, coverage=data["coverage"],
                  files=report_files(audit_reports_folder(context.root, plan["code"])), problem=problem)


async def make_report(request: Request) -> Response:
    from ..report.audit_report import audit_report

    context = request.app.state.qms
    code = request.path_params["code"]
    form = await request.form()
    language = str(form.get("language", request.scope["qms_language"]))
    language = language if language in SUPPORTED_LANGUAGES else "vi"
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%d-%H%M%S")
    folder = audit_reports_folder(context.root, code)
    stem = f"{stamp}-bao-cao-danh-gia-{language}"
    targets = {kind: folder / f"{stem}.{kind}" for kind in ("pdf", "xlsx") if form.get(kind)}
    if not targets:
        return await reports_page(request, problem=_("Choose PDF, Excel or both"), status_code=422)

    def make():
        with use_language(language):  # the questions and the report's words in the language chosen
            audit_results(context.db, code)  # NotFound before a folder is made for an unknown code
            folder.mkdir(parents=True, exist_ok=True)
            return audit_report(context.db, code, config=context.config, language=language, **targets)

    try:
        await run_in_threadpool(make)
    except NotFound as error:
        return render(request, "error.html", status_code=404, message=str(error))
    except QmsError as error:
        return await reports_page(request, problem=str(error), status_code=422)
    return RedirectResponse(f"/audits/{quote(code)}/reports", status_code=303)


async def download(request: Request) -> Response:
    folder = audit_reports_folder(request.app.state.qms.root, request.path_params["code"])
    return send_report_file(request, folder, request.path_params["name"])


ROUTES = [
    Route("/audits/{code:path}/reports", reports_page, methods=["GET"]),
    Route("/audits/{code:path}/reports", make_report, methods=["POST"]),
    Route("/audits/{code:path}/reports/{name}", download, methods=["GET"]),
]
