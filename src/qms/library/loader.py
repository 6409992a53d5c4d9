"""From a folder of YAML files to validated document issues, with every problem
located at file:line: field.path.

Each file is one issue of one document and says what it is with `kind:`
(procedure, ruleset, checklist, calendar); the loader dispatches on that, not
on the folder, so a file can live anywhere under the library folder. Checks run
in three layers, and all problems of all layers are collected:

1. the file itself: readable, UTF-8, YAML, a mapping, a known kind;
2. the model: types, required and unknown fields (pydantic), then the model's
   cross-field checks (loops, allotted times, duplicate ids) at their own lines;
3. the library: duplicate issues, codes used by two kinds, file names that
   contradict the issue number, approval hashes, effective-date ranges.
"""

from __future__ import annotations

import datetime as dt
import re
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from pydantic import BaseModel, TypeAdapter, ValidationError

from ..core.i18n import _
from ..model.calendar import CalendarSettings
from ..model.checklist import Checklist, checklist_problems
from ..model.common import DocumentIssue, DocumentStatus
from ..model.indicators import IndicatorSet
from ..model.procedure import Procedure, procedure_problems
from ..model.ruleset import RuleSet, ruleset_problems
from .hashing import content_hash
from ..core.model_file import located_validation_errors
from ..core.yaml_source import Located, Path_, SourceDocument, YamlProblem, format_path, read_yaml

KIND_MODELS: dict[str, type[DocumentIssue]] = {
    "procedure": Procedure,
    "ruleset": RuleSet,
    "checklist": Checklist,
    "calendar": CalendarSettings,
    "indicator_set": IndicatorSet,
}
CROSS_CHECKS: dict[str, Callable[[Any], list[tuple[Path_, str]]]] = {
    "procedure": procedure_problems,
    "ruleset": lambda ruleset: ruleset_problems(ruleset, _known_rule_ids()),
    "checklist": checklist_problems,
}


def _known_rule_ids() -> frozenset[str]:
    # the check's rule registry (its ids only: no engine is loaded)
    from ..check.rules import known_rule_ids

    return known_rule_ids()
# Fields each cross-check reads: enough to run it on a file that fails elsewhere.
CROSS_CHECK_FIELDS: dict[str, tuple[str, ...]] = {
    "procedure": ("time_limit", "steps", "loops", "terminal_outcomes", "finish"),
    "ruleset": ("rules",),
    "checklist": ("items",),
}
YAML_SUFFIXES = (".yaml", ".yml")
ISSUE_FILE_NAME = re.compile(r"^issue-(\d+)$")
# Approved and obsolete issues were both approved once: they are the ones dossiers
# are judged by, and their content is frozen.
CONTROLLED = (DocumentStatus.approved, DocumentStatus.obsolete)


@dataclass
class LoadedDocument:
    kind: str
    document: DocumentIssue
    source: SourceDocument

    @property
    def path(self) -> Path:
        return self.source.path

    def at(self, location: Path_, message: str) -> Located:
        return Located(self.source.path, self.source.line_of(location), format_path(location), message)


def library_files(root: Path) -> list[Path]:
    """YAML files under `root`, skipping hidden and underscore folders/files."""
    found = []
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if any(part.startswith((".", "_")) for part in relative.parts):
            continue
        if path.suffix.lower() in YAML_SUFFIXES and path.is_file():
            found.append(path)
    return found


def read_document(path: Path, display_path: Path | None = None) -> tuple[LoadedDocument | None, list[Located]]:
    """Read and validate one document file (layers 1 and 2)."""
    shown = display_path or path
    try:
        source = read_yaml(path)
    except YamlProblem as problem:
        return None, [Located(shown, p.line, p.field, p.message) for p in problem.located]
    source.path = shown
    kind = source.data.get("kind")
    if kind is None:
        return None, [
            Located(shown, 1, "kind", _("missing: say which kind of document this is ({kinds})").format(kinds=", ".join(KIND_MODELS)))
        ]
    if not isinstance(kind, str) or kind not in KIND_MODELS:
        return None, [
            Located(shown, source.line_of(("kind",)), "kind", _("unknown kind {kind!r}; use one of: {kinds}").format(kind=kind, kinds=", ".join(KIND_MODELS)))
        ]
    model = KIND_MODELS[kind]
    try:
        document = model.model_validate(source.data, context={"defer_cross_checks": True})
    except ValidationError as error:
        problems = located_validation_errors(error, source, model)
        # Report the cross-field problems too, as far as the fields they need are valid,
        # so that one run shows everything wrong with the file.
        partial = _partial_document(model, source.data, CROSS_CHECK_FIELDS.get(kind, ()))
        if partial is not None:
            check = CROSS_CHECKS[kind]
            problems += [
                Located(shown, source.line_of(location), format_path(location), message) for location, message in check(partial)
            ]
        return None, sorted(problems, key=lambda p: p.line)
    loaded = LoadedDocument(kind=kind, document=document, source=source)
    problems = [loaded.at(location, message) for location, message in CROSS_CHECKS.get(kind, lambda _d: [])(document)]
    return loaded, problems


def _partial_document(model: type[DocumentIssue], data: dict, fields: tuple[str, ...]) -> Any:
    """A model instance holding only `fields`, each validated on its own, so that the
    cross-field checks can run on a file that fails elsewhere. Items of a list that
    fail on their own keep just their `id` (what loops and duplicate checks need);
    a field that cannot be recovered at all makes this None."""
    if not fields:
        return None
    values = {}
    for name in fields:
        field = model.model_fields[name]
        if name not in data:
            if field.is_required():
                if name != "time_limit":
                    return None
                values[name] = None  # the allotted-time check is skipped
            else:
                values[name] = field.get_default(call_default_factory=True)
            continue
        try:
            values[name] = TypeAdapter(field.annotation).validate_python(data[name])
        except ValidationError:
            if name == "time_limit":
                values[name] = None
                continue
            if name == "finish":  # its own error is reported; the other checks still run
                values[name] = field.get_default(call_default_factory=True)
                continue
            recovered = _recover_items(field.annotation, data[name])
            if recovered is None:
                return None
            values[name] = recovered
            if name == "steps":
                values["time_limit"] = None  # partial steps would under-count the allotted times
    return model.model_construct(**values)


def _recover_items(annotation: Any, raw: Any) -> list | None:
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) is not list or not args or not isinstance(raw, list):
        return None
    item_model = args[0]
    if not (isinstance(item_model, type) and issubclass(item_model, BaseModel) and "id" in item_model.model_fields):
        return None
    items = []
    for entry in raw:
        try:
            items.append(item_model.model_validate(entry))
        except ValidationError:
            if isinstance(entry, dict) and isinstance(entry.get("id"), str):
                items.append(item_model.model_construct(id=entry["id"]))
    return items


def scan_library(root: Path, known_units: tuple[set[str], Path] | None = None) -> tuple[list[LoadedDocument], list[Located]]:
    """Every document under `root` and every problem found (layers 1–3).

    `known_units`: the unit codes of the workspace configuration and its path; when
    given, a unit code that is not among them is reported (a typo in a unit would
    otherwise put a step's findings under a unit nobody owns).
    """
    root = Path(root)
    documents: list[LoadedDocument] = []
    problems: list[Located] = []
    for path in library_files(root):
        loaded, found = read_document(path)
        problems.extend(found)
        if loaded is not None:
            documents.append(loaded)
            if known_units is not None:
                problems.extend(unit_problems(loaded, *known_units))
    problems.extend(library_problems(documents))
    return documents, sorted(problems, key=lambda p: (str(p.path), p.line))


def unit_problems(loaded: LoadedDocument, units: set[str], config_path: Path) -> list[Located]:
    """Unit codes used by a document that the workspace does not know."""
    doc = loaded.document
    used: list[tuple[Path_, str]] = []
    if isinstance(doc, Procedure):
        used += [(("steps", i, "unit"), step.unit) for i, step in enumerate(doc.steps)]
        used += [(("records", i, "kept_by"), record.kept_by) for i, record in enumerate(doc.records)]
    elif isinstance(doc, Checklist):
        used += [(("items", i, "units", j), unit) for i, item in enumerate(doc.items) for j, unit in enumerate(item.units)]
    elif isinstance(doc, CalendarSettings):
        used += [(("units", unit), unit) for unit in doc.units]
    return [
        loaded.at(
            location,
            _("unit {unit!r} is not among the units of {config} ({known})").format(
                unit=unit, config=config_path, known=", ".join(sorted(units))
            ),
        )
        for location, unit in used
        if unit not in units
    ]


def library_problems(documents: list[LoadedDocument]) -> list[Located]:
    """Layer 3: problems between files and of the approval record."""
    problems: list[Located] = []
    seen_issue: dict[tuple[str, str, int], LoadedDocument] = {}
    kind_of_code: dict[str, LoadedDocument] = {}
    unique: list[LoadedDocument] = []
    for loaded in documents:
        doc = loaded.document
        name = ISSUE_FILE_NAME.match(loaded.path.stem)
        if name and int(name.group(1)) != doc.issue:
            problems.append(
                loaded.at(("issue",), _("the file is named for issue {named} but says issue {issue}").format(named=name.group(1), issue=doc.issue))
            )
        earlier_kind = kind_of_code.setdefault(doc.code, loaded)
        if earlier_kind.kind != loaded.kind:
            problems.append(
                loaded.at(("code",), _("code {code!r} is already used by a {kind} in {path}").format(code=doc.code, kind=earlier_kind.kind, path=earlier_kind.path))
            )
            continue
        key = (loaded.kind, doc.code, doc.issue)
        if key in seen_issue:
            problems.append(
                loaded.at(("issue",), _("issue {issue} of {code} is also defined in {path}").format(issue=doc.issue, code=doc.code, path=seen_issue[key].path))
            )
            continue
        seen_issue[key] = loaded
        unique.append(loaded)
        problems.extend(approval_problems(loaded))
    by_code: dict[tuple[str, str], list[LoadedDocument]] = {}
    for loaded in unique:
        by_code.setdefault((loaded.kind, loaded.document.code), []).append(loaded)
    for issues in by_code.values():
        problems.extend(range_problems(issues))
    procedure_codes = {code for (kind, code) in by_code if kind == "procedure"}
    for loaded in unique:
        if isinstance(loaded.document, Checklist):
            problems.extend(
                loaded.at(("items", i, "procedures", j), _("no procedure with code {code!r} in the library").format(code=code))
                for i, item in enumerate(loaded.document.items)
                for j, code in enumerate(item.procedures)
                if code not in procedure_codes
            )
    return problems


def approval_problems(loaded: LoadedDocument) -> list[Located]:
    """Status and effective_to are outside the content hash (they change when a later
    issue is approved), so what they may be is checked here: an approved issue cannot
    go back to draft, and only an obsolete issue has a last day."""
    doc = loaded.document
    if doc.status is DocumentStatus.draft:
        if doc.content_sha256 is not None or doc.approved_by is not None:
            return [loaded.at(("status",), _(
                "this issue was approved (it has approved_by/content_sha256) and cannot go back to draft; "
                "prepare a new issue instead"))]
        return []
    problems = []
    if doc.status is DocumentStatus.approved and doc.effective_to is not None:
        problems.append(loaded.at(("effective_to",), _(
            "the current approved issue has no last day: it ends only when the next issue is approved "
            "(`qms docs approve` sets effective_to then)")))
    if doc.approved_by is None:
        problems.append(loaded.at(("approved_by",), _("an {status} issue must name who approved it").format(status=doc.status.value)))
    if doc.content_sha256 is None:
        problems.append(
            loaded.at(("status",), _("the issue is {status} but has no content_sha256; approve it with `qms docs approve`").format(status=doc.status.value))
        )
    else:
        actual = content_hash(doc)
        if actual != doc.content_sha256:
            problems.append(
                loaded.at(
                    ("content_sha256",),
                    _("the content changed after approval (recorded {recorded}…, now {actual}…); an approved issue is frozen: prepare a new issue instead").format(
                        recorded=doc.content_sha256[:12], actual=actual[:12]
                    ),
                )
            )
    if doc.status is DocumentStatus.obsolete and doc.effective_to is None:
        problems.append(loaded.at(("effective_to",), _("an obsolete issue needs effective_to, its last day in force")))
    return problems


def range_problems(issues: list[LoadedDocument]) -> list[Located]:
    """Approved issues of one document: one at a time, no overlaps, no gaps."""
    problems = []
    approved = [loaded for loaded in issues if loaded.document.status is DocumentStatus.approved]
    for extra in sorted(approved, key=lambda l: l.document.issue)[:-1]:
        later = max(approved, key=lambda l: l.document.issue)
        problems.append(
            extra.at(
                ("status",),
                _("issues {a} and {b} are both approved; only the current issue may be, mark issue {a} obsolete").format(
                    a=extra.document.issue, b=later.document.issue
                ),
            )
        )
    controlled = sorted((l for l in issues if l.document.status in CONTROLLED), key=lambda l: (l.document.effective_from, l.document.issue))
    if controlled and controlled[-1].document.status is DocumentStatus.obsolete:
        last = controlled[-1]
        problems.append(last.at(("status",), _(
            "issue {issue} is obsolete but no later approved issue supersedes it; an issue becomes obsolete "
            "only by approving its successor").format(issue=last.document.issue)))
    for before, after in zip(controlled, controlled[1:]):
        a, b = before.document, after.document
        if a.effective_to is None or a.effective_to >= b.effective_from:
            until = a.effective_to.isoformat() if a.effective_to else _("open-ended")
            problems.append(
                after.at(
                    ("effective_from",),
                    _("issues {a} and {b} are both in force on {day}: issue {a} runs {start} to {until}").format(
                        a=a.issue, b=b.issue, day=b.effective_from.isoformat(), start=a.effective_from.isoformat(), until=until
                    ),
                )
            )
        elif a.effective_to + dt.timedelta(days=1) < b.effective_from:
            problems.append(
                after.at(
                    ("effective_from",),
                    _("no issue is in force from {start} to {end}: issue {a} ends {a_end}, issue {b} starts {b_start}").format(
                        start=(a.effective_to + dt.timedelta(days=1)).isoformat(),
                        end=(b.effective_from - dt.timedelta(days=1)).isoformat(),
                        a=a.issue, a_end=a.effective_to.isoformat(), b=b.issue, b_start=b.effective_from.isoformat(),
                    ),
                )
            )
        if b.issue < a.issue:
            problems.append(
                after.at(("issue",), _("issue {b} takes effect after issue {a}; issue numbers must grow with the dates").format(a=a.issue, b=b.issue))
            )
    return problems
