"""Running a check from the browser: POST /checks/jobs uploads a log (quality
officers only) and queues its check in the application's job pool;
/checks/jobs/{id} shows how far it got (polled by HTMX, or refreshed by the browser
without JavaScript), the error when it failed, and the dashboard link when done."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import ClientDisconnect, Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from ..capa import PermissionRefused
from ..capa.roles import require
from ..check_runs import list_check_runs
from ..core.errors import QmsError
from ..core.i18n import _
from .check_jobs import STEPS, fail_job, job_state_name, log_profiles, get_job, list_jobs, new_job, upload_stored
from .nc_pages import may_take
from .rendering import render, user_of
from .uploads import UploadTooLarge, too_large_response

COPY_CHUNK = 1024 * 1024


async def check_list(request: Request, *, problem: str | None = None, status_code: int = 200) -> Response:
    """The check runs, the recent jobs, and for quality officers the upload form."""
    db = request.app.state.qms.db
    runs = await run_in_threadpool(list_check_runs, db)
    jobs = await run_in_threadpool(list_jobs, db)
    return render(request, "checks.html", runs=runs, jobs=jobs, job_state=job_state_name, problem=problem, status_code=status_code,
                  may_run=may_take(request.app.state.qms.config, user_of(request), "run_check"),
                  profiles=log_profiles())


def _period(form) -> tuple[dt.date, dt.date] | None:
    start, end = str(form.get("period_from") or "").strip(), str(form.get("period_to") or "").strip()
    if not start and not end:
        return None
    if not (start and end):
        raise QmsError(_("Give both the first and the last day of the period, or neither"))
    days = []
    for text in (start, end):
        try:
            days.append(dt.date.fromisoformat(text))
        except ValueError:
            raise QmsError(_("A date must be written YYYY-MM-DD, not '{value}'").format(value=text)) from None
    if days[0] > days[1]:
        raise QmsError(_("The period ends ({to}) before it starts ({start})").format(to=end, start=start))
    return days[0], days[1]


def _store(upload: UploadFile, target: Path) -> int:
    """The upload copied into the workspace (uploads/job-N/); its size."""
    target.parent.mkdir(parents=True, exist_ok=True)
    upload.file.seek(0)
    with target.open("wb") as out:
        shutil.copyfileobj(upload.file, out, COPY_CHUNK)
    return target.stat().st_size


async def start_job(request: Request) -> Response:
    context = request.app.state.qms
    user = user_of(request)
    try:
        require(context.config, user, "run_check")
    except PermissionRefused as error:
        return await check_list(request, problem=str(error), status_code=403)
    try:
        form = await request.form(max_files=1, max_fields=10)
    except UploadTooLarge:
        return too_large_response(context.config.limits.upload_max_bytes)
    except ClientDisconnect:
        return Response(status_code=400)
    upload = form.get("log")
    try:
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise QmsError(_("Choose the log file to check"))
        period = _period(form)
        job = await run_in_threadpool(new_job, context.db, user=user, language=request.scope["qms_language"],
                                      file_name=upload.filename, period=period, workspace=context.root,
                                      profile=str(form.get("profile") or "").strip() or None)
        size = await run_in_threadpool(_store, upload, Path(job.upload_path))
    except QmsError as error:
        return await check_list(request, problem=str(error), status_code=422)
    except OSError as error:  # the workspace's disk full, say: the job says so rather than stay queued
        await run_in_threadpool(fail_job, context.db, job.id, _("cannot write to {path}: {error}").format(
            path=job.upload_path, error=error.strerror or error))
        return RedirectResponse(f"/checks/jobs/{job.id}", status_code=303)
    finally:
        await form.close()
    if size == 0:
        await run_in_threadpool(fail_job, context.db, job.id, _("{name}: the file is empty").format(name=job.file_name))
    else:
        await run_in_threadpool(upload_stored, context.db, job.id, size)
        context.jobs.submit(context.db, job, context.library_dir)
    return RedirectResponse(f"/checks/jobs/{job.id}", status_code=303)


async def job_page(request: Request) -> Response:
    job = await run_in_threadpool(get_job, request.app.state.qms.db, request.path_params["job_id"])
    if job is None:
        return render(request, "error.html", status_code=404, message=_("No such check job"))
    partial = request.headers.get("hx-request") == "true"
    return render(request, "check_job_status.html" if partial else "check_job.html", job=job, steps=STEPS,
                  job_state=job_state_name)


ROUTES = [
    Route("/checks", check_list, methods=["GET"]),
    Route("/checks/jobs", start_job, methods=["POST"]),
    Route("/checks/jobs/{job_id:int}", job_page, methods=["GET"]),
]
