"""/api/...: a small read-only JSON API mirroring the pages, for other systems
(authenticated by a session or a per-user token: `Authorization: Bearer qms_…`)."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..capa import NotFound, show_nc
from ..capa.listing import page_ncs
from ..check_runs import get_check_run, list_check_runs, read_summary
from .nc_pages import PER_PAGE, _filters, _int


async def api_nc_list(request: Request) -> Response:
    page = await run_in_threadpool(page_ncs, request.app.state.qms.db, _filters(request),
                                   page=_int(request.query_params.get("page"), 1), per_page=PER_PAGE)
    return JSONResponse({"total": page.total, "page": page.page, "per_page": page.per_page,
                         "nonconformities": [row.model_dump(mode="json") for row in page.rows]})


async def api_nc(request: Request) -> Response:
    try:
        nc = await run_in_threadpool(show_nc, request.app.state.qms.db, request.path_params["code"],
                                     evidence_limit=1000)
    except NotFound as error:
        return JSONResponse({"error": str(error)}, status_code=404)
    return JSONResponse(nc.model_dump(mode="json"))


async def api_checks(request: Request) -> Response:
    runs = await run_in_threadpool(list_check_runs, request.app.state.qms.db)
    return JSONResponse({"check_runs": [run.model_dump(mode="json") for run in runs]})


async def api_check(request: Request) -> Response:
    run = await run_in_threadpool(get_check_run, request.app.state.qms.db, request.path_params["run_id"])
    if run is None:
        return JSONResponse({"error": "no such check run"}, status_code=404)
    summary = await run_in_threadpool(read_summary, run)
    return JSONResponse({"run": run.model_dump(mode="json"), "summary": summary.model_dump(mode="json")})


ROUTES = [
    Route("/api/nc", api_nc_list, methods=["GET"]),
    Route("/api/nc/{code}", api_nc, methods=["GET"]),
    Route("/api/checks", api_checks, methods=["GET"]),
    Route("/api/checks/{run_id:int}", api_check, methods=["GET"]),
]
