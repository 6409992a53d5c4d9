"""Reports of a check run: make the PDF and/or Excel report (`qms report
--from-check` with the workspace's register), list the ones made, download them.
They are kept in the workspace, under reports/check-{id}/."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from ..capa.summary import register_summary
from ..core.errors import QmsError
from ..core.i18n import _
from .check_pages import with_run
from .rendering import render
from .report_files import report_files, send_report_file


def reports_folder(root: Path, run_id: int) -> Path:
    return root / "reports" / f"check-{run_id}"


def made_reports(root: Path, run_id: int) -> list[Path]:
    """The report files of a run, newest first."""
    return report_files(reports_folder(root, run_id))


@with_run
async def reports_page(request: Request, run, *, problem: str | None = None, status_code: int = 200) -> Response:
    files = made_reports(request.app.state.qms.root, run.id)
    return render(request, "reports.html", status_code=status_code, run=run, files=files, problem=problem)


@with_run
async def make_report(request: Request, run) -> Response:
    from ..report import report_from_check

    context = request.app.state.qms
    form = await request.form()
    language = str(form.get("language", request.scope["qms_language"]))
    language = language if language in ("vi", "en") else "vi"
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%d-%H%M%S")
    folder = reports_folder(context.root, run.id)
    stem = f"bao-cao-{stamp}-{language}"
    targets = {kind: folder / f"{stem}.{kind}" for kind in ("pdf", "xlsx") if form.get(kind)}
    if not targets:
        return await reports_page(request, problem=_("Choose PDF, Excel or both"), status_code=422)

    def make():
        folder.mkdir(parents=True, exist_ok=True)
        return report_from_check(run.folder, config=context.config, language=language,
                                 register=register_summary(context.db), procedures=_procedures(context), **targets)

    try:
        await run_in_threadpool(make)
    except QmsError as error:
        return await reports_page(request, problem=str(error), status_code=422)
    return RedirectResponse(f"/checks/{run.id}/reports", status_code=303)


def _procedures(context) -> list | None:
    """The workspace library's procedure issues, which name the findings' steps; None
    (steps keep their ids) when the library cannot be read."""
    from ..library import load_library

    try:
        return load_library(context.root / context.config.docs_dir).documents("procedure")
    except QmsError:
        return None


@with_run
async def download(request: Request, run) -> Response:
    return send_report_file(request, reports_folder(request.app.state.qms.root, run.id), request.path_params["name"])


ROUTES = [
    Route("/checks/{run_id:int}/reports", reports_page, methods=["GET"]),
    Route("/checks/{run_id:int}/reports", make_report, methods=["POST"]),
    Route("/checks/{run_id:int}/reports/{name}", download, methods=["GET"]),
]
