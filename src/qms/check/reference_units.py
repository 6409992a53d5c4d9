"""The reference checker's twin of `units.py`: which units handled one dossier and
which of them made it late, walked step event by step event."""

from __future__ import annotations

from itertools import pairwise

from .common import limit_seconds
from .units import LATE_STATUSES


def dossier_units(facts) -> tuple[list[str], list[str]]:
    """(units, late_units) of one dossier (`reference_facts.DossierFacts`)."""
    desk = [facts.unit] if facts.unit is not None else []
    if facts.procedure is None:
        return desk, []
    timed = [(i, e) for i, e in enumerate(facts.events) if e.step in facts.steps]
    handled_by = {i: e.unit if e.unit is not None else facts.steps[e.step][1].unit for i, e in timed}
    units = sorted({u for u in handled_by.values() if u is not None}) or desk
    if facts.status not in LATE_STATUSES:
        return units, []
    overran = set()
    if facts.start is not None:
        for (before, _), (position, e) in pairwise(timed):
            step = facts.steps[e.step][1]
            if step.allotted is None or handled_by[position] is None:
                continue
            allotted = limit_seconds(step.allotted.amount, step.allotted.unit.value, facts.hours)
            if facts.clock_at[position] - facts.clock_at[before] > allotted:
                overran.add(handled_by[position])
    if overran:
        return units, sorted(overran)
    last = next((handled_by[i] for i, _ in reversed(timed) if handled_by[i] is not None), facts.unit)
    return units, [last] if last is not None else []
