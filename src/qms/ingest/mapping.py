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

from ..errors import QmsError
from ..i18n import _
from ..model.profile import ISO, LogProfile
from .schema import CHANNELS, CORE_FIELDS, SOURCE_ROW, TIMESTAMP_FIELDS, output_order
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


def map_to_canonical(raw: RawSource, profile: LogProfile) -> Mapped:
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

    parsed: dict[str, pl.Expr] = {}
    problems: list[tuple[str, pl.Expr, pl.Expr]] = []  # (reason, condition, detail)
    consumed: set[str] = set()
    for name, source in profile.fields.items():
        if source.constant is not None:
            parsed[name] = pl.lit(source.constant, dtype=pl.String)
            continue
        column = source.column
        if column not in schema:  # optional and absent
            continue
        consumed.add(column)
        dtype = schema[column]
        raw_text = _text(column, dtype)
        if source.null_values:
            raw_text = pl.when(raw_text.is_in(source.null_values)).then(None).otherwise(raw_text)
        result = pl.col(PARSED + name)  # conditions read the parsed column, not re-parse
        if name in TIMESTAMP_FIELDS:
            value = timestamp_expr(column, dtype, profile.formats_for(name), profile.zone_for(name), raw_text)
            parsed[name] = value
            if name == "at":
                problems.append(("missing_timestamp", raw_text.is_null(), _detail("missing_timestamp", column, None)))
            problems.append((
                "unparseable_timestamp",
                raw_text.is_not_null() & result.is_null(),
                _detail("unparseable_timestamp", column, raw_text),
            ))
            continue
        value = raw_text
        if source.values:
            mapped = _value_map(raw_text, source.values)
            keep = profile.unmapped_policy(name) == "keep"
            value = pl.coalesce(mapped, raw_text) if keep else mapped
            if not keep and name not in ("channel",):
                reason = "unknown_step" if name == "step" else "unknown_value"
                problems.append((reason, raw_text.is_not_null() & result.is_null(), _detail(reason, column, raw_text)))
        parsed[name] = value
        if name in ("dossier_id", "procedure_code", "step"):
            reason = f"missing_{name}"
            problems.append((reason, raw_text.is_null(), _detail(reason, column, None)))
        if name == "channel":
            problems.append((
                "unknown_channel",
                raw_text.is_not_null() & (result.is_null() | ~result.is_in(list(CHANNELS))),
                _detail("unknown_channel", column, raw_text),
            ))
    # a constant or an optional-and-absent required field still needs its checks
    for name in ("dossier_id", "procedure_code", "step"):
        if name not in parsed:
            raise QmsError(_("profile {profile!r}: field {field} has no source").format(profile=profile.profile, field=name))
    if "at" not in parsed:
        raise QmsError(_("profile {profile!r}: field {field} has no source").format(profile=profile.profile, field="at"))
    for name in CORE_FIELDS:
        parsed.setdefault(name, pl.lit(None, dtype=pl.String))

    # where a source column is named `source_row` (a converted log read again), it
    # keeps pointing at the original file's row
    if SOURCE_ROW in schema and SOURCE_ROW not in consumed:
        parsed[SOURCE_ROW] = pl.coalesce(pl.col(SOURCE_ROW).cast(pl.Int64, strict=False), pl.col(ROW))
        consumed.add(SOURCE_ROW)
    else:
        parsed[SOURCE_ROW] = pl.col(ROW)

    order = {reason: i for i, reason in enumerate(_reason_order())}
    problems.sort(key=lambda p: order.get(p[0], len(order)))
    blank_row = pl.all_horizontal([_text(c, schema[c]).is_null() for c in raw.columns]) if raw.columns else pl.lit(False)

    reason_expr = pl.when(blank_row).then(pl.lit("empty_row"))
    for reason, condition, _detail_expr in problems:
        reason_expr = reason_expr.when(condition).then(pl.lit(reason))
    reason_expr = reason_expr.otherwise(pl.lit(None, dtype=pl.String))
    details = [pl.when(condition).then(detail) for _r, condition, detail in problems]
    detail_expr = (
        pl.when(blank_row).then(pl.lit("empty_row"))
        .otherwise(pl.concat_str(details, separator="; ", ignore_nulls=True) if details else pl.lit(None))
    )

    unmapped: dict[str, str] = {}
    from .schema import CANONICAL_FIELDS

    taken = set(CANONICAL_FIELDS) | {SOURCE_ROW}
    for column in raw.columns:
        if column in consumed:
            continue
        out = column if column not in taken else f"{column}_source"
        unmapped[column] = out
        taken.add(out)

    fields = [name for name in parsed if name != SOURCE_ROW]
    frame = raw.frame.with_columns(
        *[expr.alias(PARSED + name) for name, expr in parsed.items()],
    ).with_columns(reason_expr.alias(REASON), detail_expr.alias(DETAIL))
    frame = frame.with_columns(pl.when(pl.col(REASON).is_null()).then(None).otherwise(pl.col(DETAIL)).alias(DETAIL))
    return Mapped(frame, fields, unmapped, list(raw.columns))


def _reason_order() -> tuple[str, ...]:
    from .schema import REJECT_REASONS

    return REJECT_REASONS
