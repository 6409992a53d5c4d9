"""Synthetic dossier logs with known defects, for testing and benchmarking the
check engine (`qms generate`). The engine never imports this package.

The semantics the truth assumes are in docs/generate.md.
"""

from .generator import DEFAULT_FROM, DEFAULT_TO, GeneratedLog, generate_log
from .output import FORMATS, read_truth, truth_meta_path, write_events, write_truth

__all__ = [
    "DEFAULT_FROM", "DEFAULT_TO", "FORMATS", "GeneratedLog", "generate_log", "read_truth", "truth_meta_path",
    "write_events", "write_truth",
]


def generate(
    dossiers: int,
    seed: int,
    out,
    *,
    format: str | None = None,
    truth=None,
    period_from=None,
    period_to=None,
    docs=None,
    defect_rate: float | None = None,
    progress=None,
    partitions: int | None = None,
) -> dict:
    """`qms generate` as a function: generate, write the log (and the truth with its
    sidecar), return a summary (the sidecar's content plus the paths). With
    `partitions`, `out` is a folder that receives a partitioned Parquet dataset."""
    import tempfile
    from pathlib import Path

    from ..core.hashing import file_sha256
    from ..library import load_library
    from .generator import DEFAULT_DEFECT_RATE
    from .output import check_writable, format_of

    out = Path(out)
    fmt = "parquet" if partitions else format_of(out, format)
    if partitions:
        from ..ingest.partition import check_dataset_target

        check_dataset_target(out, partitions)
    if truth is not None and Path(truth).suffix.lower() not in (".csv", ".parquet", ".pq"):
        from ..core.errors import QmsError
        from ..core.i18n import _

        raise QmsError(_("{path}: the truth file must end in .csv or .parquet").format(path=truth))
    library = load_library(docs)
    out.parent.mkdir(parents=True, exist_ok=True)
    # The events wait on disk beside the output between generation and writing, so
    # that memory holds the per-dossier arrays and one chunk, not the whole log.
    with tempfile.TemporaryDirectory(prefix=".qms-generate-", dir=out.parent) as spill:
        generated = generate_log(library, dossiers, seed, period_from, period_to,
                                 DEFAULT_DEFECT_RATE if defect_rate is None else defect_rate, progress=progress,
                                 spill=Path(spill))
        check_writable(generated.columns.height, fmt)
        meta = dict(generated.meta)
        if partitions:
            from .output import write_event_dataset

            parts = write_event_dataset(generated.columns, out, partitions)
            meta["log"] = {"path": out.name, "format": "parquet-dataset", "partitions": parts}
        else:
            from .output import write_event_columns

            write_event_columns(generated.columns, out, fmt)
            meta["log"] = {"path": out.name, "format": fmt, "sha256": file_sha256(out)}
    summary = dict(meta, log_path=str(out), truth_rows=generated.truth.height)
    if truth is not None:
        meta_path = write_truth(generated.truth, meta, Path(truth))
        summary.update(truth_path=str(truth), truth_meta_path=str(meta_path))
    return summary
