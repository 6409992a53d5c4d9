"""The generated events, kept batch by batch until they are written.

A batch of dossiers sharing a layout spans the whole period, so the log's order (by
receipt, then dossier, then time) mixes every batch. Instead of concatenating and
sorting all events at once (about 25 GB at 90 million events), each batch's events
are sorted by (dossier rank in log order, time) and appended as one segment, in
memory or, for large logs, to one file per column on disk. A slice of the log is
then read back by dossier rank from every segment and sorted alone: memory holds
one slice, not the log. Ties keep the batches' order, so the result is the one
global stable sort would give.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

# Per event: its dossier's rank in log order, then what a batch makes (indexes into
# the tables of names, instants in µs). Narrow types: the disk and the slices hold
# 44 bytes per event.
COLUMNS = {
    "rank": np.int64,
    "step": np.int32,
    "unit": np.int32,
    "officer": np.int32,
    "at_us": np.int64,
    "step_due_us": np.int64,
    "new_appointment_us": np.int64,
}


class EventSegments:
    """Append-only segments of events, each sorted by (rank, at_us); `spill` is a
    folder for one file per column (None: kept in memory)."""

    def __init__(self, dossiers: int, spill: Path | None = None):
        self.spill = Path(spill) if spill is not None else None
        self.bounds = [0]  # event offsets of the segments
        self.per_rank = np.zeros(dossiers, dtype=np.int64)  # events of each dossier, by rank
        self._memory: dict[str, list[np.ndarray]] = {name: [] for name in COLUMNS}
        self._handles = {}
        if self.spill is not None:
            self.spill.mkdir(parents=True, exist_ok=True)
            self._handles = {name: (self.spill / f"{name}.bin").open("wb") for name in COLUMNS}

    @property
    def height(self) -> int:
        return self.bounds[-1]

    def append(self, rank: np.ndarray, **columns: np.ndarray) -> None:
        """One batch's events (any order): sorted here by (rank, at_us), stably."""
        order = np.lexsort((columns["at_us"], rank))
        values = {"rank": rank, **columns}
        size = int(rank.size)
        for name, dtype in COLUMNS.items():
            ordered = np.ascontiguousarray(values[name][order], dtype=dtype)
            if self._handles:
                ordered.tofile(self._handles[name])
            else:
                self._memory[name].append(ordered)
        if size:
            sorted_rank = rank[order]
            starts = np.flatnonzero(np.r_[True, sorted_rank[1:] != sorted_rank[:-1]])
            self.per_rank[sorted_rank[starts]] += np.diff(np.r_[starts, size])
        self.bounds.append(self.bounds[-1] + size)

    def close(self) -> None:
        """No more segments: the files are complete."""
        for handle in self._handles.values():
            handle.close()
        self._handles = {}

    def read(self, first_rank: int, last_rank: int) -> dict[str, np.ndarray]:
        """The events of the dossiers ranked `first_rank`..`last_rank` (inclusive), in
        log order."""
        columns = {name: self._segments(name) for name in COLUMNS}
        picked: dict[str, list[np.ndarray]] = {name: [] for name in COLUMNS}
        for index, rank in enumerate(columns["rank"]):
            low = int(np.searchsorted(rank, first_rank, side="left"))
            high = int(np.searchsorted(rank, last_rank, side="right"))
            if high > low:
                for name in COLUMNS:
                    picked[name].append(np.array(columns[name][index][low:high]))
        del columns  # the files' maps: only the copies are kept
        if not picked["rank"]:
            return {name: np.empty(0, dtype=dtype) for name, dtype in COLUMNS.items()}
        merged = {name: np.concatenate(parts) for name, parts in picked.items()}
        order = np.lexsort((merged["at_us"], merged["rank"]))
        return {name: values[order] for name, values in merged.items()}

    def _segments(self, name: str) -> list[np.ndarray]:
        if self.spill is None:
            return self._memory[name]
        if self.height == 0:
            return []
        mapped = np.memmap(self.spill / f"{name}.bin", dtype=COLUMNS[name], mode="r", shape=(self.height,))
        return [mapped[start:stop] for start, stop in zip(self.bounds[:-1], self.bounds[1:])]
