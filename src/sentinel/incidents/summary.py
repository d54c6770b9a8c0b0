"""What to show about an incident: its keywords, places and rules, and the item that titles it.

:class:`IncidentSummary` is what :meth:`sentinel.incidents.cluster.Clusterer.summary` returns.
:func:`representative` picks the title among the incident's items: the one whose keywords are
closest to the incident's centroid, weighted by how authoritative its source is, so that a
central-media headline (央媒通稿) is preferred to a repost that happens to say the same thing.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

__all__ = ["IncidentSummary", "TitleCandidate", "cosine", "representative"]


@dataclass(frozen=True, slots=True)
class IncidentSummary:
    """An open incident at a glance: keywords by centroid weight (unit length), places and rules."""

    key: int
    item_count: int
    source_count: int
    first_at: datetime
    last_at: datetime
    top_keywords: tuple[tuple[str, float], ...]
    regions: tuple[str, ...]  # most often named first
    rule_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TitleCandidate:
    """An item offered as the incident's title; ``authority`` > 0, higher for more authoritative sources.

    ``authority`` is the caller's choice; the heat weights of the source tiers
    (:data:`sentinel.incidents.heat.DEFAULT`) are a reasonable one.
    """

    item_id: int
    title: str
    keywords: Mapping[str, float]
    published_at: datetime
    authority: float = 1.0


def representative(candidates: Iterable[TitleCandidate], centroid: Mapping[str, float]) -> TitleCandidate | None:
    """The candidate to title an incident with: highest ``cosine(keywords, centroid) * authority``.

    Candidates with a blank title are skipped (Weibo posts have none); None if none is left. Ties
    go to the earliest published, then the lowest item id, so the title does not flicker.
    """
    best: tuple[float, datetime, int] | None = None
    chosen: TitleCandidate | None = None
    for candidate in candidates:
        if not candidate.title.strip():
            continue
        rank = (-cosine(candidate.keywords, centroid) * candidate.authority, candidate.published_at, candidate.item_id)
        if best is None or rank < best:
            best, chosen = rank, candidate
    return chosen


def cosine(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    """Cosine similarity of two sparse vectors; 0.0 when either is empty."""
    if len(a) > len(b):
        a, b = b, a
    dot = sum(weight * b.get(term, 0.0) for term, weight in a.items())
    norms = math.sqrt(sum(w * w for w in a.values())) * math.sqrt(sum(w * w for w in b.values()))
    return dot / norms if norms else 0.0
