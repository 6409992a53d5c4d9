"""The ASGI application behind `qms serve`."""

from __future__ import annotations

import contextlib
import secrets
from pathlib import Path

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from ..db import Database
from ..model.workspace import WorkspaceConfig
from . import api, audit_pages, audit_planning, audit_reports, auth_pages, check_pages, document_pages, job_pages, nc_pages, report_pages
from .check_jobs import fail_unfinished_jobs
from .context import WebContext
from .gate import Gate
from .security import SecureHeadersMiddleware, SessionMiddleware

STATIC_DIR = Path(__file__).resolve().parent / "static"
SESSION_HOURS = 8  # one working day


def create_app(config: WorkspaceConfig, db: Database, root: Path, *, secret_key: str | None = None,
               session_hours: float = SESSION_HOURS, sso_header: str | None = None,
               trusted_proxies: tuple[str, ...] = ()) -> Starlette:
    """`secret_key` signs the session cookies; without one a random key is made
    (sessions then end when the server restarts). `sso_header`: single sign-on, the
    user named by that header when the request comes from one of `trusted_proxies`."""
    context = WebContext(config=config, db=db, root=Path(root), language=config.language, sso_header=sso_header,
                         trusted_proxies=tuple(trusted_proxies))
    # an audit's own page (`/audits/{code:path}`) after the audit's other pages
    routes = [*auth_pages.ROUTES, *nc_pages.ROUTES, *job_pages.ROUTES, *check_pages.ROUTES, *audit_planning.ROUTES,
              *audit_reports.ROUTES, *audit_pages.ROUTES, *document_pages.ROUTES, *report_pages.ROUTES, *api.ROUTES,
              Mount("/static", app=StaticFiles(directory=STATIC_DIR), name="static")]

    @contextlib.asynccontextmanager
    async def lifespan(_app):
        # jobs left queued or running by a server that stopped will never finish
        await run_in_threadpool(fail_unfinished_jobs, db)
        yield
        context.jobs.shutdown()
        context.run_events.shutdown()

    app = Starlette(routes=routes, lifespan=lifespan, middleware=[
        Middleware(SecureHeadersMiddleware),
        Middleware(SessionMiddleware, secret_key=secret_key or secrets.token_urlsafe(32),
                   max_age=int(session_hours * 3600)),
        Middleware(Gate, context=context),
    ])
    app.state.qms = context
    return app
