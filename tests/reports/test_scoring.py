"""The indicator system, by hand: each figure below is computed from the module docstring's rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from sentinel.reports.config import ScoreWeights
from sentinel.reports.scoring import WindowCounts, deadline_points, score

T0 = datetime(2026, 3, 10, tzinfo=UTC)
WEIGHTS = ScoreWeights().as_dict()


@dataclass
class Row:
    kind: str
    state: str
    started_at: datetime
    due_at: datetime
    met_at: datetime | None


def row(kind: str, state: str, hours: float, met: float | None) -> Row:
    return Row(kind, state, T0, T0 + timedelta(hours=hours), T0 + timedelta(hours=met) if met is not None else None)


@pytest.mark.parametrize(("obligation", "points"), [
    (row("authoritative_info", "met", 5, 3), 100.0),  # on time, 2h to spare
    (row("authoritative_info", "met", 5, 5), 100.0),  # at the very due time
    (row("authoritative_info", "breached", 5, 6), 80.0),  # 1h late of a 5h allowance
    (row("press_conference", "breached", 24, 36), 50.0),  # half an allowance late
    (row("press_conference", "breached", 24, 60), 0.0),  # more than a whole allowance late
    (row("authoritative_info", "breached", 5, None), 0.0),  # missed, nothing on record
    (row("authoritative_info", "open", 5, None), None),  # not scored while open
    (row("authoritative_info", "waived", 5, None), None),
])
def test_each_deadline_scores_by_how_late_it_was_met(obligation: Row, points: float | None) -> None:
    assert deadline_points(obligation) == points


def test_the_score_is_the_weighted_mean_of_the_indicators_that_apply() -> None:
    rows = [row("authoritative_info", "met", 5, 3), row("press_conference", "breached", 24, 36),
            row("sustained_release", "met", 24, 20), row("sustained_release", "breached", 24, None),
            row("sustained_release", "open", 24, None)]
    result = score(rows, WindowCounts(items=10, negative=6), WindowCounts(items=4, negative=1), WEIGHTS)
    values = {c.key: c.value for c in result.components}
    assert values["timeliness"] == 75.0  # (100 + 50) / 2
    assert values["sustained_release"] == 50.0  # 1 of 2 closed on time; the open one waits
    assert values["sentiment_change"] == pytest.approx(50 + 50 * (0.6 - 0.25))  # 67.5
    assert values["spread_containment"] == pytest.approx(50 + 50 * (10 - 4) / 10)  # 80
    expected = (0.4 * 75 + 0.2 * 50 + 0.2 * 67.5 + 0.2 * 80) / 1.0
    assert result.total == pytest.approx(expected)
    data = result.as_json()
    assert sum(c["contribution"] for c in data["components"]) == pytest.approx(expected, abs=0.02)


def test_without_a_release_only_timeliness_counts() -> None:
    rows = [row("authoritative_info", "breached", 5, None), row("press_conference", "breached", 24, None)]
    result = score(rows, None, None, WEIGHTS)
    assert [c.value for c in result.components] == [0.0, None, None, None]
    assert result.total == 0.0


def test_a_story_that_grows_after_the_release_scores_low_on_containment() -> None:
    result = score([], WindowCounts(0, 0), WindowCounts(5, 5), WEIGHTS)
    values = {c.key: c.value for c in result.components}
    assert values["spread_containment"] == 0.0
    assert values["sentiment_change"] is None  # nothing before to compare with
    assert values["timeliness"] is None
    assert result.total == 0.0


def test_nothing_to_score_is_no_score() -> None:
    assert score([], None, None, WEIGHTS).total is None


def test_weights_come_from_config_and_cannot_all_be_zero() -> None:
    from pydantic import ValidationError

    weights = ScoreWeights(timeliness=1, sustained_release=0, sentiment_change=0, spread_containment=0).as_dict()
    rows = [row("authoritative_info", "met", 5, 3), row("sustained_release", "breached", 24, None)]
    assert score(rows, None, None, weights).total == 100.0  # sustained release weighs nothing here
    with pytest.raises(ValidationError):
        ScoreWeights(timeliness=0, sustained_release=0, sentiment_change=0, spread_containment=0)


@pytest.mark.parametrize(("before", "after", "value", "basis"), [
    # one register: as before, the shares compared directly
    (WindowCounts(10, 6, {"post": (10, 6)}), WindowCounts(4, 1, {"post": (4, 1)}), 67.5, "发布前60% → 发布后25%"),
    # news 3/3 → 1/2 and posts 2/10 → 2/20: each compared with itself, weighed by items (5 and 30)
    (WindowCounts(13, 5, {"news": (3, 3), "post": (10, 2)}), WindowCounts(22, 3, {"news": (2, 1), "post": (20, 2)}),
     50 + 50 * (5 / 35 * (1 - 0.5) + 30 / 35 * (0.2 - 0.1)), "新闻 发布前100% → 发布后50%；帖文 发布前20% → 发布后10%"),
    # all news before, all posts after: the overall share would fall from 100% to 0% by a change of
    # register alone, so there is nothing like for like to compare
    (WindowCounts(3, 3, {"news": (3, 3)}), WindowCounts(5, 0, {"post": (5, 0)}), None, "分属新闻和帖文"),
])
def test_sentiment_change_compares_each_register_with_itself(before: WindowCounts, after: WindowCounts,
                                                             value: float | None, basis: str) -> None:
    (component,) = [c for c in score([], before, after, WEIGHTS).components if c.key == "sentiment_change"]
    assert component.value == (pytest.approx(value) if value is not None else None)
    assert basis in component.basis
