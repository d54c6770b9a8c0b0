r"""Heat from hot lists (上榜热度): the fifth component of an incident's heat (:mod:`.heat`).

For each list :math:`p` an incident has been on (through any of its entries), with best rank
:math:`r_p`, the platform's heat share :math:`v_p`, and hours on the list :math:`t_p`:

.. math::

    q_p &= \frac{N + 1 - \min(r_p, N)}{N}
        && \text{rank score: 1 at rank 1, } 1/N \text{ at rank } N \\
    v_p &= \max_{\text{sightings}} \frac{H}{H + \tilde H}
        && \text{heat share: the entry's heat } H \text{ against the list's median } \tilde H \text{ then} \\
    L &= \sum_p w_p\,(q_p + v_p)\,\bigl(1 + \ln(1 + t_p)\bigr) \\
    \text{listing} &= W_h \ln(1 + L)

:math:`v_p` is 0.5 for an entry as hot as the list's median entry and tends to 1 for one far above
it; where a platform gives no heat values (some newsnow lists) :math:`v_p = q_p`, so the rank alone
stands for both. Several entries of one incident on one list count once, with their best rank,
highest share and longest time. The time factor is 1 when a topic is first seen on a list, about
1.7 after an hour, 2.6 after four and 4.2 after a day: staying on a list matters, and keeps
mattering, but less and less.

This is TrendRadar's idea — rank, how often, how hot — with the platforms' own heat values in
place of its rank-only "hotness" (the share of appearances above a rank threshold), and measured
against the list it was on, since Weibo's, Baidu's and Douyin's heat numbers are not on one scale.

Defaults (:class:`ListingWeights`, overridable as ``incidents.heat.listing``): :math:`W_h = 2`,
:math:`N = 50` (Weibo's and Baidu's lists are about 50 long), :math:`w_p = 1` for the national lists
of the response policy (``policy.hotlist.national``) and 0.5 for any other list. With these, one
Weibo entry at rank 7, twice the median heat, for an hour adds :math:`2\ln(1 + 1.55 \times 1.69)
\approx 2.6` to heat; rank 5 on three lists at 0.7 shares for four hours adds about 5.2. The intensity
steps (``incidents.intensity``, IV at heat 6, III at 10, II at 14) read the sum.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sentinel.errors import ConfigError

__all__ = ["ListStanding", "ListingWeights", "listing_heat", "list_term"]


@dataclass(frozen=True, slots=True)
class ListingWeights:
    weight: float = 2.0  # W_h
    depth: int = 50  # N
    other_lists: float = 0.5  # w_p of a list that is not national

    @classmethod
    def from_config(cls, data: Mapping[str, Any] | None, *, key: str = "incidents.heat.listing") -> ListingWeights:
        values: dict[str, Any] = {}
        for name, value in (data or {}).items():
            if name not in cls.__dataclass_fields__:
                raise ConfigError(f"unknown key {name!r}", key=key)
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
                raise ConfigError(f"expected a number that is not negative, got {value!r}", key=f"{key}.{name}")
            values[name] = int(value) if name == "depth" else float(value)
        if values.get("depth", 50) < 1:
            raise ConfigError("depth must be at least 1", key=f"{key}.depth")
        return cls(**values)


@dataclass(frozen=True, slots=True)
class ListStanding:
    """How an incident stood on one list: best rank, heat share (None without heat values), hours."""

    list_name: str
    best_rank: int
    heat_share: float | None
    hours: float


def list_term(standing: ListStanding, *, national: bool, weights: ListingWeights = ListingWeights()) -> float:
    """:math:`w_p (q_p + v_p)(1 + \\ln(1 + t_p))` for one list."""
    depth = weights.depth
    rank_score = (depth + 1 - min(max(standing.best_rank, 1), depth)) / depth
    share = standing.heat_share if standing.heat_share is not None else rank_score
    list_weight = 1.0 if national else weights.other_lists
    return list_weight * (rank_score + share) * (1 + math.log1p(max(standing.hours, 0.0)))


def listing_heat(standings: Iterable[ListStanding], national: Iterable[str],
                 weights: ListingWeights = ListingWeights()) -> tuple[float, dict[str, float]]:
    """The listing component and each list's term :math:`w_p(\\dots)` (0 and {} for no list)."""
    nationals = set(national)
    terms = {s.list_name: list_term(s, national=s.list_name in nationals, weights=weights) for s in standings}
    return weights.weight * math.log1p(math.fsum(terms.values())), terms
