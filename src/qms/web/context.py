"""What the web application works on: the workspace's configuration, its register
database and the templates; built once when the server starts."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from ..db import Database
from ..model.workspace import WorkspaceConfig
from .check_jobs import JobPool
from .dossier_events import RunDocuments, RunEvents


@dataclass
class WebContext:
    config: WorkspaceConfig
    db: Database
    root: Path
    language: str = "vi"
    # Single sign-on: the user named by this request header, believed only from these
    # addresses (the reverse proxy that authenticated the user). Off when None.
    sso_header: str | None = None
    trusted_proxies: tuple[str, ...] = ()
    templates: Environment = field(init=False)
    jobs: JobPool = field(init=False)  # the checks started in the browser
    run_documents: RunDocuments = field(init=False)  # what recent runs judged by, for dossier timelines
    run_events: RunEvents = field(init=False)  # the runs' events, by dossier

    def __post_init__(self) -> None:
        # Autoescape everything: dossier ids, units and titles come from logs and users.
        self.templates = Environment(loader=PackageLoader("qms.web", "templates"),
                                     autoescape=select_autoescape(default=True, default_for_string=True),
                                     trim_blocks=True, lstrip_blocks=True)
        self.jobs = JobPool()
        self.run_documents = RunDocuments()
        self.run_events = RunEvents(self.root)

    @property
    def library_dir(self) -> Path:
        return (self.root / self.config.docs_dir).resolve()

    def may_log_in(self, user: str) -> bool:
        from ..auth import user_state

        return user in self.config.users and not user_state(self.db, user).disabled
