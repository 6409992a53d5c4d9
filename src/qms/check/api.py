"""The Python API of the check: `run_check(...) -> CheckResult` and
`write_outputs(result, out_dir)`. The CLI (`qms check`) calls exactly these."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl

from .. import __version__
from ..core.errors import QmsError
from ..core.i18n import _
from ..model.check_output import (
    CalendarRef, CheckSummary, DataQuality, DocumentRef, InputFile, Manifest,
)
from ..model.common import Text
from ..ingest.log_input import PendingInput, read_log_input
from .documents import DEFAULT_RULESET, CheckDocuments, _hash_model
from .common import ENGINE_COLUMNS
from .engine import check_events
from .stopwatch import stopwatch
from .indicators import compute_indicators, dossier_facts
from .methods import METHOD_DESCRIPTIONS, method_of  # noqa: F401  (re-exported)
from .summary import summarise

Progress = Callable[[str], None]

@dataclass
class CheckResult:
    dossiers: pl.DataFrame
    findings: pl.DataFrame
    summary: CheckSummary
    data_quality_findings: pl.DataFrame | None = None
    documents: CheckDocuments | None = field(default=None, repr=False)
    # what to do about dossiers that could not be judged (guidance for the person
    # running the check; not in summary.json, whose warnings must merge across partitions)
    hints: list[str] = field(default_factory=list)


def _documents(library, as_of: dt.datetime | None, reuse: CheckDocuments | None = None) -> CheckDocuments:
    """The documents for a check as of `as_of`; `reuse` is returned when its calendar
    issue is the one in force then (the rest does not depend on `as_of`)."""
    if isinstance(library, CheckDocuments):
        return library
    from ..calendar import WorkCalendar
    from ..library import Library, load_library

    from ..library import NoIssueInForce

    lib = library if isinstance(library, Library) else load_library(library)
    notes = []
    try:
        settings = lib.calendar(at=as_of)
    except NoIssueInForce:
        # a log older than every calendar issue: the current issue, said in the warnings
        try:
            settings = lib.calendar()
        except NoIssueInForce as error:
            # a new workspace's calendar is a draft until someone approves it
            raise QmsError(_("{problem}: a check needs an approved calendar; review it and approve it with "
                             "`qms docs approve`").format(problem=error)) from None
        notes.append(_("no calendar issue was in force on {day}; the current issue {code} {issue} was used").format(
            day=as_of.date() if as_of else "?", code=settings.code, issue=settings.issue))
    if reuse is not None and reuse.calendar_settings == settings:
        # the same calendar issue: its calendar (holiday data, tables) is not built twice
        return reuse if notes == reuse.notes else replace(reuse, notes=notes)
    calendar = WorkCalendar.from_settings(settings)
    procedures = lib.documents("procedure")
    rulesets = lib.documents("ruleset")
    hashes = {(d.kind, d.code, d.issue): lib.content_hash(d) for d in [*procedures, *rulesets, settings]}
    return CheckDocuments(procedures=procedures, rulesets=rulesets, calendar=calendar, calendar_settings=settings,
                          hashes=hashes, holiday_source=calendar.holiday_source, notes=notes)


def _as_instant(value, zone: str, end_of_day: bool) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value) if ("T" in value or " " in value) else dt.date.fromisoformat(value)
        except ValueError:
            raise QmsError(_("as-of {value!r} is neither a date (YYYY-MM-DD) nor an ISO 8601 instant").format(
                value=value)) from None
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=ZoneInfo(zone))
        return value.astimezone(dt.timezone.utc)
    moment = dt.datetime.combine(value, dt.time.max if end_of_day else dt.time.min, tzinfo=ZoneInfo(zone))
    return moment.astimezone(dt.timezone.utc)


def run_check(
    events_or_path,
    library=None,
    *,
    as_of: dt.datetime | dt.date | str | None = None,
    period: tuple[dt.date | str | None, dt.date | str | None] | None = None,
    profile: str | None = None,
    language: str | None = None,
    progress: Progress | None = None,
    absent_concepts: set[str] | None = None,
) -> CheckResult:
    """Check a dossier log (a path, or canonical events as a polars frame).

    `library`: a `qms.library.Library`, a folder, a `CheckDocuments`, or None for the
    workspace's library (else the bundled sample). `as_of`: a date (its end, in the
    calendar's zone) or an instant; default the end of `period`, else the latest
    event. `period`: (from, to) dates, inclusive; dossiers finished before `from`
    are left out and those received before it are counted as carried over.
    `absent_concepts`: what the source system does not record (e.g. {"apology"});
    None decides from the profile and the log itself (a log with no apology event at
    all has no apology concept). A caller checking a log in parts passes the whole
    log's answer, so that every part decides alike.
    """
    from ..core.i18n import get_language

    tell = progress or (lambda _stage: None)
    tick = stopwatch()
    language = language or get_language()
    period_from, period_to = _period_dates(period)
    if not isinstance(library, CheckDocuments):
        from ..library import Library, load_library

        library = library if isinstance(library, Library) else load_library(library)
    preliminary = _documents(library, None) if not isinstance(library, CheckDocuments) else library
    zone = preliminary.timezone
    tick("library, documents")
    tell(_("reading the log"))
    events, inputs, quality, quality_findings = read_log_input(events_or_path, profile, preliminary.known_codes(),
                                                               progress, columns=ENGINE_COLUMNS)
    tick("reading the log")
    lazy = events.lazy()
    if as_of is None and period_to is not None:
        as_of = period_to
    as_of_instant = _as_instant(as_of, zone, end_of_day=True)
    if as_of_instant is None:
        latest = lazy.select(pl.col("at").max()).collect().item()
        if latest is None:
            raise QmsError(_("the log has no events"))
        as_of_instant = latest.astimezone(dt.timezone.utc)
    docs = preliminary if isinstance(library, CheckDocuments) else _documents(library, as_of_instant, preliminary)
    tell(_("checking"))
    if quality is None:
        rows = events.height if isinstance(events, pl.DataFrame) else lazy.select(pl.len()).collect().item()
        quality = DataQuality(rows_read=rows, rows_accepted=rows, rows_rejected=0)
    indicator_set = library.indicator_set(as_of_instant) if not isinstance(library, CheckDocuments) else None
    carried = set(events.collect_schema().names() if isinstance(events, pl.LazyFrame) else events.columns)
    if absent_concepts is None:
        absent_concepts = concepts_absent_from(events, inputs, profile)
    facts = dossier_facts(events) if indicator_set is not None else None
    tick("as-of, documents in force, concepts, indicator facts")
    # The engine takes the only reference to a log read here, so that the unsorted
    # copy is freed as soon as it is sorted (a caller's own frame stays the caller's).
    handed = [events] if inputs else events
    del events, lazy
    dossiers, findings = check_events(handed, docs, as_of_instant, language)
    tick("the engine (its stages above)")
    dossiers, findings, unassessable = _without_unassessable_rules(dossiers, findings, absent_concepts)
    if period_from is not None:
        start = _as_instant(period_from, zone, end_of_day=False)
        keep = dossiers.filter(pl.col("finished_at").is_null() | (pl.col("finished_at") >= start))
        findings = findings.join(keep.select("dossier_id"), on="dossier_id", how="semi")
        dossiers = keep
    tick("unassessable rules, period")
    inputs = [item.done() if isinstance(item, PendingInput) else item for item in inputs]
    manifest = build_manifest(dossiers, docs, inputs, as_of_instant, period_from, period_to)
    summary = summarise(
        dossiers, findings, manifest, quality, tz=zone, working_day_hours=docs.calendar_settings.working_day_hours,
        labels=_labels(docs), warnings=_warnings(dossiers, docs) + unassessable,
    )
    tick("manifest, summary")
    if indicator_set is not None:
        received_from = _as_instant(period_from, zone, end_of_day=False) if period_from is not None else None
        summary.indicators, dossiers = _scored_index(dossiers, facts, carried, indicator_set, received_from, library)
        tick("service-quality index")
    return CheckResult(dossiers=dossiers, findings=findings, summary=summary,
                       data_quality_findings=quality_findings, documents=docs,
                       hints=_not_assessable_hints(dossiers, docs))


def _labels(docs: CheckDocuments) -> dict[str, dict[str, Text]]:
    latest = {}
    for p in sorted(docs.procedures, key=lambda p: p.issue):
        latest[p.code] = p
    return {"procedure": {code: p.title for code, p in latest.items()},
            "field": {p.field.vi: p.field for p in latest.values()}}


def _warnings(dossiers: pl.DataFrame, docs: CheckDocuments) -> list[str]:
    return warnings_for(docs, dossiers.filter(pl.col("ruleset_code") == DEFAULT_RULESET.code).height,
                        sorted(dossiers["method"].drop_nulls().unique().to_list()))


def warnings_for(docs: CheckDocuments, defaulted: int, methods: list[str]) -> list[str]:
    """The summary's warnings from the documents, the number of dossiers judged by
    qms's default rule set and the methods used (sums a merge of parts can redo)."""
    notes = list(docs.notes)
    years = list(getattr(docs.calendar, "years_without_holiday_data", []) or [])
    if years:
        notes.append(_("no public-holiday data for {years}: weekends only were taken as days off").format(
            years=", ".join(str(y) for y in years)))
    if defaulted:
        notes.append(_("{count} dossier(s) were received on days no rule set covers; qms defaults were used").format(
            count=defaulted))
    if len(methods) > 1:
        notes.append(_("the rule sets in force use different methods: {methods}").format(methods=", ".join(methods)))
    return notes


def _period_dates(period) -> tuple[dt.date | None, dt.date | None]:
    """(from, to) of a period given as dates or ISO texts, checked to be in order."""
    period_from, period_to = (period or (None, None))
    period_from = dt.date.fromisoformat(period_from) if isinstance(period_from, str) else period_from
    period_to = dt.date.fromisoformat(period_to) if isinstance(period_to, str) else period_to
    if period_from and period_to and period_to < period_from:
        raise QmsError(_("the period ends ({to}) before it starts ({start})").format(to=period_to, start=period_from))
    return period_from, period_to


def _scored_index(dossiers, facts, carried, indicator_set, received_from, library):
    """The service-quality index of the dossiers, and the dossiers with their indicator
    facts (so that a check folder alone can be reconciled with the portal)."""
    index = compute_indicators(dossiers, facts, carried, indicator_set, received_from,
                               sha256=library.content_hash(indicator_set))
    if facts is not None:
        dossiers = dossiers.join(facts, on="dossier_id", how="left", maintain_order="left")
    return index, dossiers


# Concepts a source system may not record at all (rules name theirs: `Rule.needs_concept`):
# the event that shows a log records it, and what it is called in a warning.
CONCEPT_EVENTS = {"apology": "apology_issued"}
CONCEPT_NAMES = {"apology": "apology letters with a new appointment date"}


def concepts_absent_from(events, inputs, profile) -> set[str]:
    """Concepts the source system does not record: as its profile says, else (a profile
    that says nothing) those of which the log has no event at all. qms's canonical
    events (a frame, or the canonical profile) are a Vietnamese one-stop log, where
    apologies are a legal duty: a log without one has late dossiers without apology."""
    from ..ingest.profiles import declared_concepts

    used = profile or next((getattr(item, "profile", None) for item in inputs), None) or "canonical"
    return absent_concepts_given(events, declared_concepts(used))


def absent_concepts_given(events, declared: dict[str, str]) -> set[str]:
    """The concepts `declared` absent, and those it does not declare of which `events`
    (a frame or a lazy scan of every part of a log) hold no event at all."""
    absent = {concept for concept, state in declared.items() if state == "absent"}
    lazy = events.lazy()
    for concept, step in CONCEPT_EVENTS.items():
        if concept in declared:
            continue
        if lazy.filter(pl.col("step") == step).select(pl.len()).collect().item() == 0:
            absent.add(concept)
    return absent


def _rules_needing(absent: set[str]) -> dict[str, str]:
    from .rules import REGISTRY

    return {rule.id: rule.needs_concept for rule in REGISTRY.values() if rule.needs_concept in absent}


def unassessable_warnings(absent: set[str]) -> list[str]:
    """The summary's warning for each rule that needs a concept the log lacks."""
    needing = _rules_needing(absent)
    return [_("rule {rule} is not assessable: the log does not record {concept} at all").format(
        rule=rule, concept=_(CONCEPT_NAMES[needing[rule]])) for rule in sorted(needing)]


def _without_unassessable_rules(dossiers: pl.DataFrame, findings: pl.DataFrame, absent: set[str]
                                ) -> tuple[pl.DataFrame, pl.DataFrame, list[str]]:
    """The findings of rules whose concept the log lacks taken out (and each dossier's
    count of findings with them), with a warning naming each such rule."""
    rules = sorted(_rules_needing(absent))
    dropping = findings.filter(pl.col("rule").is_in(rules)) if rules else None
    warnings = unassessable_warnings(absent)
    if dropping is None or dropping.height == 0:
        return dossiers, findings, warnings
    removed = dropping.group_by("dossier_id").len("removed")
    dossiers = dossiers.join(removed, on="dossier_id", how="left", maintain_order="left").with_columns(
        (pl.col("findings") - pl.col("removed").fill_null(0)).alias("findings")).drop("removed")
    return dossiers, findings.filter(~pl.col("rule").is_in(rules)), warnings


def _not_assessable_hints(dossiers: pl.DataFrame, docs: CheckDocuments) -> list[str]:
    """What to do when dossiers cannot be judged: the codes the library lacks, and
    procedures whose only issues are drafts (a new workspace's usual state)."""
    hints = []
    unknown = (dossiers.filter(pl.col("not_assessable_reason") == "unknown_procedure")
               .group_by("procedure_code").len().sort(["len", "procedure_code"], descending=[True, False]))
    if unknown.height:
        codes = unknown["procedure_code"].to_list()
        shown = ", ".join(str(code) for code in codes[:5]) + (" …" if len(codes) > 5 else "")
        hints.append(_("{count} dossier(s) have procedure codes the library does not know ({codes}): write a "
                       "procedure document for each (docs/process-documents.md)").format(
            count=int(unknown["len"].sum()), codes=shown))
    no_issue = dossiers.filter(pl.col("not_assessable_reason") == "no_issue_in_force")
    if no_issue.height:
        only_drafts = {p.code for p in docs.procedures} - {p.code for p in docs.usable_procedures()}
        drafts = sorted(only_drafts & set(no_issue["procedure_code"].drop_nulls().to_list()))
        if drafts:
            hints.append(_("procedure(s) {codes} have only draft issues: approve them with `qms docs approve` "
                           "before their dossiers can be judged").format(codes=", ".join(drafts)))
    return hints


def build_manifest(dossiers: pl.DataFrame, docs: CheckDocuments, inputs: list[InputFile], as_of: dt.datetime,
                   period_from: dt.date | None, period_to: dt.date | None) -> Manifest:
    used_procedures = set(dossiers.select("procedure_code", "procedure_issue").drop_nulls().unique().iter_rows())
    used_rulesets = set(dossiers.select("ruleset_code", "ruleset_issue").drop_nulls().unique().iter_rows())
    refs = []
    for doc in [*docs.procedures, *docs.rulesets]:
        key = (doc.code, doc.issue)
        if key in used_procedures and doc.kind == "procedure" or key in used_rulesets and doc.kind == "ruleset":
            refs.append(DocumentRef(kind=doc.kind, code=doc.code, issue=doc.issue,
                                    sha256=docs.hashes[(doc.kind, doc.code, doc.issue)],
                                    effective_from=doc.effective_from, effective_to=doc.effective_to))
    if any(code == DEFAULT_RULESET.code for code, _issue in used_rulesets):
        d = DEFAULT_RULESET
        refs.append(DocumentRef(kind="ruleset", code=d.code, issue=d.issue, sha256=_hash_model(d),
                                effective_from=d.effective_from))
    refs.sort(key=lambda r: (r.kind, r.code, r.issue))
    settings = docs.calendar_settings
    calendar = CalendarRef(
        kind="calendar", code=settings.code, issue=settings.issue,
        sha256=docs.hashes[(settings.kind, settings.code, settings.issue)],
        effective_from=settings.effective_from, effective_to=settings.effective_to,
        holiday_source=str(getattr(docs.calendar, "holiday_source", "") or docs.holiday_source or "?"),
        years_without_holiday_data=list(getattr(docs.calendar, "years_without_holiday_data", []) or []),
        working_day_hours=settings.working_day_hours,
    )
    method = method_of(sorted(dossiers["method"].drop_nulls().unique().to_list()))
    return Manifest(
        qms_version=__version__, generated_at=dt.datetime.now(dt.timezone.utc), as_of=as_of,
        period_from=period_from, period_to=period_to, method=method, inputs=inputs, documents=refs,
        calendar=calendar, timezone=docs.timezone,
    )


def write_outputs(result: CheckResult, out_dir: str | Path, *, csv: bool = False) -> dict[str, Path]:
    """dossiers.parquet/.csv (the CSVs only with `csv`), findings.parquet/.csv and
    summary.json in `out_dir`, as one set: each file written whole (temporary file,
    then rename) and a manifest `outputs.sha256` last, which `report --from-check` and
    `nc raise-from-check` verify. The CSVs are for people: text that a spreadsheet
    would run as a formula gets a leading apostrophe there; the Parquet files keep the
    exact values."""
    from ..core.atomic import atomic_target, write_text
    from ..core.check_tables import PARQUET_WRITE
    from ..core.excel_text import csv_safe_frame
    from ..core.output_set import writing_set
    from .units import lists_as_text

    out = Path(out_dir)
    tick = stopwatch()
    written = {}
    with writing_set(out) as names:
        for name, table in (("dossiers", result.dossiers), ("findings", result.findings)):
            writers = [(".parquet", partial(table.write_parquet, **PARQUET_WRITE))]
            if csv:
                writers.append((".csv", csv_safe_frame(lists_as_text(table)).write_csv))
            for suffix, write in writers:
                target = written[name + suffix] = out / (name + suffix)
                with atomic_target(target) as temporary:
                    write(temporary)
                names.append(target.name)
                tick("writing " + target.name)
        written["summary.json"] = write_text(out / "summary.json", result.summary.model_dump_json(indent=2) + "\n")
        names.append("summary.json")
    return written
