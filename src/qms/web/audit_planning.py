"""Planning audits in the browser: POST /audits adds an audit to a year's programme
(`add_audit`), /audits/{code}/plan writes its plan (`plan_audit`, the checklist issue
in force on the audit date) — the functions `qms audit programme` and `qms audit plan`
call, which check the roles again. The forms are checked by the pydantic models of
`qms.model.audit`; each error is shown beside its field and what was typed stays."""

from __future__ import annotations

import re
from urllib.parse import quote

from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from ..audit import add_audit, plan_audit
from ..audit.plan import PlanRefused
from ..capa import NotFound, PermissionRefused
from ..core.errors import QmsError
from ..library import load_library
from ..model.audit import AuditPlanSpec, AuditProgrammeSpec
from ..model.workspace import Role
from .audit_pages import holds, programme_page, with_audit
from .form_errors import field_errors
from .rendering import render, user_of

# Lists typed in one box: "7.5, 8.5.1 8.7" or "QT-01; QT-02".
_SEPARATORS = re.compile(r"[,;\s]+")


def _words(text: str) -> list[str]:
    return [word for word in _SEPARATORS.split(text.strip()) if word]


def _filled(values: dict) -> dict:
    """The fields left empty are not given: the model then says "required" for them."""
    return {key: value for key, value in values.items() if value != ""}


def _programme_form(form: FormData) -> dict:
    """What was typed, as the form shows it again."""
    return {"year": str(form.get("year", "")).strip(), "programme_title": str(form.get("programme_title", "")),
            "code": str(form.get("code", "")), "title": str(form.get("title", "")),
            "units": [str(unit) for unit in form.getlist("units")], "processes": str(form.get("processes", "")),
            "clauses": str(form.get("clauses", "")), "month": str(form.get("month", "")).strip()}


async def add_to_programme(request: Request) -> Response:
    context = request.app.state.qms
    typed = _programme_form(await request.form())

    async def again(status_code: int, *, errors: dict | None = None, problem: str | None = None) -> Response:
        return await programme_page(request, typed=typed, errors=errors or {}, problem=problem,
                                    status_code=status_code)

    if not holds(context.config, user_of(request), "programme"):
        # the function refuses too; answering first keeps a refused user's typing out of the database checks
        return await again(403, problem=_refusal(context, request, "programme"))
    existing = await run_in_threadpool(_programme_title, context.db, typed["year"])
    candidate = _filled({"year": typed["year"], "title": existing or typed["programme_title"].strip(),
                         "audits": [_filled({"code": typed["code"].strip(), "title": typed["title"].strip(),
                                             "units": typed["units"], "processes": _words(typed["processes"]),
                                             "clauses": _words(typed["clauses"]), "month": typed["month"]})]})
    try:
        spec = AuditProgrammeSpec.model_validate(candidate)
    except ValidationError as error:
        errors = field_errors(error, within=("audits", 0), outer="programme_")
        return await again(422, errors=errors)
    try:
        await run_in_threadpool(add_audit, context.db, context.config, user_of(request), spec.year, spec.audits[0],
                                programme_title=spec.title)
    except PermissionRefused as error:
        return await again(403, problem=str(error))
    except QmsError as error:
        return await again(422, problem=str(error))
    return RedirectResponse(f"/audits?year={spec.year}", status_code=303)


def _programme_title(db, year: str) -> str | None:
    from ..audit import show_programme

    try:
        return show_programme(db, int(year)).title
    except (ValueError, NotFound):
        return None


def _refusal(context, request: Request, permission: str) -> str:
    from ..capa import roles

    try:
        roles.require(context.config, user_of(request), permission)
    except PermissionRefused as error:
        return str(error)
    return ""


def _plan_form(form: FormData) -> dict:
    return {"audit_date": str(form.get("audit_date", "")).strip(), "lead_auditor": str(form.get("lead_auditor", "")),
            "auditors": [str(user) for user in form.getlist("auditors")],
            "auditees": [str(user) for user in form.getlist("auditees")],
            "checklist": str(form.get("checklist", "")), "scope": str(form.get("scope", ""))}


def _typed_from_plan(plan: dict) -> dict:
    """The form filled with the audit's current plan (or its title as the scope)."""
    return {"audit_date": plan["audit_date"] or "", "lead_auditor": plan["lead_auditor"] or "",
            "auditors": [user for user in plan["auditors"] or [] if user != plan["lead_auditor"]],
            "auditees": plan["auditees"] or [], "checklist": plan["checklist_code"] or "",
            "scope": plan["scope"] or plan["title"]}


def _checklist_codes(context) -> list[str]:
    try:
        return load_library(context.root / context.config.docs_dir).codes("checklist")
    except QmsError:
        return []  # the page still shows; planning then says why the checklist cannot be read


@with_audit
async def plan_page(request: Request, data: dict, *, typed: dict | None = None, errors: dict | None = None,
                    problem: str | None = None, status_code: int = 200) -> Response:
    context = request.app.state.qms
    plan = data["audit"]
    users = context.config.users
    return render(request, "audit_plan.html", status_code=status_code, plan=plan,
                  typed=typed or _typed_from_plan(plan), errors=errors or {}, problem=problem,
                  may_plan=holds(context.config, user_of(request), "plan_audit") and plan["status"] != "recorded",
                  auditors=[(user, person) for user, person in users.items() if Role.auditor in person.roles],
                  people=list(users.items()), checklists=await run_in_threadpool(_checklist_codes, context))


async def save_plan(request: Request) -> Response:
    context = request.app.state.qms
    code = request.path_params["code"]
    typed = _plan_form(await request.form())
    if not holds(context.config, user_of(request), "plan_audit"):
        return await plan_page(request, typed=typed, problem=_refusal(context, request, "plan_audit"),
                               status_code=403)
    try:
        spec = AuditPlanSpec.model_validate(_filled({key: value.strip() if isinstance(value, str) else value
                                                     for key, value in typed.items()}))
    except ValidationError as error:
        return await plan_page(request, typed=typed, errors=field_errors(error), status_code=422)

    def plan():
        library = load_library(context.root / context.config.docs_dir)
        try:
            checklist = library.checklist(spec.checklist, spec.audit_date)
        except QmsError as error:
            return {"checklist": str(error)}
        plan_audit(context.db, context.config, user_of(request), code, audit_date=spec.audit_date,
                   lead_auditor=spec.lead_auditor, auditors=spec.auditors, auditees=spec.auditees,
                   checklist=checklist, scope=spec.scope)
        return None

    try:
        refused = await run_in_threadpool(plan)
    except NotFound as error:
        return render(request, "error.html", status_code=404, message=str(error))
    except PermissionRefused as error:
        return await plan_page(request, typed=typed, problem=str(error), status_code=403)
    except PlanRefused as error:  # the independence rules and the rest: each beside its field
        return await plan_page(request, typed=typed, errors=error.by_field, status_code=422,
                               problem=error.by_field.get(""))
    except QmsError as error:
        return await plan_page(request, typed=typed, problem=str(error), status_code=422)
    if refused:
        return await plan_page(request, typed=typed, errors=refused, status_code=422)
    return RedirectResponse(f"/audits/{quote(code)}", status_code=303)


ROUTES = [
    Route("/audits", add_to_programme, methods=["POST"]),
    Route("/audits/{code:path}/plan", plan_page, methods=["GET"]),
    Route("/audits/{code:path}/plan", save_plan, methods=["POST"]),
]
