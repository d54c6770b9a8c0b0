"""The ``reports:`` configuration section: the score's weights, the before/after window, the
daily briefing's archive.

Kept in the reports package (like the policy in ``escalation``) so that the indicator system and
its defaults are documented in one place, next to the code that uses them.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from pydantic import Field, model_validator

from sentinel.configtypes import Duration, Strict

__all__ = ["ReportFormat", "ReportsConfig", "ScoreWeights"]

ReportFormat = Literal["html", "md", "pdf", "json"]
_ARCHIVED: tuple[ReportFormat, ...] = ("html", "pdf", "json")


class ScoreWeights(Strict):
    """Weights of the four indicators (see :mod:`sentinel.reports.scoring`); they need not sum to 1."""

    timeliness: float = Field(default=0.4, ge=0)  # 及时性: each deadline met, or how late
    sustained_release: float = Field(default=0.2, ge=0)  # 持续发布: follow-up releases on time
    sentiment_change: float = Field(default=0.2, ge=0)  # 情绪变化: negative share before vs after
    spread_containment: float = Field(default=0.2, ge=0)  # 传播控制: volume before vs after

    @model_validator(mode="after")
    def _some_weight(self) -> ScoreWeights:
        if not any(self.as_dict().values()):
            raise ValueError("at least one weight must be above 0")
        return self

    def as_dict(self) -> dict[str, float]:
        return {"timeliness": self.timeliness, "sustained_release": self.sustained_release,
                "sentiment_change": self.sentiment_change, "spread_containment": self.spread_containment}


class ReportsConfig(Strict):
    weights: ScoreWeights = Field(default_factory=ScoreWeights)
    # before and after the authoritative release, windows this long (shortened to the time between
    # emergence and the release when that is less, so the two stay comparable)
    effect_window: Duration = timedelta(hours=6)
    # where the daily briefing (舆情日报) is archived, one set of files per day; null: not archived
    archive_dir: str | None = "var/reports"
    archive_formats: list[ReportFormat] = Field(default_factory=lambda: list(_ARCHIVED))

    @model_validator(mode="after")
    def _window(self) -> ReportsConfig:
        if self.effect_window <= timedelta(0):
            raise ValueError("reports.effect_window must be positive")
        return self
