"""/audits: the audit programme of a year; /audits/{code}: one audit's plan, results
and coverage, with the checklist as a form for the audit team (an alternative to
the Excel round trip; `record_results` decides who may record)."""

from __future__ import annotations

import functools
from urllib.parse import quote

from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from ..audit import audit_results, record_results, show_programme
from ..audit.record import ResultsRefused
from ..audit.programme import programme_years
from ..capa import NotFound, PermissionRefused
from ..capa.register import local_today
from ..capa.roles import PERMISSIONS
from ..core.errors import QmsError
from ..core.i18n import _
from ..model.audit import RESULT_LABELS, ItemResult
from ..model.workspace import Role
from .form_errors import field_errors
from .rendering import render, user_of

# The audit's state in the reader's language (msgids in web.po).
AUDIT_STATUS = {"programmed": "Programmed", "planned": "Planned", "recorded": "Results recorded"}


async def programme_page(request: Request, *, typed: dict | None = None, errors: dict | None = None,
                         problem: str | None = None, status_code: int = 200) -> Response:
    """The programme of a year and, for those who may change it, the form adding an audit
    (shown again with what was typed and its errors when `add_audit` refused it)."""
    context = request.app.state.qms
    db = context.db
    years = await run_in_threadpool(programme_years, db)
    try:
        year = int(request.query_params.get("year", "")) if request.query_params.get("year") else None
    except ValueError:
        year = None
    if year is None and typed and typed.get("year", "").isdigit():
        year = int(typed["year"])
    year = year or (years[0] if years else local_today().year)
    try:
        programme = await run_in_threadpool(show_programme, db, year)
    except NotFound:
        programme = None
    language = request.scope["qms_language"]
    return render(request, "audits.html", status_code=status_code, programme=programme, years=years, year=year,
                  audit_status=AUDIT_STATUS, problem=problem, errors=errors or {},
                  typed=typed or {"year": str(year), "units": []},
                  may_programme=holds(context.config, user_of(request), "programme"),
                  units=[(code, unit.in_language(language)) for code, unit in context.config.units.items()])


def with_audit(handler):
    """The handler gets `audit_results` of the URL's audit as `data`; an unknown audit is a 404."""
    @functools.wraps(handler)
    async def wrapper(request: Request, **options) -> Response:
        try:
            data = await run_in_threadpool(audit_results, request.app.state.qms.db, request.path_params["code"])
        except NotFound as error:
            return render(request, "error.html", status_code=404, message=str(error))
        return await handler(request, data, **options)

    return wrapper


def holds(config, user: str, permission: str) -> bool:
    """Whether a page offers a step: the roles `capa.roles.require` asks for."""
    person = config.users.get(user)
    return person is not None and set(person.roles) != {Role.inspector} and bool(
        set(person.roles) & PERMISSIONS[permission])


def _may_record(config, user: str, plan: dict) -> bool:
    person = config.users.get(user)
    if person is None or set(person.roles) <= {Role.inspector} or plan["status"] == "programmed":
        return False
    return Role.quality_officer in person.roles or (
        Role.auditor in person.roles and user in [plan["lead_auditor"], *(plan["auditors"] or [])])


@with_audit
async def audit_page(request: Request, data: dict, *, typed: dict[str, dict] | None = None,
                     item_errors: dict[str, list[str]] | None = None, problem: str | None = None,
                     status_code: int = 200) -> Response:
    """One audit; after a refused recording, the rows show what was typed (`typed`,
    by item) and each refused item its problems (`item_errors`)."""
    context = request.app.state.qms
    language = request.scope["qms_language"]
    labels = {value.value: text.in_language(language) for value, text in RESULT_LABELS.items()}
    rows = [{**row, **(typed or {}).get(row["item_id"], {})} for row in data["results"]]
    user = user_of(request)
    return render(request, "audit.html", status_code=status_code, data=data, plan=data["audit"], rows=rows,
                  result_labels=labels, problem=problem, item_errors=item_errors or {}, audit_status=AUDIT_STATUS,
                  may_record=_may_record(context.config, user, data["audit"]), names=_people_named(context.config),
                  may_plan=holds(context.config, user, "plan_audit") and data["audit"]["status"] != "recorded")


def _people_named(config):
    """names(["auditor.justice"]) -> "Lê Hoàng Nam (auditor.justice)": people by name, their ids kept."""
    def names(users) -> str:
        return ", ".join(f"{config.users[user].name} ({user})" if user in config.users else user
                         for user in users or []) or "–"

    return names


def _typed_results(form) -> dict[str, dict]:
    """What the form holds for each item: result, evidence, notes."""
    return {key[len("result:"):]: {"result": str(form.get(key, "")),
                                   "evidence": str(form.get("evidence:" + key[len("result:"):], "")),
                                   "notes": str(form.get("notes:" + key[len("result:"):], ""))}
            for key in form if key.startswith("result:")}


async def record_page(request: Request) -> Response:
    context = request.app.state.qms
    code = request.path_params["code"]
    typed = _typed_results(await request.form())
    results, refused = [], {}
    for item_id, values in typed.items():
        if not values["result"]:
            if values["evidence"].strip() or values["notes"].strip():  # typed text is not dropped unsaid
                refused[item_id] = [_("choose a result for the evidence or notes typed")]
            continue  # left unanswered in the form
        try:
            results.append(ItemResult(item_id=item_id, **values))
        except ValidationError as error:
            refused[item_id] = [f"{field}: {message}" if field else message
                                for field, message in field_errors(error).items()]
    if refused:
        return await audit_page(request, typed=typed, item_errors=refused, status_code=422,
                                problem=_("Results of {code} not recorded").format(code=code))
    try:
        await run_in_threadpool(record_results, context.db, context.config, user_of(request), code, results,
                                source=_("the form"))
    except PermissionRefused as error:
        return await audit_page(request, typed=typed, problem=str(error), status_code=403)
    except ResultsRefused as error:
        return await audit_page(request, typed=typed, item_errors=error.by_item, status_code=422,
                                problem=str(error).splitlines()[0])
    except QmsError as error:
        return await audit_page(request, typed=typed, problem=str(error), status_code=422)
    return RedirectResponse(f"/audits/{quote(code)}", status_code=303)


# An audit code may hold "/" (01/2026/DG): `{code:path}` takes it whole, and an
# audit's own page, which would take any path under /audits/, is matched last
# (`qms.web.app` puts these routes after the plan's and the reports').
ROUTES = [
    Route("/audits", programme_page, methods=["GET"]),
    Route("/audits/{code:path}/results", record_page, methods=["POST"]),
    Route("/audits/{code:path}", audit_page, methods=["GET"]),
]
