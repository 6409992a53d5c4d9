"""/documents: the library's issues and which are in force on a date (approval,
dates, content hash), or only those; /documents/{code}/{issue}: one issue as text,
its approval signatures, and what changed from the issue before it or from any
other issue of the document."""

from __future__ import annotations

import datetime as dt

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..capa.register import local_today
from ..core.errors import QmsError
from ..core.i18n import _
from ..library import load_library
from ..library.diff import MISSING, diff_documents
from ..library.render import render_text
from .rendering import render

# Document states in the reader's language (msgids in report.po and web.po).
DOCUMENT_STATUS = {"draft": "Draft", "approved": "Approved", "obsolete": "Obsolete"}


def _library(request: Request):
    context = request.app.state.qms
    return load_library(context.root / context.config.docs_dir)


async def documents_page(request: Request) -> Response:
    try:
        day = dt.date.fromisoformat(request.query_params.get("date", ""))
    except ValueError:
        day = local_today()
    only_in_force = request.query_params.get("in_force") == "1"
    try:
        library = await run_in_threadpool(_library, request)
    except QmsError as error:
        return render(request, "error.html", status_code=500, message=str(error))
    rows = [(library.kind_of(document.code), document, library.content_hash(document))
            for document in library.documents() if not only_in_force or _in_force(document, day)]
    return render(request, "documents.html", rows=rows, day=day, only_in_force=only_in_force, kinds=_kinds(),
                  statuses=DOCUMENT_STATUS)


def _in_force(document, day: dt.date) -> bool:
    """In force on the day: an approved (or since superseded) issue whose dates cover it."""
    return document.status.value != "draft" and document.in_force_on(day)


async def document_page(request: Request) -> Response:
    code, number = request.path_params["code"], request.path_params["issue"]
    try:
        library = await run_in_threadpool(_library, request)
        document = library.issue(code, number)
    except QmsError as error:
        return render(request, "error.html", status_code=404, message=str(error))
    issues = library.issues(code)
    earlier = [d for d in issues if d.issue < number]
    # compared with the issue before it, or with the one asked for (?from=N)
    asked = request.query_params.get("from", "")
    chosen = [d for d in issues if asked.isdigit() and d.issue == int(asked) and d.issue != number]
    previous = chosen[0] if chosen else (earlier[-1] if earlier else None)
    changes = [(change.path, _shown(change.path, change.before), _shown(change.path, change.after))
               for change in diff_documents(previous, document)] if previous else []
    return render(request, "document.html", document=document, text=render_text(document), previous=previous,
                  issues=issues, in_force_today=_in_force(document, local_today()),
                  changes=changes, content_hash=library.content_hash(document), statuses=DOCUMENT_STATUS)


def _shown(path: str, value) -> str | None:
    """A changed value as a reader reads it: a state in words, a revision entry as its
    fields ("date: 2025-06-16; issue: 2; …"), not as Python's notation."""
    if value is MISSING or value is None:
        return None
    if path == "status" and value in DOCUMENT_STATUS:
        return _(DOCUMENT_STATUS[value])
    if isinstance(value, dict):
        return "; ".join(f"{key}: {_shown('', item) or '–'}" for key, item in value.items())
    if isinstance(value, list):
        return ", ".join(_shown("", item) or "–" for item in value)
    return str(value)


def _kinds() -> dict[str, str]:
    from ..report.labels import DOCUMENT_KIND

    return DOCUMENT_KIND


ROUTES = [
    Route("/documents", documents_page, methods=["GET"]),
    Route("/documents/{code}/{issue:int}", document_page, methods=["GET"]),
]
