"""The ingest Python API: validate, convert, read and describe a dossier log.

Every function reads the log once into a staged, parsed Parquet file (streaming),
then derives the accepted events, the rejects and the counts from it. The counts
always reconcile: rows read = rows accepted + rows rejected.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from ..core.atomic import atomic_target
from ..core.errors import QmsError
from ..core.excel_text import csv_safe_frame
from ..core.i18n import _
from ..model.check_output import DataQuality
from ..model.profile import LogProfile
from ..model.limits import ReaderLimits
from .compressed import accepts_gzip
from .csv_reader import first_ragged_line
from .json_lines import first_bad_json_line
from .limits import reader_limits
from .mapping import REASON, Mapped, blank_row_expr, map_to_canonical
from .profiles import detect_profile, load_profile
from .quality import count_by_kind, empty_findings, quality_findings
from .readers import open_source
from .schema import QUALITY_KINDS, REJECT_REASONS
from .source import RawSource

# progress(stage, fraction done overall): a label and a number from 0 to 1
Progress = Callable[[str, float], None]


def _silent(stage: str, fraction: float) -> None:
    return None


@dataclass
class IngestReport:
    path: str
    profile: str
    format: str
    rows_read: int
    rows_accepted: int
    rows_rejected: int
    rejected_by_reason: dict[str, int]
    findings: pl.DataFrame
    findings_by_kind: dict[str, int]
    row_label: str = "line"
    notes: list[str] = field(default_factory=list)
    rejects_path: str | None = None
    output_path: str | None = None

    @property
    def reconciled(self) -> bool:
        return self.rows_read == self.rows_accepted + self.rows_rejected

    def data_quality(self) -> DataQuality:
        return DataQuality(
            rows_read=self.rows_read,
            rows_accepted=self.rows_accepted,
            rows_rejected=self.rows_rejected,
            rejected_by_reason=self.rejected_by_reason,
            findings_by_kind=self.findings_by_kind,
        )

    def to_dict(self) -> dict:
        return {
            "path": self.path,
            "profile": self.profile,
            "format": self.format,
            "rows_read": self.rows_read,
            "rows_accepted": self.rows_accepted,
            "rows_rejected": self.rows_rejected,
            "rejected_by_reason": self.rejected_by_reason,
            "findings_by_kind": self.findings_by_kind,
            "rejects_path": self.rejects_path,
            "output_path": self.output_path,
            "notes": self.notes,
        }


@dataclass
class ReadResult:
    events: pl.DataFrame  # accepted events, canonical schema
    report: IngestReport


@dataclass
class _Session:
    raw: RawSource
    profile: LogProfile
    mapped: Mapped
    parsed: pl.LazyFrame  # staged: source columns + parsed fields + reason
    counts: dict[str | None, int]
    staging: Path

    def accepted(self) -> pl.LazyFrame:
        return Mapped(self.parsed, self.mapped.fields, self.mapped.unmapped, self.mapped.source_columns).accepted()

    def rejected(self) -> pl.LazyFrame:
        return Mapped(self.parsed, self.mapped.fields, self.mapped.unmapped, self.mapped.source_columns).rejected()


def resolve_profile(path: Path, profile: str | Path | LogProfile | None) -> LogProfile:
    if profile is not None:
        return load_profile(profile)
    columns = peek_columns(Path(path))
    found = detect_profile(columns) if columns else None
    if found is None:
        # let the reader say what is wrong with the file itself (empty, binary, broken)
        canonical = load_profile("canonical")
        with tempfile.TemporaryDirectory(prefix="qms-probe-") as folder:
            open_source(Path(path), canonical, Path(folder))
        raise QmsError(
            _("{path}: not a canonical log and no --profile given; its columns are {columns}").format(
                path=path, columns=", ".join(repr(c) for c in columns[:20]) or "?"
            )
        )
    return found


def peek_columns(path: Path) -> list[str]:
    """Column names of a log without reading it all (empty if unknown)."""
    from .canonical_probe import probe_columns

    return probe_columns(path)


@contextlib.contextmanager
def _session(path: Path, profile: LogProfile, progress: Progress | None) -> Iterator[_Session]:
    path = Path(path)
    tell = progress or _silent
    with tempfile.TemporaryDirectory(prefix="qms-ingest-") as folder:
        staging = Path(folder)
        tell(_("reading"), 0.0)
        limits = reader_limits()
        raw = open_source(path, profile, staging, limits)
        # A small text log is parsed once and held in memory; any other is staged as
        # Parquet, so that every pass reads only its columns and memory stays bounded
        # whatever the log's size. (Each pass through files costs a few milliseconds,
        # most of the reading time of a log of a few thousand rows.)
        in_memory = raw.format in ("csv", "jsonl") and raw.path.stat().st_size <= IN_MEMORY_BYTES
        if in_memory:
            raw.frame = _collected(raw, raw.frame).lazy()
        elif raw.format in ("csv", "jsonl"):
            staged_raw = staging / "source.parquet"
            _run_polars(raw, lambda: raw.frame.sink_parquet(staged_raw))
            raw.frame = pl.scan_parquet(staged_raw)
        mapped = _run_mapping(raw, profile, limits)
        tell(_("parsing"), 0.15)
        total = _rows_before_trailing_blanks(raw)
        if total == 0:
            raise QmsError(_("{path}: the log has a header but no data rows").format(path=path))
        if in_memory:
            parsed = _collected(raw, mapped.frame.slice(0, total)).lazy()
        else:
            parsed = pl.scan_parquet(_parse_in_chunks(raw, mapped, staging, total, tell))
        counts = dict(parsed.group_by(REASON).len().collect(engine="streaming").iter_rows())
        yield _Session(raw, profile, mapped, parsed, counts, staging)


CHUNK_ROWS = 500_000
IN_MEMORY_BYTES = 32 * 1024 * 1024  # a CSV or JSON Lines log up to this size is held in memory


def _rows_before_trailing_blanks(raw: RawSource) -> int:
    """Rows up to the last one with any content. Blank lines or sheet rows after it
    are padding at the end of the file, not rows (and are said so in the notes);
    a blank row between rows is a row, rejected as `empty_row`."""
    found: list[tuple[int, int | None]] = []
    blank = blank_row_expr(raw)

    def count() -> None:
        row = raw.frame.with_row_index("__position").select(
            pl.len().alias("rows"), pl.col("__position").filter(~blank).max().alias("last")
        ).collect(engine="streaming").row(0)
        found.append(row)

    _run_polars(raw, count)
    rows, last = found[0]
    kept = 0 if last is None else int(last) + 1
    if kept < rows:
        raw.notes.append(f"{rows - kept} blank row(s) at the end of the file ignored")
    return kept


def _parse_in_chunks(raw: RawSource, mapped: Mapped, staging: Path, total: int, tell: Progress) -> list[Path]:
    """Apply the mapping a slice of rows at a time: every slice is vectorised, and
    memory stays bounded by the slice, not the log (the staged source is Parquet,
    so a slice reads only its own row groups)."""
    parts = []
    for index, start in enumerate(range(0, total, CHUNK_ROWS)):
        part = staging / f"parsed-{index:05d}.parquet"
        tell(_("parsing"), 0.15 + 0.6 * start / total)
        length = min(CHUNK_ROWS, total - start)
        _run_polars(raw, lambda: mapped.frame.slice(start, length).collect().write_parquet(part))
        parts.append(part)
    return parts


def _collected(raw: RawSource, frame: pl.LazyFrame) -> pl.DataFrame:
    result: list[pl.DataFrame] = []
    _run_polars(raw, lambda: result.append(frame.collect()))
    return result[0]


def _run_mapping(raw: RawSource, profile: LogProfile, limits: ReaderLimits) -> Mapped:
    result: list[Mapped] = []
    _run_polars(raw, lambda: result.append(map_to_canonical(raw, profile, limits)))
    return result[0]


def _run_polars(raw: RawSource, action: Callable[[], object]) -> None:
    try:
        action()
    except QmsError:
        raise
    except (pl.exceptions.PolarsError, OSError) as error:
        message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        if raw.format == "csv" and "more fields than defined" in str(error):
            ragged = first_ragged_line(raw.path, raw.delimiter or ",")
            if ragged:
                line, fields, header = ragged
                raise QmsError(
                    _("{path}:{line}: {fields} fields where the header has {header} (wrong delimiter, or a value with an unquoted delimiter?)").format(
                        path=raw.path, line=line, fields=fields, header=header
                    )
                ) from None
        if raw.format == "jsonl":
            bad = first_bad_json_line(raw.path)
            if bad:
                raise QmsError(_("{path}:{line}: not valid JSON: {error}").format(
                    path=raw.path, line=bad[0], error=bad[1])) from None
        raise QmsError(_("{path}: cannot be read: {error}").format(path=raw.path, error=message)) from None


def _report(session: _Session, findings: pl.DataFrame, checked: Iterable[str], **paths) -> IngestReport:
    rejected = {reason: count for reason, count in session.counts.items() if reason is not None}
    by_reason = {reason: rejected[reason] for reason in (*REJECT_REASONS, *sorted(rejected)) if reason in rejected}
    accepted = session.counts.get(None, 0)
    kinds = count_by_kind(findings)
    return IngestReport(
        path=str(session.raw.path),
        profile=session.profile.profile,
        format=session.raw.format,
        rows_read=accepted + sum(rejected.values()),
        rows_accepted=accepted,
        rows_rejected=sum(rejected.values()),
        rejected_by_reason=by_reason,
        findings=findings,
        findings_by_kind={k: v for k, v in kinds.items() if k in set(checked)},
        row_label=session.raw.row_label,
        notes=list(session.raw.notes),
        **paths,
    )


_WRITABLE = (".parquet", ".pq", ".csv", ".jsonl", ".ndjson")


def _check_writable(*targets: str | Path | None) -> None:
    """Refuse an output type before reading a large log, not after."""
    for target in targets:
        if target is not None and Path(target).suffix.lower() not in _WRITABLE:
            raise QmsError(_("{path}: write .parquet, .csv or .jsonl").format(path=target))


def _write(frame: pl.LazyFrame, target: Path, raw: RawSource, *, for_people: bool = False) -> None:
    """Write whole or not at all (core.atomic). A rejects file is for people (UTF-8
    with BOM for Excel, formula-looking text quote-prefixed); converted events are
    data and keep their exact values."""
    target = Path(target)
    suffix = target.suffix.lower()
    if for_people and suffix == ".csv":
        frame = csv_safe_frame(frame)
    with atomic_target(target) as temporary:
        if suffix in (".parquet", ".pq"):
            _run_polars(raw, lambda: frame.sink_parquet(temporary))
        elif suffix == ".csv":
            _run_polars(raw, lambda: frame.sink_csv(temporary, include_bom=for_people))
        elif suffix in (".jsonl", ".ndjson"):
            _run_polars(raw, lambda: frame.sink_ndjson(temporary))
        else:
            raise QmsError(_("{path}: write .parquet, .csv or .jsonl").format(path=target))


def _findings(session: _Session, events: pl.LazyFrame, known: Iterable[str] | None) -> tuple[pl.DataFrame, list[str]]:
    checked = [k for k in QUALITY_KINDS if k != "unknown_procedure_code" or known is not None]
    if session.counts.get(None, 0) == 0:
        return empty_findings(), checked
    return quality_findings(events, session.profile.dossier_level_fields(), known), checked


@accepts_gzip
def validate_log(
    path: str | Path,
    profile: str | Path | LogProfile | None = None,
    rejects: str | Path | None = None,
    known_procedure_codes: Iterable[str] | None = None,
    progress: Progress | None = None,
) -> IngestReport:
    """Read a log through a profile and account for every row; write nothing but
    the rejects file (when asked)."""
    path = Path(path)
    _check_writable(rejects)
    chosen = resolve_profile(path, profile)
    with _session(path, chosen, progress) as session:
        rejects_path = None
        if rejects is not None:
            (progress or _silent)(_("writing rejects"), 0.8)
            _write(session.rejected(), Path(rejects), session.raw, for_people=True)
            rejects_path = str(rejects)
        (progress or _silent)(_("data-quality checks"), 0.85)
        findings, checked = _findings(session, session.accepted(), known_procedure_codes)
        return _report(session, findings, checked, rejects_path=rejects_path)


@accepts_gzip
def convert_log(
    path: str | Path,
    out: str | Path,
    profile: str | Path | LogProfile | None = None,
    rejects: str | Path | None = None,
    known_procedure_codes: Iterable[str] | None = None,
    progress: Progress | None = None,
) -> IngestReport:
    """Write the accepted events as canonical Parquet (or CSV/JSON Lines by suffix).

    Rejected rows go to `rejects`, by default `<out>.rejects.csv` beside the output
    whenever there are any: nothing is dropped without a trace."""
    path, out = Path(path), Path(out)
    if out.resolve() == path.resolve():
        raise QmsError(_("{path}: the output would overwrite the input").format(path=out))
    _check_writable(out, rejects)
    chosen = resolve_profile(path, profile)
    tell = progress or _silent
    with _session(path, chosen, progress) as session:
        tell(_("writing events"), 0.75)
        _write(session.accepted(), out, session.raw)
        rejects_path = None
        if rejects is not None or any(reason is not None for reason in session.counts):
            target = Path(rejects) if rejects is not None else out.with_name(out.stem + ".rejects.csv")
            tell(_("writing rejects"), 0.8)
            _write(session.rejected(), target, session.raw, for_people=True)
            rejects_path = str(target)
        tell(_("data-quality checks"), 0.85)
        findings, checked = _findings(session, pl.scan_parquet(out) if out.suffix.lower() in (".parquet", ".pq") else session.accepted(), known_procedure_codes)
        return _report(session, findings, checked, rejects_path=rejects_path, output_path=str(out))


@accepts_gzip
def read_log(
    path: str | Path,
    profile: str | Path | LogProfile | None = None,
    known_procedure_codes: Iterable[str] | None = None,
    progress: Progress | None = None,
) -> ReadResult:
    """The accepted events in memory, with the report (rejects are counted, not written)."""
    path = Path(path)
    chosen = resolve_profile(path, profile)
    with _session(path, chosen, progress) as session:
        events = session.accepted().collect()
        findings, checked = _findings(session, events.lazy(), known_procedure_codes)
        return ReadResult(events, _report(session, findings, checked))


def scan_events(path: str | Path, profile: str | Path | LogProfile | None = None) -> pl.LazyFrame:
    """Canonical events as a lazy frame: a canonical Parquet file (what `convert`
    writes) is scanned directly; anything else is read through its profile."""
    path = Path(path)
    if profile is None and path.suffix.lower() in (".parquet", ".pq"):
        from .canonical_probe import is_canonical_parquet

        if is_canonical_parquet(path):
            return pl.scan_parquet(path)
    return read_log(path, profile).events.lazy()
