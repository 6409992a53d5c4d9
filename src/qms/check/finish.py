"""What finishes each dossier, by the `finish:` setting of its procedure issue, over
the runs of events in numpy (no per-dossier Python).

* `default`: the first event of the lowest finish rank (processed, a result, a stop
  or refusal, a withdrawal), as `facts.step_sums` finds it;
* `last_event`: the dossier's last event (as the log stands at as-of), unless the
  default would find only a withdrawal, which leaves it not assessable;
* `{step, occurrence}`: the first or last event of that step; a dossier without
  one is finished by its first stop or refusal, not assessable when withdrawn,
  and open otherwise.

The reference checker's `reference_facts._finish` says the same per dossier.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from .common import FINISH_LAST_EVENT, FINISH_STEP, RANK_STOPPED_OR_REFUSED

NO_RANK = 9  # `step_sums`' rank code of an event that finishes nothing


def finish_by_setting(ev: pl.DataFrame, dossiers: pl.DataFrame, finish_at: np.ndarray, rank_code: np.ndarray,
                      finished: np.ndarray, step_names: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(finishing event per finished dossier, its finish rank, which dossiers are
    finished) from the default's (`step_sums`: `finish_at`, every event's
    `rank_code`, `finished`) and each dossier's `finish_mode`, `finish_step` and
    `finish_last` (its issue's setting; null where no issue is in force)."""
    mode = dossiers["finish_mode"].fill_null("default")
    if (mode == "default").all():
        return finish_at, rank_code[finish_at].astype(np.int64), finished
    starts = np.flatnonzero(ev["first"].to_numpy())
    lengths = np.diff(np.append(starts, ev.height))
    dossier_of = ev["did"].to_numpy()
    at = np.full(dossiers.height, -1, dtype=np.int64)
    at[finished] = finish_at
    rank = np.full(dossiers.height, NO_RANK, dtype=np.int64)
    rank[finished] = rank_code[finish_at]

    by_last_event = (mode == "last_event").to_numpy() & (rank != 4)
    at[by_last_event] = (starts + lengths - 1)[by_last_event]
    rank[by_last_event] = FINISH_LAST_EVENT

    by_step = (mode == "step").to_numpy()
    if by_step.any():
        codes = {name: code for code, name in enumerate(step_names)}
        target = dossiers["finish_step"].replace_strict(codes, default=-2, return_dtype=pl.Int64).fill_null(-2)
        match = ev["sc"].to_numpy() == np.repeat(target.to_numpy(), lengths)
        first_match, last_match = first_and_last(np.flatnonzero(match), dossier_of, dossiers.height)
        found = by_step & (first_match >= 0)
        chosen = np.where(dossiers["finish_last"].fill_null(False).to_numpy(), last_match, first_match)
        at[found] = chosen[found]
        rank[found] = FINISH_STEP
        # without the step, a processed dossier or a result does not finish it: only
        # a stop or refusal does (a withdrawal leaves it not assessable)
        lacking = by_step & ~found & (rank < RANK_STOPPED_OR_REFUSED)
        if lacking.any():
            ending = np.where(rank_code >= RANK_STOPPED_OR_REFUSED, rank_code, NO_RANK)
            end_at, end_rank = first_of_lowest(ending, starts, lengths, dossier_of)
            at[lacking], rank[lacking] = end_at[lacking], end_rank[lacking]
    finished = rank != NO_RANK
    return at[finished], rank[finished], finished


def first_and_last(positions: np.ndarray, dossier_of: np.ndarray, dossiers: int) -> tuple[np.ndarray, np.ndarray]:
    """Per dossier: the first and the last of the event `positions` (ascending) that
    are its events (`dossier_of`: each event's dossier), -1 where none is. Works on the
    positions alone: the events sought are fewer than all events."""
    first, last = np.full(dossiers, -1, np.int64), np.full(dossiers, -1, np.int64)
    if not len(positions):
        return first, last
    owner = dossier_of[positions]
    changes = owner[1:] != owner[:-1]
    opens, closes = np.append(True, changes), np.append(changes, True)
    first[owner[opens]] = positions[opens]
    last[owner[closes]] = positions[closes]
    return first, last


def first_of_lowest(codes: np.ndarray, starts: np.ndarray, lengths: np.ndarray, dossier_of: np.ndarray,
                    lowest: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Per run of events: the position of its first event of the lowest code (the
    runs' `lowest`, computed if not given), and that code (-1 and NO_RANK where every
    code is NO_RANK)."""
    if lowest is None:
        lowest = np.minimum.reduceat(codes, starts)
    candidates = np.flatnonzero((codes == np.repeat(lowest, lengths)) & (codes != NO_RANK))
    first, _last = first_and_last(candidates, dossier_of, len(starts))
    return first, lowest.astype(np.int64)
