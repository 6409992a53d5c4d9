"""/nc (the register, filtered and paged in SQL) and /nc/{code} (one NC with its
workflow steps as forms). Every step calls the same capa function as the CLI,
which checks the role; the logged-in user is the actor recorded in the history."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from ..capa import ConflictError, NotFound, PermissionRefused, PlannedAction, TransitionRefused
from ..capa import advance, complete_action, show_nc
from ..capa.listing import SORTS, NcFilters, filter_choices, page_ncs
from ..capa.register import SEVERITIES, SOURCES, STATES, changes_since
from ..capa.roles import PERMISSIONS
from ..capa.workflow import STEPS, allowed_steps
from ..capa.wording import history_action
from ..core.errors import QmsError
from ..core.i18n import _
from ..model.workspace import Role
from .rendering import render, user_of

PER_PAGE = 50
# Field names of the conflict table, in the reader's language (msgids marked here).
FIELD_NAMES = {"state": "State", "containment": "Containment", "root_cause": "Root cause",
               "cause_analysis": "Five whys", "actions": "Corrective actions", "plan_approved_by": "Approved by",
               "verifications": "Effectiveness checks", "cycle": "Cycle", "closed_at": "Closed on",
               "title": "Title", "description": "Description", "severity": "Severity", "unit": "Unit"}
MAX_WHYS = 5
PLAN_ROWS = 3


def _state(field: str, value):
    """A state in the conflict table in words ("Contained"), other values as they are."""
    from ..model.labels import NC_STATE

    return _(NC_STATE[value]) if field == "state" and value in NC_STATE else value


def _filters(request: Request) -> NcFilters:
    query = request.query_params

    def choice(name: str, allowed) -> str | None:
        value = query.get(name) or None
        return value if value is None or allowed is None or value in allowed else None

    return NcFilters(state=choice("state", STATES), severity=choice("severity", SEVERITIES),
                     unit=choice("unit", None), procedure_code=choice("procedure", None),
                     source=choice("source", SOURCES), overdue=query.get("overdue") == "1",
                     search=(query.get("q") or "")[:200] or None)


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value else default
    except ValueError:
        return default


async def nc_list(request: Request) -> Response:
    db = request.app.state.qms.db
    filters = _filters(request)
    sort = request.query_params.get("sort", "code")
    sort = sort if sort in SORTS else "code"
    descending = request.query_params.get("dir", "desc") != "asc"
    page = await run_in_threadpool(page_ncs, db, filters, sort=sort, descending=descending,
                                   page=_int(request.query_params.get("page"), 1), per_page=PER_PAGE)
    choices = await run_in_threadpool(filter_choices, db)
    kept = {key: value for key, value in request.query_params.items() if key != "page" and value}

    def page_link(number: int) -> str:
        return "/nc?" + urlencode({**kept, "page": number})

    def sort_link(column: str) -> str:
        flip = "asc" if sort == column and descending else "desc"
        return "/nc?" + urlencode({**{k: v for k, v in kept.items() if k not in ("sort", "dir")},
                                   "sort": column, "dir": flip})

    template = "nc_rows.html" if request.headers.get("hx-request") else "nc_list.html"
    return render(request, template, page=page, filters=filters, choices=choices, states=STATES,
                  severities=SEVERITIES, sources=SOURCES, sort=sort, descending=descending,
                  page_link=page_link, sort_link=sort_link)


def may_take(config, user: str, permission: str) -> bool:
    person = config.users.get(user)
    if person is None or set(person.roles) <= {Role.inspector}:
        return False
    return bool(set(person.roles) & PERMISSIONS[permission])


async def nc_detail(request: Request, *, problem: str | None = None, conflict: list | None = None,
                    status_code: int = 200) -> Response:
    context = request.app.state.qms
    code = request.path_params["code"]
    try:
        nc = await run_in_threadpool(show_nc, context.db, code, evidence_limit=500)
    except NotFound as error:
        return render(request, "error.html", status_code=404, message=str(error))
    from ..capa.history import verify_chain

    def chain_ok() -> bool:
        with context.db.reading() as session:
            return verify_chain(session).ok

    user = user_of(request)
    steps = [step for step in allowed_steps(nc.state)
             if may_take(context.config, user, STEPS[step].permission)
             and not (step == "approve" and nc.plan_approved_by)]
    completable = [action for action in nc.actions if action.cycle == nc.cycle and action.done_at is None
                   and nc.state == "action_plan" and nc.plan_approved_by
                   and (action.owner == user or may_take(context.config, user, "complete_action"))]
    evidence_runs = await run_in_threadpool(dossier_runs, context.db, nc.code)
    owners = sorted(name for name, person in context.config.users.items() if set(person.roles) != {Role.inspector})
    return render(request, "nc_detail.html", status_code=status_code, nc=nc, steps=steps, completable=completable,
                  chain_ok=await run_in_threadpool(chain_ok), problem=problem, conflict=conflict, owners=owners,
                  max_whys=MAX_WHYS, plan_rows=PLAN_ROWS, today=dt.date.today().isoformat(),
                  users=context.config.users, evidence_runs=evidence_runs,
                  history_action=history_action)


def dossier_runs(db, code: str) -> dict[str, int]:
    """Dossier id -> the check run whose check attached it to the NC."""
    from ..capa.evidence_sources import evidence_checks
    from ..check_runs import runs_by_summary

    sources = evidence_checks(db, code)
    runs = runs_by_summary(db, set(sources.values()))
    return {ref: runs[summary] for ref, summary in sources.items() if summary in runs}


def _step_arguments(step: str, form) -> dict:
    if step == "contain":
        return {"containment": str(form.get("containment", ""))}
    if step == "analyse":
        whys = [str(form.get(f"why{n}", "")) for n in range(1, MAX_WHYS + 1)]
        return {"whys": [why for why in whys if why.strip()], "root_cause": str(form.get("root_cause", ""))}
    if step == "plan":
        actions = []
        for n in range(1, PLAN_ROWS + 1):
            description = str(form.get(f"action{n}_description", "")).strip()
            if not description:
                continue
            try:
                due = dt.date.fromisoformat(str(form.get(f"action{n}_due", "")))
            except ValueError:
                raise TransitionRefused(_("action {n}: the due date is not a date").format(n=n)) from None
            actions.append(PlannedAction(description, str(form.get(f"action{n}_owner", "")), due))
        return {"actions": actions}
    if step == "verify":
        verdict = form.get("effective")
        return {"effective": {"yes": True, "no": False}.get(str(verdict)), "note": str(form.get("note", ""))}
    return {}


async def _act(request: Request, action) -> Response:
    """Run a change; a refusal shows the page again with the reason (403 for a role,
    409 for a conflict, 422 for a refused step)."""
    context = request.app.state.qms
    code = request.path_params["code"]
    form = await request.form()
    version = _int(str(form.get("expected_version", "")), 0) or None
    try:
        await run_in_threadpool(action, form, version)
    except PermissionRefused as error:
        return await nc_detail(request, problem=str(error), status_code=403)
    except ConflictError as error:
        changed = await run_in_threadpool(changes_since, context.db, code, version) if version else []
        changed = [(FIELD_NAMES.get(field, field), _state(field, before), _state(field, after))
                   for field, before, after in changed]
        return await nc_detail(request, problem=str(error), conflict=changed, status_code=409)
    except NotFound as error:
        return render(request, "error.html", status_code=404, message=str(error))
    except QmsError as error:
        return await nc_detail(request, problem=str(error), status_code=422)
    return RedirectResponse(f"/nc/{code}", status_code=303)


async def nc_step(request: Request) -> Response:
    context = request.app.state.qms
    code, step = request.path_params["code"], request.path_params["step"]

    def run(form, version):
        return advance(context.db, context.config, user_of(request), code, step, expected_version=version,
                       **_step_arguments(step, form))

    return await _act(request, run)


async def nc_action_done(request: Request) -> Response:
    context = request.app.state.qms
    code, number = request.path_params["code"], request.path_params["number"]

    def run(form, version):
        return complete_action(context.db, context.config, user_of(request), code, number,
                               note=str(form.get("note", "")), expected_version=version)

    return await _act(request, run)


ROUTES = [
    Route("/nc", nc_list, methods=["GET"]),
    Route("/nc/{code}", nc_detail, methods=["GET"]),
    Route("/nc/{code}/steps/{step}", nc_step, methods=["POST"]),
    Route("/nc/{code}/actions/{number:int}/done", nc_action_done, methods=["POST"]),
]
