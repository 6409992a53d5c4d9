"""What the report checks of the check output it renders: that its three files agree,
and the fingerprint of its figures (the report id's source)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import polars as pl

from ..model.check_output import CheckSummary


def figures_sha256(summary: CheckSummary) -> str:
    """Hash of every figure in the summary and of the inputs' contents: independent of when
    anything was generated and of how (or where) the log's path was typed, so the same
    inputs give the same report id on any machine."""
    payload = summary.model_dump(mode="json")
    payload["manifest"].pop("generated_at", None)
    for item in payload["manifest"]["inputs"]:
        item.pop("path", None)
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


def consistency_warnings(summary: CheckSummary, dossiers: pl.LazyFrame, findings: pl.DataFrame,
                          directory: Path, gettext) -> list[str]:
    """The three files of one check must agree; say so loudly in the report when they do not."""
    warnings = []
    counted = dict(dossiers.group_by("status").len().collect().iter_rows())
    expected = {status.value if hasattr(status, "value") else status: count
                for status, count in summary.status_counts.items()}
    if sum(counted.values()) != summary.totals.received_total or any(
            counted.get(key, 0) != count for key, count in expected.items()):
        warnings.append(gettext("dossiers.parquet does not match summary.json (dossier counts differ): {path}")
                        .format(path=directory))
    if findings.height != summary.findings.total:
        warnings.append(gettext("findings.parquet does not match summary.json (finding counts differ): {path}")
                        .format(path=directory))
    return warnings
