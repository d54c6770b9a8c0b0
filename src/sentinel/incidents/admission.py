"""Which watched items open incidents (舆情事件), and which wait for a second report.

The event-report model (:mod:`sentinel.analyse.event_report`) gives each watched item P(report):
the probability that it reports an event or a complaint rather than chatter. The incidents stage
sorts items into three tiers by it (``incidents.reports`` in the configuration):

- **report** (P ≥ ``open``; ``open_post`` for posts — Weibo and self-media sources, the register of
  :func:`sentinel.analyse.sentiment.register_of_source` —, whose register makes a joke read like
  news more often): the item opens an incident on its own, or joins the story it
  continues;
- **candidate** (``candidate`` ≤ P below that): the item joins a story it continues; otherwise it
  is held as a *pending story*, and the incident opens when a second report or candidate continues
  it — from the first item, so the clocks still run from the earliest publication. Chatter is
  rarely repeated; an event is reported again within hours. A weak post does not confirm another
  weak post (on a topic everyone talks about, posts echo each other): a report, or a weak item
  from a news source, does;
- **chatter** (below ``candidate``): the item may join an open story (reactions are part of its
  heat) but opens nothing, confirms no pending story, and lends no facts to a grade.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sentinel.settings import ReportThresholds

__all__ = ["Admission", "Tier"]


class Tier(StrEnum):
    REPORT = "report"
    CANDIDATE = "candidate"
    CHATTER = "chatter"


@dataclass(frozen=True, slots=True)
class Admission:
    candidate: float
    open: float
    open_post: float

    @classmethod
    def from_config(cls, config: ReportThresholds, *, model_threshold: float) -> Admission:
        candidate = model_threshold if config.candidate is None else config.candidate
        return cls(candidate, max(config.open, candidate), max(config.open_post, candidate))

    def tier(self, score: float, *, post: bool) -> Tier:
        if score >= (self.open_post if post else self.open):
            return Tier.REPORT
        if score >= self.candidate:
            return Tier.CANDIDATE
        return Tier.CHATTER

