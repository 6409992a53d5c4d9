"""Apply a profile to a raw source: parse every canonical field as a polars
expression, and name the first reason a row cannot be accepted.

Nothing here loops over rows. The result is one lazy frame holding the source's own
columns (for the rejects file), the parsed canonical fields under internal names,
and `__reason`/`__detail` (null for an accepted row).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

import polars as pl

from ..core.errors import QmsError
from ..core.i18n import _
from ..model.limits import ReaderLimits
from ..model.profile import ISO, LogProfile
from ..model.events import FIELD_VALUES
from .schema import CANONICAL_FIELDS, CORE_FIELDS, SOURCE_ROW, TIMESTAMP_FIELDS, output_order
from .source import ROW, RawSource

PARSED = "__c_"
REASON = "__reason"
DETAIL = "__detail"

# What "iso" stands for in a format list: with an offset (or Z) first, then local.
ISO_FORMATS = (
    "%Y-%m-%dT%H:%M:%S%.f%#z",
    "%Y-%m-%d %H:%M:%S%.f%#z",
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
)
_DETAIL_VALUE_CHARS = 120


@dataclass
class Mapped:
    frame: pl.LazyFrame  # ROW, source columns, __c_<field>, __reason, __detail
    fields: list[str]  # canonical fields in the output
    unmapped: dict[str, str] = field(default_factory=dict)  # source column -> output name
    source_columns: list[str] = field(default_factory=list)

    def accepted(self) -> pl.LazyFrame:
        """Accepted rows in the canonical schema."""
        columns = [pl.col(PARSED + name).alias(name) for name in self.fields]
        columns.append(pl.col(PARSED + SOURCE_ROW).alias(SOURCE_ROW))
        columns += [pl.col(source).alias(out) for source, out in self.unmapped.items()]
        order = output_order([*self.fields, SOURCE_ROW, *self.unmapped.values()])
        return self.frame.filter(pl.col(REASON).is_null()).select(columns).select(order)

    def rejected(self) -> pl.LazyFrame:
        """Rejected rows: row number, reason, detail, then the raw row as text."""
        raw = [_as_text(pl.col(name)).alias(name) for name in self.source_columns]
        return (
            self.frame.filter(pl.col(REASON).is_not_null())
            .select(pl.col(ROW).alias(SOURCE_ROW), pl.col(REASON).alias("reason"), pl.col(DETAIL).alias("detail"), *raw)
        )


def _as_text(expr: pl.Expr) -> pl.Expr:
    return expr.cast(pl.String, strict=False)


def _blank_to_null(expr: pl.Expr) -> pl.Expr:
    stripped = expr.str.strip_chars()
    return pl.when(stripped == "").then(None).otherwise(stripped)


def _text(column: str, dtype: pl.DataType) -> pl.Expr:
    expr = pl.col(column) if dtype == pl.String else _as_text(pl.col(column))
    return _blank_to_null(expr)


def _normalise_key(value: str) -> str:
    return unicodedata.normalize("NFC", str(value)).strip().lower()


def _is_aware(fmt: str) -> bool:
    return any(d in fmt for d in ("%z", "%:z", "%#z", "%::z", "%Z"))


def expand_formats(formats: list[str]) -> list[str]:
    out: list[str] = []
    for fmt in formats:
        for item in ISO_FORMATS if fmt == ISO else (fmt,):
            if item not in out:
                out.append(item)
    return out


def _localise(expr: pl.Expr, zone: str) -> pl.Expr:
    return expr.dt.replace_time_zone(zone, ambiguous="earliest", non_existent="null").dt.convert_time_zone("UTC")


def timestamp_expr(
    column: str, dtype: pl.DataType, formats: list[str], zone: str, text: pl.Expr | None = None
) -> pl.Expr:
    """A source column as a UTC instant; null where it is empty or matches no format."""
    if isinstance(dtype, pl.Datetime):
        expr = pl.col(column).dt.cast_time_unit("us")
        return expr.dt.convert_time_zone("UTC") if dtype.time_zone else _localise(expr, zone)
    if dtype == pl.Date:
        return _localise(pl.col(column).cast(pl.Datetime("us")), zone)
    text = _text(column, dtype) if text is None else text
    parses = []
    for fmt in expand_formats(formats):
        parsed = text.str.to_datetime(fmt, time_unit="us", strict=False)
        parses.append(parsed.dt.convert_time_zone("UTC") if _is_aware(fmt) else _localise(parsed, zone))
    return pl.coalesce(parses)


def _value_map(text: pl.Expr, values: dict[str, str]) -> pl.Expr:
    keys = {_normalise_key(k): v for k, v in values.items()}
    normalised = text.str.normalize("NFC").str.to_lowercase()
    return normalised.replace_strict(list(keys), list(keys.values()), default=None, return_dtype=pl.String)


def _detail(reason: str, column: str | None, value: pl.Expr | None) -> pl.Expr:
    if column is None or value is None:
        return pl.lit(reason)
    return pl.concat_str(
        [pl.lit(f"{reason}: {column}='"), value.str.slice(0, _DETAIL_VALUE_CHARS), pl.lit("'")]
    )


def missing_columns(raw: RawSource, profile: LogProfile) -> list[str]:
    present = set(raw.columns)
    return [
        source.column
        for source in profile.fields.values()
        if source.column is not None and not source.optional and source.column not in present
    ]


LOOKUP_LIMIT = 2_000_000  # distinct values above which a column is parsed row by row
TEXT = "__t_"  # internal: a mapped source column as clean text (stripped, blanks null)


def _clean_text(column: str, dtype: pl.DataType, null_values: list[str]) -> pl.Expr:
    text = _text(column, dtype)
    if null_values:
        text = pl.when(text.is_in(null_values)).then(None).otherwise(text)
    return text


def parse_timestamps(values: pl.Series, formats: list[str], zone: str) -> pl.DataFrame:
    """Distinct source strings -> UTC instants, trying each format only on the values
    no earlier format matched. Returns the matched pairs (value, at)."""
    remaining = pl.DataFrame({"value": values})
    found = []
    for fmt in expand_formats(formats):
        if remaining.height == 0:
            break
        parsed = pl.col("value").str.to_datetime(fmt, time_unit="us", strict=False)
        parsed = parsed.dt.convert_time_zone("UTC") if _is_aware(fmt) else _localise(parsed, zone)
        attempt = remaining.with_columns(parsed.alias("at"))
        found.append(attempt.filter(pl.col("at").is_not_null()))
        remaining = attempt.filter(pl.col("at").is_null()).select("value")
    if not found:
        return pl.DataFrame(schema={"value": pl.String, "at": pl.Datetime("us", "UTC")})
    return pl.concat(found)


def map_values(values: pl.Series, mapping: dict[str, str]) -> pl.DataFrame:
    """Distinct source strings -> canonical values (matched pairs only)."""
    frame = pl.DataFrame({"value": values}).with_columns(_value_map(pl.col("value"), mapping).alias("mapped"))
    return frame.filter(pl.col("mapped").is_not_null())


def map_to_canonical(raw: RawSource, profile: LogProfile, limits: ReaderLimits | None = None) -> Mapped:
    """The profile as polars expressions over `raw.frame`.

    Timestamp parsing and value maps are worked out once per distinct source value
    (a log repeats its labels and its dossier-level dates on every row) and applied
    with a hash lookup, so the per-row cost does not grow with the number of formats.

    An instant outside the plausible window of `limits` (default 1990 to a year after
    now) rejects its row: one row typed 2199 must not move the check's as-of."""
    if limits is None:
        from .limits import reader_limits

        limits = reader_limits()
    earliest, latest = limits.instant_window()
    schema = raw.schema()
    missing = missing_columns(raw, profile)
    if missing:
        found = ", ".join(repr(c) for c in raw.columns[:20])
        hint = ""
        if len(raw.columns) == 1 and raw.format == "csv":
            hint = " " + _("(only one column was found: is the delimiter right?)")
        raise QmsError(
            _("{path}: column(s) {missing} required by profile {profile!r} not found; the file has {found}").format(
                path=raw.path, missing=", ".join(repr(c) for c in missing), profile=profile.profile, found=found
            )
            + hint
        )
    for name in ("dossier_id", "procedure_code", "step", "at"):
        source = profile.fields[name]
        if source.column is not None and source.column not in schema:
            raise QmsError(_("profile {profile!r}: field {field} has no source").format(profile=profile.profile, field=name))

    # 1. every mapped column as clean text
    present = {
        name: source for name, source in profile.fields.items()
        if source.constant is None and source.column in schema
    }
    text_columns = [
        _clean_text(source.column, schema[source.column], source.null_values).alias(TEXT + name)
        for name, source in present.items()
    ]
    frame = raw.frame.with_columns(text_columns)

    # 2. distinct values of the columns that need parsing or mapping, worked out once
    needs = [
        name for name, source in present.items()
        if (name in TIMESTAMP_FIELDS and not isinstance(schema[source.column], (pl.Datetime, pl.Date)))
        or (name not in TIMESTAMP_FIELDS and source.values)
    ]
    if needs:
        # a column with very many distinct values (timestamps to the second, say) is
        # parsed row by row instead: its lookup table would cost more than it saves
        estimates = frame.select([pl.col(TEXT + name).approx_n_unique().alias(name) for name in needs])
        estimates = estimates.collect(engine="streaming").row(0, named=True)
        needs = [name for name in needs if estimates[name] <= LOOKUP_LIMIT]
    distinct = (
        pl.collect_all([frame.select(pl.col(TEXT + name).drop_nulls().unique()) for name in needs], engine="streaming")
        if needs else []
    )
    tables: dict[str, pl.DataFrame] = {}
    for name, values in zip(needs, distinct):
        series = values.to_series()
        if name in TIMESTAMP_FIELDS:
            tables[name] = parse_timestamps(series, profile.formats_for(name), profile.zone_for(name))
        else:
            tables[name] = map_values(series, present[name].values)

    parsed: dict[str, pl.Expr] = {}
    problems: list[tuple[str, pl.Expr, pl.Expr]] = []  # (reason, condition, detail)
    for name, source in profile.fields.items():
        if source.constant is not None:
            parsed[name] = pl.lit(source.constant, dtype=pl.String)
    for name, source in present.items():
        column, dtype = source.column, schema[source.column]
        text = pl.col(TEXT + name)
        result = pl.col(PARSED + name)  # conditions read the parsed column, not re-parse
        if name in TIMESTAMP_FIELDS:
            if name in tables:
                table = tables[name]
                parsed[name] = text.replace_strict(
                    table["value"], table["at"], default=None, return_dtype=pl.Datetime("us", "UTC")
                )
            else:
                parsed[name] = timestamp_expr(column, dtype, profile.formats_for(name), profile.zone_for(name), text)
            if name == "at":
                problems.append(("missing_timestamp", text.is_null(), _detail("missing_timestamp", column, None)))
            problems.append((
                "unparseable_timestamp", text.is_not_null() & result.is_null(),
                _detail("unparseable_timestamp", column, text),
            ))
            problems.append((
                "implausible_timestamp",
                result.is_not_null() & ((result < pl.lit(earliest)) | (result > pl.lit(latest))),
                _detail("implausible_timestamp", column, text),
            ))
            continue
        value = text
        if source.values:
            if name in tables:
                table = tables[name]
                mapped = text.replace_strict(table["value"], table["mapped"], default=None, return_dtype=pl.String)
            else:
                mapped = _value_map(text, source.values)
            keep = profile.unmapped_policy(name) == "keep"
            value = pl.coalesce(mapped, text) if keep else mapped
            if not keep and name not in FIELD_VALUES:
                reason = "unknown_step" if name == "step" else "unknown_value"
                problems.append((reason, text.is_not_null() & result.is_null(), _detail(reason, column, text)))
        parsed[name] = value
        if name in ("dossier_id", "procedure_code", "step"):
            reason = f"missing_{name}"
            problems.append((reason, text.is_null(), _detail(reason, column, None)))
        if name in FIELD_VALUES:
            reason = "unknown_channel" if name == "channel" else "unknown_value"
            problems.append((
                reason,
                text.is_not_null() & (result.is_null() | ~result.is_in(list(FIELD_VALUES[name]))),
                _detail(reason, column, text),
            ))
    for name in CORE_FIELDS:
        parsed.setdefault(name, pl.lit(None, dtype=pl.String))
    consumed = {source.column for source in present.values()}

    # where a source column is named `source_row` (a converted log read again), it
    # keeps pointing at the original file's row
    if SOURCE_ROW in schema and SOURCE_ROW not in consumed:
        parsed[SOURCE_ROW] = pl.coalesce(pl.col(SOURCE_ROW).cast(pl.Int64, strict=False), pl.col(ROW))
        consumed.add(SOURCE_ROW)
    else:
        parsed[SOURCE_ROW] = pl.col(ROW)

    order = {reason: i for i, reason in enumerate(_reason_order())}
    problems.sort(key=lambda p: order.get(p[0], len(order)))
    if raw.invalid_utf8:
        # the reader replaced bytes that are not UTF-8 with U+FFFD; only such rows are lost
        strings = [c for c in raw.columns if schema[c] == pl.String]
        damaged = pl.any_horizontal([pl.col(c).str.contains("\ufffd", literal=True).fill_null(False) for c in strings])
        problems.insert(0, ("invalid_utf8", damaged, pl.lit("invalid_utf8: bytes that are not UTF-8 text")))
    blank_row = blank_row_expr(raw, schema)
    reason_expr = pl.when(blank_row).then(pl.lit("empty_row"))
    for reason, condition, _detail_expr in problems:
        reason_expr = reason_expr.when(condition).then(pl.lit(reason))
    reason_expr = reason_expr.otherwise(pl.lit(None, dtype=pl.String))
    details = [pl.when(condition).then(detail) for _r, condition, detail in problems]
    detail_expr = pl.when(blank_row).then(pl.lit("empty_row")).otherwise(
        pl.concat_str(details, separator="; ", ignore_nulls=True) if details else pl.lit(None, dtype=pl.String)
    )

    unmapped: dict[str, str] = {}
    taken = set(CANONICAL_FIELDS) | {SOURCE_ROW}
    for column in raw.columns:
        if column in consumed:
            continue
        out = column if column not in taken else f"{column}_source"
        unmapped[column] = out
        taken.add(out)

    fields = [name for name in parsed if name != SOURCE_ROW]
    frame = (
        frame.with_columns(*[expr.alias(PARSED + name) for name, expr in parsed.items()])
        .with_columns(reason_expr.alias(REASON))
        .with_columns(pl.when(pl.col(REASON).is_null()).then(None).otherwise(detail_expr).alias(DETAIL))
        .drop([TEXT + name for name in present])
    )
    return Mapped(frame, fields, unmapped, list(raw.columns))


def blank_row_expr(raw: RawSource, schema: dict | None = None) -> pl.Expr:
    """Every cell of the row empty (cheap test: null or zero length)."""
    schema = schema or raw.schema()
    if not raw.columns:
        return pl.lit(False)
    return pl.all_horizontal([_is_empty(c, schema[c]) for c in raw.columns])


def _is_empty(column: str, dtype: pl.DataType) -> pl.Expr:
    if dtype == pl.String:
        return pl.col(column).is_null() | (pl.col(column).str.len_bytes() == 0)
    return pl.col(column).is_null()


def _reason_order() -> tuple[str, ...]:
    from .schema import REJECT_REASONS

    return REJECT_REASONS
