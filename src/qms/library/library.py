"""The library: every issue of every process document, and which one is in force.

A dossier is judged by the issues in force on the day it was received (in the
service centre's local time zone). Only issues that were approved count for
that — `approved` for the current one, `obsolete` for those it superseded,
which stay available to check old dossiers against. Drafts are listed but never
in force.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from ..core.errors import QmsError, ValidationFailed
from ..core.i18n import _
from ..core.timezone import DEFAULT_TIMEZONE
from ..model.calendar import CalendarSettings
from ..model.checklist import Checklist
from ..model.common import DocumentIssue, DocumentStatus
from ..model.procedure import Procedure
from ..model.indicators import IndicatorSet
from ..model.ruleset import RuleSet
from .hashing import content_hash as _content_hash
from .loader import CONTROLLED, LoadedDocument, library_problems, read_document, scan_library
from ..core.yaml_source import Located

LOCAL_ZONE = ZoneInfo(DEFAULT_TIMEZONE)


class UnknownDocument(QmsError):
    """No document with that code (of that kind) is in the library."""


class NoIssueInForce(QmsError):
    """The document exists but no approved issue covers the date asked about."""


def local_date(at: dt.date | dt.datetime | str) -> dt.date:
    """The service centre's calendar day of `at`; a naive datetime is already local."""
    if isinstance(at, str):
        try:
            at = dt.datetime.fromisoformat(at) if "T" in at or " " in at.strip() else dt.date.fromisoformat(at)
        except ValueError:
            raise QmsError(_("{value!r} is not a date (YYYY-MM-DD)").format(value=at)) from None
    if isinstance(at, dt.datetime):
        if at.tzinfo is not None:
            at = at.astimezone(LOCAL_ZONE)
        return at.date()
    if isinstance(at, dt.date):
        return at
    # numpy.datetime64 / pandas / polars scalars: UTC instants inside qms.
    if hasattr(at, "to_pydatetime"):
        return local_date(at.to_pydatetime())
    if hasattr(at, "astype"):
        seconds = at.astype("datetime64[us]").astype("int64") / 1e6
        return dt.datetime.fromtimestamp(float(seconds), tz=dt.timezone.utc).astimezone(LOCAL_ZONE).date()
    raise TypeError(f"cannot take a date from {at!r}")


class Library:
    def __init__(self, documents: list[LoadedDocument], root: Path | None = None, default_calendar: str | None = None):
        self.root = root
        self.default_calendar = default_calendar
        self._loaded = documents
        self._by_key: dict[tuple[str, str], list[LoadedDocument]] = {}
        self._by_object: dict[int, LoadedDocument] = {}
        for loaded in documents:
            self._by_key.setdefault((loaded.kind, loaded.document.code), []).append(loaded)
            self._by_object[id(loaded.document)] = loaded
        for issues in self._by_key.values():
            issues.sort(key=lambda l: l.document.issue)

    # ----- every issue -------------------------------------------------------
    def documents(self, kind: str | None = None) -> list[DocumentIssue]:
        chosen = [l for l in self._loaded if kind is None or l.kind == kind]
        return [l.document for l in sorted(chosen, key=lambda l: (l.kind, l.document.code, l.document.issue))]

    def codes(self, kind: str | None = None) -> list[str]:
        return sorted({code for (k, code) in self._by_key if kind is None or k == kind})

    def kind_of(self, code: str) -> str:
        kinds = [k for (k, c) in self._by_key if c == code]
        if not kinds:
            raise UnknownDocument(_("no document with code {code!r} in the library").format(code=code))
        return kinds[0]

    def issues(self, code: str) -> list[DocumentIssue]:
        """All issues of one document (any kind), by issue number."""
        return [l.document for l in self._issues_of(self.kind_of(code), code)]

    def issue(self, code: str, issue: int) -> DocumentIssue:
        for document in self.issues(code):
            if document.issue == issue:
                return document
        raise UnknownDocument(
            _("{code} has no issue {issue}; it has issues {issues}").format(
                code=code, issue=issue, issues=", ".join(str(d.issue) for d in self.issues(code))
            )
        )

    def in_force(self, kind: str, code: str, at: dt.date | dt.datetime) -> DocumentIssue:
        day = local_date(at)
        issues = self._issues_of(kind, code)
        for loaded in issues:
            if loaded.document.status in CONTROLLED and loaded.document.in_force_on(day):
                return loaded.document
        ranges = [
            f"{l.document.issue}: {l.document.effective_from}…{l.document.effective_to or ''}"
            for l in issues
            if l.document.status in CONTROLLED
        ]
        raise NoIssueInForce(
            _("no approved issue of {code} is in force on {day} (approved issues: {ranges})").format(
                code=code, day=day.isoformat(), ranges="; ".join(ranges) or _("none")
            )
        )

    def approved_issues(self, kind: str, code: str) -> list[DocumentIssue]:
        """The issues dossiers can be judged by (approved or obsolete), by effective date:
        their [effective_from, effective_to] ranges neither overlap nor leave gaps, so a
        vectorised engine can join dossiers to issues on the receipt date."""
        controlled = [l.document for l in self._issues_of(kind, code) if l.document.status in CONTROLLED]
        return sorted(controlled, key=lambda d: d.effective_from)

    def current(self, kind: str, code: str) -> DocumentIssue:
        """The issue with status approved (the one in use now)."""
        for loaded in reversed(self._issues_of(kind, code)):
            if loaded.document.status is DocumentStatus.approved:
                return loaded.document
        raise NoIssueInForce(_("{code} has no approved issue").format(code=code))

    # ----- by kind -------------------------------------------------------------
    def procedure(self, code: str, at: dt.date | dt.datetime) -> Procedure:
        return self.in_force("procedure", code, at)  # type: ignore[return-value]

    def procedure_issue(self, code: str, issue: int) -> Procedure:
        self._issues_of("procedure", code)
        return self.issue(code, issue)  # type: ignore[return-value]

    def procedures(self, at: dt.date | dt.datetime | None = None) -> list[Procedure]:
        """All issues of all procedures, or those in force at `at`."""
        if at is None:
            return self.documents("procedure")  # type: ignore[return-value]
        found = []
        for code in self.codes("procedure"):
            try:
                found.append(self.procedure(code, at))
            except NoIssueInForce:
                pass
        return found

    def ruleset(self, at: dt.date | dt.datetime, code: str | None = None) -> RuleSet:
        return self.in_force("ruleset", code or self._only_code("ruleset"), at)  # type: ignore[return-value]

    def calendar(self, at: dt.date | dt.datetime | None = None, code: str | None = None) -> CalendarSettings:
        code = code or self.default_calendar or self._only_code("calendar")
        if at is None:
            at = dt.datetime.now(LOCAL_ZONE)
        return self.in_force("calendar", code, at)  # type: ignore[return-value]

    def indicator_set(self, at: dt.date | dt.datetime, code: str | None = None) -> IndicatorSet | None:
        """The service-quality indicator set in force at `at`; None when the library has
        none (a workspace need not score the national index)."""
        if code is None and not self.codes("indicator_set"):
            return None
        try:
            return self.in_force("indicator_set", code or self._only_code("indicator_set"), at)  # type: ignore[return-value]
        except NoIssueInForce:
            return None

    def checklist(self, code: str, at: dt.date | dt.datetime | None = None) -> Checklist:
        if at is None:
            return self.current("checklist", code)  # type: ignore[return-value]
        return self.in_force("checklist", code, at)  # type: ignore[return-value]

    # ----- provenance ------------------------------------------------------------
    def content_hash(self, document: DocumentIssue) -> str:
        return _content_hash(document)

    def source_of(self, document: DocumentIssue) -> tuple[Path, int]:
        loaded = self._by_object.get(id(document))
        if loaded is None:
            raise UnknownDocument(_("this document was not loaded from this library"))
        return loaded.path, 1

    def loaded(self, document: DocumentIssue) -> LoadedDocument:
        loaded = self._by_object.get(id(document))
        if loaded is None:
            raise UnknownDocument(_("this document was not loaded from this library"))
        return loaded

    # ----- helpers ----------------------------------------------------------------
    def _issues_of(self, kind: str, code: str) -> list[LoadedDocument]:
        issues = self._by_key.get((kind, code))
        if not issues:
            known = ", ".join(self.codes(kind)) or _("none")
            raise UnknownDocument(
                _("no {kind} with code {code!r} in the library (known: {known})").format(kind=kind, code=code, known=known)
            )
        return issues

    def _only_code(self, kind: str) -> str:
        codes = self.codes(kind)
        if len(codes) == 1:
            return codes[0]
        if not codes:
            raise UnknownDocument(_("the library has no {kind} document").format(kind=kind))
        raise QmsError(_("the library has several {kind} documents ({codes}); say which one").format(kind=kind, codes=", ".join(codes)))


def library_dir(path: Path | str | None = None) -> tuple[Path, str | None]:
    """The folder to load and the workspace's default calendar code, if any."""
    root, workspace = _library_and_workspace(path)
    return root, workspace.config.calendar if workspace else None


def _library_and_workspace(path: Path | str | None):
    """The library folder and the workspace it belongs to (None outside any)."""
    from ..workspace import find_workspace, load_workspace

    if path is not None:
        root = Path(path)
        # A folder inside a workspace (e.g. `qms docs validate process_docs`) is checked
        # against that workspace's configuration too.
        found = find_workspace(root if root.is_dir() else root.parent) if root.exists() else None
        return root, load_workspace(found) if found else None
    workspace = load_workspace()
    if workspace is not None:
        return workspace.docs_dir, workspace
    from ..core.resources import sample_library_dir

    return sample_library_dir(), None


def validate_library(path: Path | str | None = None) -> tuple[Library | None, list[Located]]:
    """Load the library and return it with every problem found (it is None when there are problems)."""
    root, workspace = _library_and_workspace(path)
    if root.is_file():
        # One file on its own (an editor's "check this file"): everything but the
        # checks between files.
        loaded, problems = read_document(root)
        if loaded is not None:
            problems += library_problems([loaded])
        if problems:
            return None, problems
        return Library([loaded], root=root.parent), []
    if not root.is_dir():
        raise QmsError(_("{path} is not a folder").format(path=root))
    known_units = (set(workspace.config.units), workspace.config_path) if workspace and workspace.config.units else None
    documents, problems = scan_library(root, known_units=known_units)
    if problems:
        return None, problems
    default_calendar = workspace.config.calendar if workspace else None
    return Library(documents, root=root, default_calendar=default_calendar), []


def load_library(path: Path | str | None = None) -> Library:
    """The library at `path`; None = the current workspace's docs_dir, else the bundled sample.

    Raises ValidationFailed listing every problem as `file:line: field.path: message`.
    """
    library, problems = validate_library(path)
    if problems:
        raise ValidationFailed(
            [str(p) for p in problems],
            summary=_("the process-document library has {count} problem(s):").format(count=len(problems)),
        )
    assert library is not None
    return library
