"""The national service-quality index as a versioned document (`kind: indicator_set`).

Decision 766/QĐ-TTg (23 June 2022) scores ministries, provinces and communes every
month on the national portal. Which indicators it has, their points, thresholds
and groups are data in an indicator-set issue with effective dates, like every
other controlled document: when the government revises the index, a new issue is
written, not code. The code only implements the small catalogue of formulas an
indicator may name (`IndicatorFormula`); see docs/indicators.md.
"""

from __future__ import annotations

from enum import Enum
from typing import Literal

from pydantic import Field, model_validator

from .common import DocumentIssue, StrictModel, Text

KEY_PATTERN = r"^[a-z][a-z0-9_]*$"


class IndicatorFormula(str, Enum):
    """The formulas qms computes from a checked dossier log (docs/indicators.md)."""

    on_time_rate = "on_time_rate"  # (early + on time + open within time) / (resolved + open)
    online_dossier_rate = "online_dossier_rate"  # received online (full or partial) / received with a channel
    online_payment_rate = "online_payment_rate"  # fees paid online / dossiers with a fee
    digitised_dossier_rate = "digitised_dossier_rate"  # dossiers whose components were digitised / received
    electronic_result_rate = "electronic_result_rate"  # results issued electronically / resolved
    data_reuse_rate = "data_reuse_rate"  # dossiers reusing digitised data / received
    satisfaction_rate = "satisfaction_rate"  # 1 - (late / resolved + complaints / received)
    outside_the_log = "outside_the_log"  # needs data a dossier log does not carry (e.g. the national database)


class IndicatorGroup(StrictModel):
    key: str = Field(pattern=KEY_PATTERN)
    number: str = Field(min_length=1, max_length=20, description="The group's number in the decision")
    title: Text
    max_points: float = Field(gt=0, le=100, allow_inf_nan=False)


class Indicator(StrictModel):
    key: str = Field(pattern=KEY_PATTERN, description="Stable key: summary.json and reports use it")
    number: str = Field(min_length=1, max_length=20, description="The indicator's number in the decision")
    group: str = Field(pattern=KEY_PATTERN)
    title: Text
    formula: IndicatorFormula
    max_points: float = Field(ge=0, le=100, allow_inf_nan=False)
    threshold: float = Field(
        gt=0, le=1, allow_inf_nan=False,
        description="Full points at or above this share; below it, value × max_points ÷ threshold",
    )
    scoring: Literal["proportional_to_threshold"] = "proportional_to_threshold"
    note: Text | None = None


class Band(StrictModel):
    key: str = Field(pattern=KEY_PATTERN)
    min_score: float = Field(ge=0, le=100, allow_inf_nan=False, description="Lowest total score of the band")
    title: Text


class IndicatorSet(DocumentIssue):
    kind: Literal["indicator_set"] = "indicator_set"
    title: Text
    legal_basis: list[str] = Field(default_factory=list)
    groups: list[IndicatorGroup] = Field(min_length=1)
    indicators: list[Indicator] = Field(min_length=1)
    bands: list[Band] = Field(default_factory=list, description="Highest first; a score takes the first band it reaches")

    @model_validator(mode="after")
    def _consistent(self):
        for name, keys in (("groups", [g.key for g in self.groups]), ("indicators", [i.key for i in self.indicators]),
                           ("bands", [b.key for b in self.bands])):
            repeated = sorted({key for key in keys if keys.count(key) > 1})
            if repeated:
                raise ValueError(f"{name}: key(s) used more than once: {', '.join(repeated)}")
        groups = {g.key: g for g in self.groups}
        unknown = sorted({i.group for i in self.indicators} - set(groups))
        if unknown:
            raise ValueError(f"indicators name unknown group(s) {', '.join(unknown)}; groups are: {', '.join(groups)}")
        for group in self.groups:
            points = sum(i.max_points for i in self.indicators if i.group == group.key)
            if abs(points - group.max_points) > 1e-9:
                raise ValueError(f"group {group.key}: its indicators' points add up to {points:g}, "
                                 f"not the group's {group.max_points:g}")
        minimums = [b.min_score for b in self.bands]
        if minimums != sorted(minimums, reverse=True):
            raise ValueError("bands: list them from the highest min_score down")
        return self

    def band_for(self, score: float) -> Band | None:
        return next((band for band in self.bands if score >= band.min_score), None)
