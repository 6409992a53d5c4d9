"""Dossier-level data-quality findings over accepted canonical events.

Each finding is one row (kind, dossier_id, field, events, detail). They are
reported, never used to drop or "fix" events: the check engine sees the log as it
came, and the report says what looked wrong with it.
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from .schema import QUALITY_KINDS

FINDING_SCHEMA = {
    "kind": pl.String,
    "dossier_id": pl.String,
    "field": pl.String,
    "events": pl.Int64,
    "detail": pl.String,
}
EVENT_IDENTITY = ("dossier_id", "procedure_code", "step", "unit", "officer", "at")


def empty_findings() -> pl.DataFrame:
    return pl.DataFrame(schema=FINDING_SCHEMA)


def events_before_receipt(events: pl.LazyFrame, columns: list[str]) -> pl.LazyFrame | None:
    """Events stamped before the dossier's receipt (received_at, or else its first
    `received` event)."""
    if "received_at" in columns:
        receipt = events.group_by("dossier_id").agg(pl.col("received_at").min().alias("__receipt"))
    else:
        receipt = (
            events.filter(pl.col("step") == "received")
            .group_by("dossier_id").agg(pl.col("at").min().alias("__receipt"))
        )
    return (
        events.select("dossier_id", "at")
        .join(receipt, on="dossier_id", how="inner")
        .filter(pl.col("at") < pl.col("__receipt"))
        .group_by("dossier_id")
        .agg(pl.len().cast(pl.Int64).alias("events"), pl.col("at").min().alias("__first"), pl.col("__receipt").first())
        .select(
            pl.lit("event_before_receipt").alias("kind"),
            "dossier_id",
            pl.lit("at").alias("field"),
            "events",
            pl.format("earliest event {} before receipt {}", pl.col("__first"), pl.col("__receipt")).alias("detail"),
        )
    )


def duplicate_events(events: pl.LazyFrame, columns: list[str]) -> pl.LazyFrame:
    """Rows identical in every canonical event field; `events` counts the extra copies.

    A 64-bit hash of each event finds the few candidate groups cheaply (the hash
    table holds integers, not every event's text); the exact comparison then runs
    on the candidates only, so a hash collision cannot make a false finding."""
    key = [c for c in EVENT_IDENTITY if c in columns]
    fingerprint = pl.struct(key).hash(seed=1849).alias("__hash")
    candidates = (
        events.select(fingerprint).group_by("__hash").len().filter(pl.col("len") > 1).select("__hash")
    )
    return (
        events.with_columns(fingerprint)
        .join(candidates, on="__hash", how="semi")
        .group_by(key)
        .agg(pl.len().alias("__copies"))
        .filter(pl.col("__copies") > 1)
        .group_by("dossier_id")
        .agg((pl.col("__copies") - 1).sum().cast(pl.Int64).alias("events"), pl.col("step").first(), pl.col("at").first())
        .select(
            pl.lit("duplicate_event").alias("kind"),
            "dossier_id",
            pl.lit(None, dtype=pl.String).alias("field"),
            "events",
            pl.format("e.g. step {} at {}", pl.col("step"), pl.col("at")).alias("detail"),
        )
    )


def conflicting_dossier_fields(events: pl.LazyFrame, fields: Iterable[str]) -> pl.LazyFrame | None:
    """Dossier-level fields that take more than one (non-empty) value within a dossier."""
    parts = []
    for name in fields:
        parts.append(
            events.select("dossier_id", name)
            .drop_nulls()
            .unique()
            .group_by("dossier_id")
            .agg(pl.len().cast(pl.Int64).alias("__values"))
            .filter(pl.col("__values") > 1)
            .join(events.group_by("dossier_id").agg(pl.len().cast(pl.Int64).alias("events")), on="dossier_id", how="left")
            .select(
                pl.lit("conflicting_dossier_fields").alias("kind"),
                "dossier_id",
                pl.lit(name).alias("field"),
                "events",
                pl.format("{} different values", pl.col("__values")).alias("detail"),
            )
        )
    return pl.concat(parts) if parts else None


def unknown_procedure_codes(events: pl.LazyFrame, known: Iterable[str]) -> pl.LazyFrame:
    return (
        events.filter(~pl.col("procedure_code").is_in(sorted(set(known))))
        .group_by("dossier_id", "procedure_code")
        .agg(pl.len().cast(pl.Int64).alias("events"))
        .select(
            pl.lit("unknown_procedure_code").alias("kind"),
            "dossier_id",
            pl.lit("procedure_code").alias("field"),
            "events",
            pl.col("procedure_code").alias("detail"),
        )
    )


def quality_findings(
    events: pl.LazyFrame,
    dossier_fields: Iterable[str] = (),
    known_procedure_codes: Iterable[str] | None = None,
) -> pl.DataFrame:
    """All findings, sorted by kind then dossier."""
    columns = events.collect_schema().names()
    parts = [events_before_receipt(events, columns), duplicate_events(events, columns)]
    parts.append(conflicting_dossier_fields(events, [f for f in dossier_fields if f in columns]))
    if known_procedure_codes is not None:
        parts.append(unknown_procedure_codes(events, known_procedure_codes))
    frames = [p.select(list(FINDING_SCHEMA)).cast(FINDING_SCHEMA) for p in parts if p is not None]
    if not frames:
        return empty_findings()
    found = pl.concat(pl.collect_all(frames, engine="streaming"))
    order = {kind: i for i, kind in enumerate(QUALITY_KINDS)}
    return found.sort(pl.col("kind").replace_strict(order, return_dtype=pl.Int32), "dossier_id", "field", nulls_last=True)


def count_by_kind(findings: pl.DataFrame) -> dict[str, int]:
    counts = dict(findings.group_by("kind").len().iter_rows())
    return {kind: int(counts.get(kind, 0)) for kind in QUALITY_KINDS}
