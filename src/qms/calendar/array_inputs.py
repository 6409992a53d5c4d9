"""Turning what callers pass to the array methods into int64 UTC microseconds, and back.

Instants: numpy datetime64 (any unit; naive = UTC), polars Datetime series (any
zone; naive = UTC) or a list of aware datetimes. NaT is int64's smallest value
throughout, as in numpy.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from ..core.errors import QmsError
from ..core.i18n import _
from .day_plans import to_us

NAT = np.iinfo(np.int64).min


def as_instants(values) -> np.ndarray:
    """UTC instants as int64 microseconds (NaT = int64 min) from numpy datetime64,
    a polars Datetime series (any zone; naive = UTC), or a list of aware datetimes."""
    try:
        import polars as pl

        if isinstance(values, pl.Series):
            if not isinstance(values.dtype, pl.Datetime):
                raise QmsError(_("expected a Datetime column, got {dtype}").format(dtype=values.dtype))
            if values.dtype.time_zone is not None:
                values = values.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
            values = values.dt.cast_time_unit("us").to_numpy()
    except ImportError:  # pragma: no cover - polars is a dependency
        pass
    array = np.asarray(values)
    if array.dtype == object:
        array = np.array(
            [np.datetime64("NaT") if item is None else np.datetime64(to_us(_aware_utc(item)), "us") for item in array],
            dtype="datetime64[us]",
        )
    if not np.issubdtype(array.dtype, np.datetime64):
        raise QmsError(_("expected datetime64 instants, got {dtype}").format(dtype=array.dtype))
    return np.ascontiguousarray(array.astype("datetime64[us]")).view(np.int64).reshape(-1)


def cutoff_array(cutoff, size: int) -> np.ndarray:
    """Per-row cut-offs as wall-clock microseconds after midnight; no cut-off = never late."""
    import polars as pl

    never = np.iinfo(np.int64).max
    if isinstance(cutoff, pl.Series):
        if cutoff.dtype == pl.Time:
            cutoff = cutoff.cast(pl.Int64) // 1000  # nanoseconds after midnight
            values = cutoff.fill_null(never).to_numpy().astype(np.int64)
        else:
            values = cutoff.cast(pl.Duration("us")).to_numpy().astype("timedelta64[us]").view(np.int64)
    else:
        array = np.asarray(cutoff)
        if array.dtype == object:
            values = np.array([never if item is None else
                               (item.hour * 3600 + item.minute * 60 + item.second) * 1_000_000 + item.microsecond
                               for item in array], dtype=np.int64)
        elif np.issubdtype(array.dtype, np.timedelta64):
            values = array.astype("timedelta64[us]").view(np.int64)
        else:
            raise QmsError(_("cut-offs must be times of day (timedelta64 since midnight or datetime.time)"))
    values = np.where(values == NAT, never, values)
    if len(values) != size:
        raise QmsError(_("cut-off has {got} values for {expected} instants").format(got=len(values), expected=size))
    return values


def _aware_utc(item: dt.datetime) -> dt.datetime:
    if item.tzinfo is None:
        raise QmsError(_("a list of datetimes for an array operation must be timezone-aware"))
    return item


def valid_span(values: np.ndarray) -> tuple[int, int] | None:
    """(min, max) of the non-NaT values, or None."""
    if not values.size:
        return None
    low = int(values.min())
    if low != NAT:
        return low, int(values.max())
    valid = values[values != NAT]
    return (int(valid.min()), int(valid.max())) if valid.size else None


def as_datetimes(values: np.ndarray) -> np.ndarray:
    return values.astype(np.int64).view("datetime64[us]")
