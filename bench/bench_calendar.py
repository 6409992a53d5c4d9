"""Benchmark of the vectorised calendar: 10 million timestamps.

Run by hand:  PYTHONPATH=src python bench/bench_calendar.py [N]
Prints wall times of appointment dates (counting start + N working days) and of
elapsed working minutes (with one pause column), and the peak RSS.
"""

from __future__ import annotations

import datetime as dt
import os
import resource
import sys
import time

import numpy as np

from qms.calendar import WorkCalendar


def main(count: int) -> None:
    calendar = WorkCalendar.sample()
    rng = np.random.default_rng(20250124)
    low = np.datetime64("2024-01-01T00:00", "us").astype(np.int64)
    high = np.datetime64("2026-12-31T00:00", "us").astype(np.int64)
    received = rng.integers(low, high, count).view("datetime64[us]")
    finished = (received.astype(np.int64) + rng.integers(0, 30 * 86_400_000_000, count)).view("datetime64[us]")
    pause_start = (received.astype(np.int64) + rng.integers(0, 10 * 86_400_000_000, count)).view("datetime64[us]")
    pause_end = (pause_start.astype(np.int64) + rng.integers(0, 5 * 86_400_000_000, count)).view("datetime64[us]")
    limits = rng.choice(np.array([1, 3, 5, 7, 10, 15, 20], dtype=np.float64), count)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{count:,} timestamps, years 2024–2026, load average {load:.2f}, {os.cpu_count()} CPUs")

    calendar.add_array(received[:1000], 1, "working_days")  # build the day tables once

    def timed(label, action):
        began, began_cpu = time.perf_counter(), time.process_time()
        result = action()
        wall, cpu = time.perf_counter() - began, time.process_time() - began_cpu
        print(f"{label:<56} wall {wall:5.2f} s   cpu {cpu:5.2f} s")
        return result

    def appointments():
        start = calendar.counting_start_array(received)
        return calendar.add_array(start, limits, "working_days")

    timed("appointment = counting start + limit (working days)", appointments)
    timed("counting start with a 15:00 cut-off", lambda: calendar.counting_start_array(received, cutoff=dt.time(15)))
    timed("add 16 working hours", lambda: calendar.add_array(received, 16, "working_hours"))
    timed("elapsed working minutes", lambda: calendar.working_minutes_between_array(received, finished))
    timed(
        "elapsed working minutes less one pause",
        lambda: calendar.working_minutes_between_array(received, finished, pauses=[(pause_start, pause_end)]),
    )
    timed("is working time", lambda: calendar.is_working_time_array(received))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:,.0f} MiB")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000)
