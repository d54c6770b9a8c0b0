r"""Heat (热度): how much attention an incident draws, from its items, with every component shown.

For the items :math:`i` known at time ``now``, with reposts :math:`r_i`, comments :math:`c_i`,
likes :math:`l_i`, source authority tier :math:`\tau_i` and author verification :math:`v_i`:

.. math::

    e_i &= w_r \ln(1 + r_i) + w_c \ln(1 + c_i) + w_l \ln(1 + l_i)
        && \text{log-damped engagement of one item} \\
    s_i &= A(\tau_i)\, V(v_i)\, (1 + e_i)
        && \text{item weight (the 1 counts the publication itself)} \\
    S &= \textstyle\sum_i s_i
        && \text{weighted engagement} \\
    \rho &= \frac{n_{1h}}{\max(n_{24h} / 24,\ f)}
        && \text{velocity} \\
    \text{heat} &= \underbrace{W_e \ln(1 + S)}_{\text{engagement}}
        + \underbrace{W_n \ln(1 + n)}_{\text{volume}}
        + \underbrace{W_s \ln(1 + m)}_{\text{breadth}}
        + \underbrace{W_v \ln(1 + \rho)}_{\text{momentum}}

where :math:`n` is the number of items, :math:`m` the number of distinct sources,
:math:`n_{1h}` and :math:`n_{24h}` the items published in :math:`(now - 1h, now]` and
:math:`(now - 24h, now]`, and :math:`f` the floor of the hourly baseline (default one item an
hour, so a single new post is not a "24-fold burst"). A time after ``now`` (a source's clock ahead
of ours) counts as ``now``. Every term is log-damped: ten thousand reposts are a lot more than ten,
not a thousand times more, and no single component can swamp the others.

Defaults (:data:`DEFAULT`), and why:

- Reposts weigh most (:math:`w_r = 1.0`, :math:`w_c = 0.6`, :math:`w_l = 0.3`): a repost carries
  the story to new readers; a comment is engagement inside one audience; a like costs nothing.
- Authority :math:`A`: ``central`` 8, ``provincial`` 4, ``local`` 2, ``commercial`` 1.5,
  ``self_media`` 1. Pickup by central media (中央媒体) is the strongest sign that a local story has
  become a national one (docs/regulations.md#grades: spread to central media can raise a grade).
- Verification :math:`V` (Weibo ``author_verified_type``): -1 ordinary 1.0; 0 personal verified
  (黄V, often large audiences) 2.0; 1 government (政务号) 2.0; 3 media (蓝V 媒体) 3.0; 2 and 7
  organisations 1.5; anything else, or no verification (news sites), 1.0.
- Components: :math:`W_e = 1`, :math:`W_n = 0.5` (item count overlaps with engagement, which
  already sums over items), :math:`W_s = 1`, :math:`W_v = 1`, floor :math:`f = 1` item/hour.

:func:`heat` computes from scratch; :class:`HeatTracker` keeps running sums and the item times of
the last 24 hours, so recomputing after each new item costs O(log n) instead of O(n).
"""

from __future__ import annotations

import bisect
import math
from array import array
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timedelta
from sys import intern
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from sentinel.errors import ConfigError
from sentinel.settings import Authority

if TYPE_CHECKING:
    from sentinel.store.models import Item

__all__ = [
    "DEFAULT",
    "HeatBreakdown",
    "HeatItem",
    "HeatTracker",
    "HeatWeights",
    "engagement",
    "heat_item",
    "heat",
    "item_weight",
    "rate_halving",
    "velocity",
]

HOUR = timedelta(hours=1)
DAY = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class HeatItem:
    """One item of an incident as heat sees it. Counts are the latest seen; times are aware."""

    item_id: int
    published_at: datetime
    source_id: str
    authority: str  # a sentinel.settings.Authority value
    reposts: int = 0
    comments: int = 0
    likes: int = 0
    author_verified_type: int | None = None  # Weibo's verified_type; None for news sites

    def __post_init__(self) -> None:
        if self.published_at.tzinfo is None or self.published_at.utcoffset() is None:
            raise ValueError(f"item {self.item_id}: published_at must be timezone-aware")
        if min(self.reposts, self.comments, self.likes) < 0:
            raise ValueError(f"item {self.item_id}: engagement counts cannot be negative")


def _frozen(mapping: Mapping[Any, float]) -> Mapping[Any, float]:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True, slots=True)
class HeatWeights:
    """The constants of the heat formula (see the module docstring for the maths and defaults)."""

    authority: Mapping[str, float] = field(
        default_factory=lambda: _frozen(
            {"central": 8.0, "provincial": 4.0, "local": 2.0, "commercial": 1.5, "self_media": 1.0}
        )
    )
    verified: Mapping[int, float] = field(
        default_factory=lambda: _frozen({-1: 1.0, 0: 2.0, 1: 2.0, 2: 1.5, 3: 3.0, 7: 1.5})
    )
    verified_default: float = 1.0
    reposts: float = 1.0
    comments: float = 0.6
    likes: float = 0.3
    engagement: float = 1.0
    items: float = 0.5
    sources: float = 1.0
    velocity: float = 1.0
    velocity_floor: float = 1.0

    def __post_init__(self) -> None:
        tiers = {tier.value for tier in Authority}
        if set(self.authority) != tiers:
            raise ValueError(f"authority weights must name exactly the tiers {sorted(tiers)}")
        numbers = [*self.authority.values(), *self.verified.values()]
        numbers += [getattr(self, f.name) for f in fields(self) if f.name not in ("authority", "verified")]
        if any(not math.isfinite(x) or x < 0 for x in numbers):
            raise ValueError("heat weights must be finite and not negative")
        if self.velocity_floor <= 0:
            raise ValueError("velocity_floor must be positive")

    @classmethod
    def from_config(cls, data: Mapping[str, Any], *, key: str = "incidents.heat") -> HeatWeights:
        """Defaults overridden by ``data``; ``authority`` and ``verified`` merge entry by entry.

        Unknown keys, unknown tiers and non-numbers raise :class:`ConfigError` naming the key.
        """
        default = cls()
        values: dict[str, Any] = {}
        for name, value in data.items():
            where = f"{key}.{name}"
            if name == "authority":
                tiers = dict(default.authority)
                for tier, weight in _mapping(value, where).items():
                    if tier not in tiers:
                        raise ConfigError(f"unknown authority tier {tier!r}", key=where)
                    tiers[tier] = _number(weight, f"{where}.{tier}")
                values[name] = _frozen(tiers)
            elif name == "verified":
                table = dict(default.verified)
                for vtype, weight in _mapping(value, where).items():
                    try:
                        table[int(vtype)] = _number(weight, f"{where}.{vtype}")
                    except ValueError:
                        raise ConfigError(f"verified type {vtype!r} is not an integer", key=where) from None
                values[name] = _frozen(table)
            elif name == "listing":
                continue  # the hot-list component's weights: sentinel.incidents.hotlist_heat
            elif name in cls.__dataclass_fields__:
                values[name] = _number(value, where)
            else:
                raise ConfigError(f"unknown key {name!r}", key=key)
        try:
            return cls(**values)
        except ValueError as exc:
            raise ConfigError(str(exc), key=key) from exc


DEFAULT = HeatWeights()


@dataclass(frozen=True, slots=True)
class HeatBreakdown:
    """Heat and how it was computed: the four components (summing to ``total``) and their inputs."""

    total: float
    engagement: float  # W_e ln(1 + S)
    volume: float  # W_n ln(1 + n)
    breadth: float  # W_s ln(1 + m)
    momentum: float  # W_v ln(1 + rho)
    weighted_engagement: float  # S
    item_count: int  # n
    source_count: int  # m
    items_last_hour: int
    items_last_day: int
    velocity: float  # rho

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


def heat_item(item: Item, tiers: Mapping[str, str]) -> HeatItem:
    """A stored item as heat sees it; ``tiers`` maps source ids to authority tiers (a source no longer
    configured counts as ``commercial``)."""
    return HeatItem(item_id=int(item.id or 0), published_at=item.published_at, source_id=item.source_id,
                    authority=tiers.get(item.source_id, Authority.COMMERCIAL.value), reposts=item.reposts or 0,
                    comments=item.comments or 0, likes=item.likes or 0, author_verified_type=item.author_verified_type)


def engagement(reposts: int, comments: int, likes: int, weights: HeatWeights = DEFAULT) -> float:
    """:math:`e_i`, the log-damped engagement of one item."""
    return (
        weights.reposts * math.log1p(reposts)
        + weights.comments * math.log1p(comments)
        + weights.likes * math.log1p(likes)
    )


def item_weight(item: HeatItem, weights: HeatWeights = DEFAULT) -> float:
    """:math:`s_i = A(tier) V(verified) (1 + e_i)`. An unknown authority tier is a ValueError."""
    try:
        authority = weights.authority[item.authority]
    except KeyError:
        raise ValueError(f"item {item.item_id}: unknown authority tier {item.authority!r}") from None
    verified = weights.verified_default
    if item.author_verified_type is not None:
        verified = weights.verified.get(item.author_verified_type, weights.verified_default)
    return authority * verified * (1.0 + engagement(item.reposts, item.comments, item.likes, weights))


@dataclass(frozen=True, slots=True)
class Halving:
    """How fast attention fell after a moment: the heat rate then, and when it was first half or less."""

    rate: float  # item weight (s_i) per hour, over the trailing window, at the moment
    halved_at: datetime | None  # None: it never fell to half within the horizon, or there was nothing to halve


def rate_halving(items: Sequence[HeatItem], at: datetime, weights: HeatWeights = DEFAULT, *,
                 window: timedelta = HOUR, step: timedelta = timedelta(minutes=5),
                 horizon: timedelta = 3 * DAY) -> Halving:
    """When the heat *rate* fell to half its value at ``at`` (for "热度减半用时" after a release).

    Heat as defined above only grows with the items an incident gathers; what a release is meant to
    calm is how fast it grows. The rate at a moment is the summed item weight :math:`s_i` of the items
    published in the trailing ``window``, per hour. It is read at ``at`` and then every ``step``; the
    first moment at which it is at most half the rate at ``at`` is the halving. A rate of zero at
    ``at`` has nothing to halve.
    """
    timed = sorted((item.published_at, item_weight(item, weights)) for item in items)
    times = [published for published, _ in timed]
    running = [0.0]
    for _, weight in timed:
        running.append(running[-1] + weight)

    def rate(moment: datetime) -> float:
        high, low = bisect.bisect_right(times, moment), bisect.bisect_right(times, moment - window)
        return (running[high] - running[low]) / (window / HOUR)

    base = rate(at)
    if base <= 0:
        return Halving(0.0, None)
    moment = at
    while moment < at + horizon:
        moment += step
        if rate(moment) <= base / 2:
            return Halving(base, moment)
    return Halving(base, None)


def velocity(times: Iterable[datetime], now: datetime, *, floor: float = DEFAULT.velocity_floor) -> float:
    """:math:`\\rho`: items in the last hour over the hourly average of the last 24 hours (floored)."""
    last_hour, last_day = _recent_counts(times, now)
    return _ratio(last_hour, last_day, floor)


def heat(items: Sequence[HeatItem], now: datetime, weights: HeatWeights = DEFAULT) -> HeatBreakdown:
    """Heat of an incident made of ``items`` at ``now``, from scratch."""
    total_weight = math.fsum(item_weight(item, weights) for item in items)
    last_hour, last_day = _recent_counts((item.published_at for item in items), now)
    return _breakdown(
        weights, total_weight, len(items), len({item.source_id for item in items}), last_hour, last_day
    )


_INDEXED = 64  # items past which a tracker keeps an id → position map (below, a scan is as quick)


class HeatTracker:
    """Heat kept up to date as items arrive or their counts change, without rescanning them.

    ``add`` a new item, or the same ``item_id`` again with fresher counts (it replaces the old
    contribution). ``breakdown(now)`` drops item times older than 24 hours before ``now``, so
    ``now`` must not go backwards between calls. Agrees with :func:`heat` up to rounding.
    """

    def __init__(self, weights: HeatWeights = DEFAULT) -> None:
        self.weights = weights
        # Per item, in arrays side by side (thousands of trackers are open, most of a few items: a
        # dict of tuples cost some 190 bytes an item, these 40): its id, weight, POSIX time, source.
        self._ids: array[int] = array("q")
        self._weights: array[float] = array("d")
        self._whens: array[float] = array("d")
        self._from: list[str] = []
        self._index: dict[int, int] | None = None  # id → position, once the tracker is large
        self._total = 0.0
        self._sources: dict[str, int] = {}  # source → items
        self._times: array[float] = array("d")  # sorted POSIX times of items not yet older than 24 h

    def add(self, item: HeatItem) -> None:
        weight = item_weight(item, self.weights)
        when = item.published_at.timestamp()
        source = intern(item.source_id)
        at = self._position(item.item_id)
        if at is None:
            if self._index is not None:
                self._index[item.item_id] = len(self._ids)
            elif len(self._ids) >= _INDEXED:
                self._index = {key: n for n, key in enumerate(self._ids)}
                self._index[item.item_id] = len(self._ids)
            self._ids.append(item.item_id)
            self._weights.append(weight)
            self._whens.append(when)
            self._from.append(source)
        else:
            old_source, old_time = self._from[at], self._whens[at]
            self._total -= self._weights[at]
            self._sources[old_source] -= 1
            if not self._sources[old_source]:
                del self._sources[old_source]
            index = bisect.bisect_left(self._times, old_time)
            if index < len(self._times) and self._times[index] == old_time:
                del self._times[index]
            self._weights[at], self._whens[at], self._from[at] = weight, when, source
        self._total += weight
        self._sources[source] = self._sources.get(source, 0) + 1
        bisect.insort(self._times, when)

    def _position(self, item_id: int) -> int | None:
        if self._index is not None:
            return self._index.get(item_id)
        try:
            return self._ids.index(item_id)
        except ValueError:
            return None

    def __len__(self) -> int:
        return len(self._ids)

    def breakdown(self, now: datetime) -> HeatBreakdown:
        stamp = now.timestamp()
        day_start = stamp - DAY.total_seconds()
        # Everything at or before the 24 h horizon will never count again (now does not go back).
        del self._times[: bisect.bisect_right(self._times, day_start)]
        # Times after now count as now (clock skew), so they fall in both windows.
        last_day = len(self._times)
        last_hour = last_day - bisect.bisect_right(self._times, stamp - HOUR.total_seconds())
        return _breakdown(
            self.weights, max(self._total, 0.0), len(self._ids), len(self._sources), last_hour, last_day
        )


def _recent_counts(times: Iterable[datetime], now: datetime) -> tuple[int, int]:
    hour_start, day_start = now - HOUR, now - DAY
    last_hour = last_day = 0
    for when in times:
        # No upper bound: a time after now (a source's clock ahead of ours) counts as now.
        if when > day_start:
            last_day += 1
            if when > hour_start:
                last_hour += 1
    return last_hour, last_day


def _ratio(last_hour: int, last_day: int, floor: float) -> float:
    return last_hour / max(last_day / 24.0, floor)


def _breakdown(
    weights: HeatWeights, total_weight: float, items: int, sources: int, last_hour: int, last_day: int
) -> HeatBreakdown:
    rho = _ratio(last_hour, last_day, weights.velocity_floor)
    parts = (
        weights.engagement * math.log1p(total_weight),
        weights.items * math.log1p(items),
        weights.sources * math.log1p(sources),
        weights.velocity * math.log1p(rho),
    )
    return HeatBreakdown(
        total=math.fsum(parts),
        engagement=parts[0],
        volume=parts[1],
        breadth=parts[2],
        momentum=parts[3],
        weighted_engagement=total_weight,
        item_count=items,
        source_count=sources,
        items_last_hour=last_hour,
        items_last_day=last_day,
        velocity=rho,
    )


def _mapping(value: Any, key: str) -> Mapping[Any, Any]:
    if not isinstance(value, Mapping):
        raise ConfigError("expected a mapping", key=key)
    return value


def _number(value: Any, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"expected a number, got {value!r}", key=key)
    return float(value)
