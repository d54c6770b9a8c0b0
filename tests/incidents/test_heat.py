"""Heat: the formula pinned with hand-computed values, its monotonicity, and the running tracker.

Logs used below: ln 2 = 0.693147, ln 3 = 1.098612, ln 4 = 1.386294, ln 10 = 2.302585,
ln 100 = 4.605170, ln 1000 = 6.907755.
"""

from __future__ import annotations

import math
import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sentinel.errors import ConfigError
from sentinel.incidents.heat import (
    DEFAULT,
    HeatItem,
    HeatTracker,
    HeatWeights,
    engagement,
    heat,
    item_weight,
    rate_halving,
    velocity,
)

NOW = datetime(2024, 5, 7, 12, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)


def post(
    item_id: int = 1,
    *,
    authority: str = "self_media",
    at: datetime = NOW,
    source: str = "wb1",
    reposts: int = 0,
    comments: int = 0,
    likes: int = 0,
    verified: int | None = None,
) -> HeatItem:
    return HeatItem(item_id, at, source, authority, reposts, comments, likes, verified)


# e for 99 reposts, 9 comments, 999 likes: 4.605170 + 0.6 × 2.302585 + 0.3 × 6.907755 = 8.059048
BUSY: dict[str, Any] = {"reposts": 99, "comments": 9, "likes": 999}


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        (post(), 1.0),  # self media, nothing: 1 × 1 × (1 + 0)
        (post(authority="central"), 8.0),
        (post(authority="provincial", verified=200), 4.0),  # unknown verified type weighs 1
        (post(verified=7), 1.5),  # organisation
        (post(verified=-1, **BUSY), 9.059048),  # 1 × 1 × 9.059048
        (post(authority="commercial", verified=3, **BUSY), 40.765716),  # 1.5 × 3 × 9.059048
        (post(authority="local", verified=0, reposts=1), 6.772589),  # 2 × 2 × (1 + ln 2)
    ],
)
def test_item_weight_table(item: HeatItem, expected: float) -> None:
    assert item_weight(item) == pytest.approx(expected, abs=1e-6)


def test_engagement_weighs_reposts_most() -> None:
    assert engagement(99, 0, 0) == pytest.approx(4.605170, abs=1e-6)
    assert engagement(0, 99, 0) == pytest.approx(0.6 * 4.605170, abs=1e-6)
    assert engagement(0, 0, 99) == pytest.approx(0.3 * 4.605170, abs=1e-6)


def test_heat_breakdown_by_hand() -> None:
    items = [
        post(1, at=NOW - 30 * MINUTE, source="wb1", verified=-1, **BUSY),  # s = 9.059048
        post(2, authority="central", at=NOW - 2 * HOUR, source="xinhua"),  # s = 8
        post(3, authority="local", at=NOW - 25 * HOUR, source="wb1"),  # s = 2, older than a day
    ]
    result = heat(items, NOW)
    assert result.weighted_engagement == pytest.approx(19.059048, abs=1e-6)
    assert result.engagement == pytest.approx(2.998680, abs=1e-6)  # ln 20.059048
    assert result.volume == pytest.approx(0.693147, abs=1e-6)  # 0.5 × ln 4
    assert result.breadth == pytest.approx(1.098612, abs=1e-6)  # ln 3: two sources
    # one item in the last hour, two in the day: 1 / max(2/24, 1) = 1
    assert (result.items_last_hour, result.items_last_day, result.velocity) == (1, 2, pytest.approx(1.0))
    assert result.momentum == pytest.approx(0.693147, abs=1e-6)
    assert result.total == pytest.approx(5.483586, abs=1e-6)
    assert result.as_dict()["total"] == result.total


def test_no_items_no_heat() -> None:
    result = heat([], NOW)
    assert result.total == 0.0 and result.velocity == 0.0


@pytest.mark.parametrize(
    ("offsets", "expected"),
    [
        # one item every 30 minutes for a day: 2 in the last hour, 48 in the day -> 2 / 2
        ([30 * k for k in range(48)], 1.0),
        # the same plus a burst of 10 in the last hour: 12 / (58 / 24)
        ([30 * k for k in range(48)] + [5 * k for k in range(10)], 12 / (58 / 24)),
        # three fresh items and nothing before: the baseline floor of 1/h applies -> 3
        ([0, 10, 20], 3.0),
        # exactly 1 h and exactly 24 h old are outside their windows: 0 / max(1/24, 1)
        ([60, 24 * 60], 0.0),
        # five minutes in the future (a source's clock ahead) counts as now
        ([-5], 1.0),
    ],
)
def test_velocity_table(offsets: list[int], expected: float) -> None:
    assert velocity([NOW - m * MINUTE for m in offsets], NOW) == pytest.approx(expected)


def test_more_reposts_more_heat() -> None:
    heats = [heat([post(reposts=n)], NOW).total for n in (0, 1, 10, 100, 10_000)]
    assert heats == sorted(heats) and len(set(heats)) == len(heats)


def test_central_media_over_self_media_and_media_accounts_over_ordinary() -> None:
    tiers = ["self_media", "commercial", "local", "provincial", "central"]
    heats = [heat([post(authority=tier, reposts=10)], NOW).total for tier in tiers]
    assert heats == sorted(heats) and len(set(heats)) == len(heats)
    assert heat([post(verified=3)], NOW).total > heat([post(verified=-1)], NOW).total


def test_a_burst_in_the_last_hour_is_hotter_than_the_same_items_spread_out() -> None:
    spread = [post(k, at=NOW - k * HOUR) for k in range(12)]
    burst = [post(k, at=NOW - k * 5 * MINUTE) for k in range(12)]
    assert heat(burst, NOW).velocity > heat(spread, NOW).velocity
    assert heat(burst, NOW).total > heat(spread, NOW).total


def test_more_sources_more_heat() -> None:
    one = [post(k, source="wb1") for k in range(4)]
    four = [post(k, source=f"wb{k}") for k in range(4)]
    assert heat(four, NOW).total - heat(one, NOW).total == pytest.approx(math.log(5) - math.log(2))


def test_tracker_agrees_with_heat_as_items_arrive_and_update() -> None:
    tracker = HeatTracker()
    items = [
        post(1, at=NOW - 30 * HOUR, source="a", reposts=3),
        post(2, authority="central", at=NOW - 3 * HOUR, source="b"),
        post(3, at=NOW - 20 * MINUTE, source="c", verified=0, **BUSY),
        post(4, authority="local", at=NOW + 2 * MINUTE, source="a"),
    ]
    for n, it in enumerate(items, 1):
        tracker.add(it)
        assert tracker.breakdown(NOW) == approx_breakdown(heat(items[:n], NOW))
    # fresher counts for item 3, and item 2 turns out to come from source "a"
    updated = [items[0], replace(items[1], source_id="a"), replace(items[2], reposts=5000), items[3]]
    tracker.add(updated[1])
    tracker.add(updated[2])
    assert len(tracker) == 4
    assert tracker.breakdown(NOW) == approx_breakdown(heat(updated, NOW))
    later = NOW + 5 * HOUR
    assert tracker.breakdown(later) == approx_breakdown(heat(updated, later))



def test_a_large_tracker_agrees_with_heat_as_its_items_are_updated_in_any_order() -> None:
    # past the size at which the tracker finds an item by a map instead of a scan
    rng = random.Random(5)
    items = {k: post(k, at=NOW - rng.randrange(0, 40 * 60) * MINUTE, source=f"s{k % 7}", reposts=rng.randrange(50))
             for k in rng.sample(range(10_000), 300)}
    tracker = HeatTracker()
    for it in items.values():
        tracker.add(it)
    for k in rng.sample(sorted(items), 120):  # fresher counts, another source, a corrected time
        items[k] = replace(items[k], reposts=rng.randrange(5000), source_id=f"s{rng.randrange(9)}",
                           published_at=NOW - rng.randrange(0, 30 * 60) * MINUTE)
        tracker.add(items[k])
    assert len(tracker) == 300
    assert tracker.breakdown(NOW) == approx_breakdown(heat(list(items.values()), NOW))

def approx_breakdown(expected):  # type: ignore[no-untyped-def]
    return replace(
        expected,
        **{name: pytest.approx(value) for name, value in expected.as_dict().items() if isinstance(value, float)},
    )


def test_weights_from_config() -> None:
    weights = HeatWeights.from_config(
        {"authority": {"central": 10}, "verified": {"-1": 0.5, 3: 4}, "reposts": 2, "velocity_floor": 0.5}
    )
    assert weights.authority["central"] == 10.0 and weights.authority["local"] == 2.0
    assert weights.verified[-1] == 0.5 and weights.verified[3] == 4.0 and weights.verified[0] == 2.0
    assert weights.reposts == 2.0 and weights.comments == DEFAULT.comments
    assert item_weight(post(authority="central", verified=-1), weights) == 5.0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"repost": 1}, "incidents.heat: unknown key 'repost'"),
        ({"authority": {"national": 9}}, "incidents.heat.authority: unknown authority tier 'national'"),
        ({"authority": ["central"]}, "incidents.heat.authority: expected a mapping"),
        ({"verified": {"blue": 2}}, "incidents.heat.verified: verified type 'blue' is not an integer"),
        ({"likes": "lots"}, "incidents.heat.likes: expected a number"),
        ({"likes": True}, "incidents.heat.likes: expected a number"),
        ({"items": -1}, "not negative"),
        ({"velocity_floor": 0}, "velocity_floor must be positive"),
    ],
)
def test_bad_weights_are_config_errors(data: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        HeatWeights.from_config(data)


def test_bad_items_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        post(at=datetime(2024, 5, 7))  # noqa: DTZ001 - the naive time under test
    with pytest.raises(ValueError, match="negative"):
        post(reposts=-1)
    with pytest.raises(ValueError, match="unknown authority tier 'national'"):
        item_weight(post(authority="national"))


def test_the_heat_rate_halves_when_the_trailing_hour_carries_half_the_weight() -> None:
    # six equal posts in the 30 minutes before the release, then two more 20 minutes after it
    before = [post(n, at=NOW - n * 5 * MINUTE) for n in range(6)]
    after = [post(10 + n, at=NOW + 20 * MINUTE + n * MINUTE) for n in range(2)]
    weight = item_weight(before[0])
    halving = rate_halving(before + after, NOW)
    assert halving.rate == pytest.approx(6 * weight)  # per hour, over the trailing hour
    # the trailing hour (t - 60 min, t] holds 8 posts at +25 min; then the old ones drop out:
    # +40: 4 + 2, +45: 3 + 2, +50: 2 + 2, +55: 1 + 2 = 3 posts, half of 6
    assert halving.halved_at == NOW + 55 * MINUTE


def test_no_recent_weight_nothing_to_halve_and_a_steady_rate_never_halves() -> None:
    assert rate_halving([post(1, at=NOW - 2 * HOUR)], NOW).halved_at is None
    assert rate_halving([post(1, at=NOW - 2 * HOUR)], NOW).rate == 0
    steady = [post(n, at=NOW - HOUR + n * 10 * MINUTE) for n in range(6 * 24 * 4)]  # one every 10 minutes for days
    halving = rate_halving(steady, NOW, horizon=12 * HOUR)
    assert halving.rate > 0 and halving.halved_at is None
