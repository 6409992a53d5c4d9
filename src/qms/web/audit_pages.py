"""/audits: the audit programme of a year; /audits/{code}: one audit's plan, results
and coverage, with the checklist as a form for the audit team (an alternative to
the Excel round trip; `record_results` decides who may record)."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from ..audit import audit_results, record_results, show_programme
from ..audit.programme import programme_years
from ..capa import NotFound, PermissionRefused
from ..capa.register import local_today
from ..core.errors import QmsError
from ..model.audit import RESULT_LABELS, AuditResultValue, ItemResult
from ..model.workspace import Role
from .rendering import render, user_of

# The audit's state in the reader's language (msgids in web.po).
AUDIT_STATUS = {"programmed": "Programmed", "planned": "Planned", "recorded": "Results recorded"}


async def programme_page(request: Request) -> Response:
    db = request.app.state.qms.db
    years = await run_in_threadpool(programme_years, db)
    try:
        year = int(request.query_params.get("year", "")) if request.query_params.get("year") else None
    except ValueError:
        year = None
    year = year or (years[0] if years else local_today().year)
    try:
        programme = await run_in_threadpool(show_programme, db, year)
    except NotFound:
        programme = None
    return render(request, "audits.html", programme=programme, years=years, year=year, audit_status=AUDIT_STATUS)


def _may_record(config, user: str, plan: dict) -> bool:
    person = config.users.get(user)
    if person is None or set(person.roles) <= {Role.inspector} or plan["status"] == "programmed":
        return False
    return Role.quality_officer in person.roles or (
        Role.auditor in person.roles and user in [plan["lead_auditor"], *(plan["auditors"] or [])])


async def audit_page(request: Request, *, problem: str | None = None, status_code: int = 200) -> Response:
    context = request.app.state.qms
    try:
        data = await run_in_threadpool(audit_results, context.db, request.path_params["code"])
    except NotFound as error:
        return render(request, "error.html", status_code=404, message=str(error))
    language = request.scope["qms_language"]
    labels = {value.value: text.in_language(language) for value, text in RESULT_LABELS.items()}
    return render(request, "audit.html", status_code=status_code, data=data, plan=data["audit"],
                  result_labels=labels, problem=problem, audit_status=AUDIT_STATUS,
                  may_record=_may_record(context.config, user_of(request), data["audit"]))


async def record_page(request: Request) -> Response:
    context = request.app.state.qms
    code = request.path_params["code"]
    form = await request.form()
    items = [key[len("result:"):] for key in form if key.startswith("result:")]
    results = []
    for item_id in items:
        value = str(form.get(f"result:{item_id}", ""))
        if not value:
            continue  # left unanswered in the form
        if value not in AuditResultValue.__members__:
            return await audit_page(request, problem=f"{item_id}: {value}", status_code=422)
        results.append(ItemResult(item_id=item_id, result=AuditResultValue(value),
                                  evidence=str(form.get(f"evidence:{item_id}", "")),
                                  notes=str(form.get(f"notes:{item_id}", ""))))
    try:
        await run_in_threadpool(record_results, context.db, context.config, user_of(request), code, results,
                                source="web")
    except PermissionRefused as error:
        return await audit_page(request, problem=str(error), status_code=403)
    except QmsError as error:
        return await audit_page(request, problem=str(error), status_code=422)
    return RedirectResponse(f"/audits/{code}", status_code=303)


ROUTES = [
    Route("/audits", programme_page, methods=["GET"]),
    Route("/audits/{code}", audit_page, methods=["GET"]),
    Route("/audits/{code}/results", record_page, methods=["POST"]),
]
