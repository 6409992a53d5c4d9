"""A log profile: how one export format maps onto the canonical event schema.

Written by hand in YAML (see docs/log-profiles.md). A profile names, for each
canonical field, the source column it comes from (or a constant), how timestamps are
written and in which zone, and how source values (status labels, channel names)
translate to canonical ones. Source columns a profile does not mention are kept in
the output under their own names.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from ..core.timezone import DEFAULT_TIMEZONE
from .events import (
    CANONICAL_FIELDS,
    FIELD_VALUES,
    DOSSIER_FIELDS,
    REQUIRED_FIELDS,
    TIMESTAMP_FIELDS,
)
from .common import StrictModel

ISO = "iso"  # keyword in a format list: the ISO 8601 spellings, with or without offset


class FieldSource(StrictModel):
    """Where one canonical field comes from."""

    column: str | None = Field(default=None, min_length=1, description="Source column name")
    constant: str | None = Field(default=None, min_length=1, description="Same value on every row")
    null_values: list[str] = Field(
        default_factory=list, description="Source values that mean 'no value' (e.g. EMPTY, N/A, —)"
    )
    optional: bool = Field(default=False, description="The column may be absent from a file (the field is then left out)")
    values: dict[str, str] = Field(
        default_factory=dict,
        description="Source value -> canonical value; matched ignoring case, surrounding spaces and Unicode form",
    )
    unmapped: Literal["keep", "reject"] | None = Field(
        default=None,
        description="A value missing from `values`: keep it as is, or reject the row "
        "(default: reject for channel, keep otherwise)",
    )
    formats: list[str] | None = Field(default=None, description="Timestamp formats (strftime) tried in order")
    timezone: str | None = Field(default=None, description="Zone of timestamps written without an offset")

    @model_validator(mode="after")
    def _one_source(self):
        if (self.column is None) == (self.constant is None):
            raise ValueError("give exactly one of `column` or `constant`")
        return self

    @field_validator("values")
    @classmethod
    def _no_empty_values(cls, values: dict[str, str]) -> dict[str, str]:
        empty = [key for key, target in values.items() if not str(target).strip()]
        if empty:
            raise ValueError(f"empty canonical value for {', '.join(map(repr, empty))}")
        return values


class CsvOptions(StrictModel):
    delimiter: str | None = Field(default=None, min_length=1, max_length=1, description="Default: detected")
    encoding: str | None = Field(default=None, description="Default: detected (UTF-8 with/without BOM, UTF-16, cp1258)")


class LogProfile(StrictModel):
    profile: str = Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$", description="Profile name")
    description: str | None = None
    format: Literal["auto", "csv", "xlsx", "jsonl", "parquet", "xes"] = "auto"
    csv: CsvOptions = Field(default_factory=CsvOptions)
    sheets: list[str] | None = Field(default=None, description="XLSX sheets to read; default every sheet")
    timezone: str = Field(default=DEFAULT_TIMEZONE, description="Zone of timestamps without an offset")
    timestamp_formats: list[str] = Field(default_factory=lambda: [ISO], min_length=1)
    fields: dict[str, FieldSource]
    concepts: dict[Literal["apology"], Literal["recorded", "absent"]] = Field(
        default_factory=dict,
        description="Whether the source system records a concept at all (apology: letters of apology with a new "
        "appointment). Absent: the rules that need it are not assessable, instead of finding every late dossier. "
        "Not said: decided from the log (no such event at all means absent)",
    )
    dossier_level: list[str] | None = Field(
        default=None,
        description="Fields repeated on every row of a dossier, checked for agreement; "
        "default: the mapped ones among received_at, appointment_at, returned_at, channel, procedure_code",
    )

    @field_validator("fields", mode="before")
    @classmethod
    def _column_shorthand(cls, value):
        # `dossier_id: "Mã hồ sơ"` is short for `dossier_id: {column: "Mã hồ sơ"}`.
        if isinstance(value, dict):
            return {key: {"column": item} if isinstance(item, str) else item for key, item in value.items()}
        return value

    @field_validator("fields")
    @classmethod
    def _known_and_complete(cls, fields: dict[str, FieldSource]) -> dict[str, FieldSource]:
        unknown = sorted(set(fields) - set(CANONICAL_FIELDS))
        if unknown:
            raise ValueError(
                f"unknown canonical field(s) {', '.join(unknown)}; known: {', '.join(CANONICAL_FIELDS)}"
            )
        missing = [name for name in REQUIRED_FIELDS if name not in fields]
        if missing:
            raise ValueError(f"required field(s) not mapped: {', '.join(missing)}")
        for name, source in fields.items():
            if name in TIMESTAMP_FIELDS and source.values:
                raise ValueError(f"{name}: a timestamp field takes `formats`, not `values`")
            if name not in TIMESTAMP_FIELDS and (source.formats or source.timezone):
                raise ValueError(f"{name}: `formats`/`timezone` apply to timestamp fields only")
            if name in FIELD_VALUES:
                allowed = FIELD_VALUES[name]
                wrong = sorted({v for v in source.values.values() if v not in allowed})
                if wrong:
                    raise ValueError(f"{name}: {', '.join(wrong)} not among {', '.join(allowed)}")
                if source.constant is not None and source.constant not in allowed:
                    raise ValueError(f"{name}: constant {source.constant!r} not among {', '.join(allowed)}")
            if source.timezone is not None:
                _check_zone(source.timezone)
            for fmt in source.formats or ():
                _check_format(fmt)
        return fields

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return _check_zone(value)

    @field_validator("timestamp_formats")
    @classmethod
    def _formats(cls, value: list[str]) -> list[str]:
        for fmt in value:
            _check_format(fmt)
        return value

    @model_validator(mode="after")
    def _dossier_level_known(self):
        if self.dossier_level is not None:
            allowed = set(DOSSIER_FIELDS) | {"procedure_code"}
            wrong = [f for f in self.dossier_level if f not in allowed or f not in self.fields]
            if wrong:
                raise ValueError(
                    f"dossier_level: {', '.join(wrong)} must be mapped fields among "
                    f"{', '.join(sorted(allowed))}"
                )
        return self

    # -- derived -----------------------------------------------------------------
    def source_columns(self) -> list[str]:
        """The source columns the profile reads (each once, in field order)."""
        seen: list[str] = []
        for source in self.fields.values():
            if source.column is not None and source.column not in seen:
                seen.append(source.column)
        return seen

    def formats_for(self, field: str) -> list[str]:
        return list(self.fields[field].formats or self.timestamp_formats)

    def zone_for(self, field: str) -> str:
        return self.fields[field].timezone or self.timezone

    def unmapped_policy(self, field: str) -> str:
        source = self.fields[field]
        if source.unmapped:
            return source.unmapped
        return "reject" if field == "channel" else "keep"

    def dossier_level_fields(self) -> list[str]:
        if self.dossier_level is not None:
            return list(self.dossier_level)
        return [f for f in (*DOSSIER_FIELDS, "procedure_code") if f in self.fields]


def _check_zone(value: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {value!r}") from None
    return value


def _check_format(fmt: str) -> str:
    if fmt != ISO and "%" not in fmt:
        raise ValueError(f"timestamp format {fmt!r} has no % directive (or write 'iso')")
    return fmt
