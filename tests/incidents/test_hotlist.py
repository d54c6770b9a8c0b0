"""The hot-list signals' pure parts: the heat formula, the grade step, the public-opinion verdict,
the policy keys."""

from __future__ import annotations

import math

import pytest

from sentinel.analyse.grading import Grade, GradeDecision
from sentinel.analyse.hotlist_topic import judge_entry, label_verdict, text_verdict
from sentinel.errors import ConfigError
from sentinel.escalation.policy import Policy
from sentinel.incidents.grade import ListRaise, decide, intensity_grade, step_up
from sentinel.incidents.heat import HeatWeights
from sentinel.incidents.hotlist import heat_parts, mark_text, with_listing
from sentinel.incidents.hotlist_heat import ListingWeights, ListStanding, list_term, listing_heat
from sentinel.settings import IntensityStep, parse_settings

# --- the heat formula ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("rank", "share", "hours", "expected"), [
    (1, 1.0, 0.0, (1.0 + 1.0) * 1.0),  # top, far above the median, just seen
    (50, None, 0.0, (1 / 50 + 1 / 50) * 1.0),  # last place, no heat values: the rank stands for both
    (7, 2 / 3, 1.0, (44 / 50 + 2 / 3) * (1 + math.log(2))),
    (80, 0.5, 24.0, (1 / 50 + 0.5) * (1 + math.log(25))),  # below the depth counts as the last place
])
def test_one_lists_term(rank: int, share: float | None, hours: float, expected: float) -> None:
    assert list_term(ListStanding("weibo", rank, share, hours), national=True) == pytest.approx(expected)


def test_a_list_that_is_not_national_weighs_half() -> None:
    standing = ListStanding("bilibili", 3, 0.6, 2.0)
    assert list_term(standing, national=False) == pytest.approx(0.5 * list_term(standing, national=True))


def test_the_listing_component_sums_the_lists_and_is_log_damped() -> None:
    one = [ListStanding("weibo", 7, 2 / 3, 1.0)]
    three = [ListStanding(name, 5, 0.7, 4.0) for name in ("weibo", "baidu", "douyin")]
    total, terms = listing_heat(one, ["weibo"])
    assert total == pytest.approx(2 * math.log1p(terms["weibo"])) and total == pytest.approx(2.572, abs=1e-3)
    three_total, three_terms = listing_heat(three, ["weibo", "baidu", "douyin"])
    assert set(three_terms) == {"weibo", "baidu", "douyin"} and three_total == pytest.approx(5.232, abs=1e-3)
    assert listing_heat([], ["weibo"]) == (0.0, {})
    # staying on the list keeps adding, less and less
    hours = [listing_heat([ListStanding("weibo", 7, 0.6, h)], ["weibo"])[0] for h in (0, 1, 4, 24)]
    assert hours == sorted(hours) and (hours[1] - hours[0]) / 1 > (hours[3] - hours[2]) / 20


def test_listing_weights_from_config() -> None:
    assert ListingWeights.from_config({"weight": 3, "depth": 30}) == ListingWeights(weight=3.0, depth=30)
    with pytest.raises(ConfigError, match="unknown key"):
        ListingWeights.from_config({"wieght": 3})
    with pytest.raises(ConfigError, match="not negative"):
        ListingWeights.from_config({"weight": -1})
    HeatWeights.from_config({"listing": {"weight": 3}})  # the items' weights leave the listing key alone


def test_heat_with_a_listing_adds_its_component_to_the_items_parts() -> None:
    items = {"total": 5.2, "engagement": 2.0, "volume": 1.0, "breadth": 1.1, "momentum": 1.1, "item_count": 3}
    heat, parts = with_listing(items, {"heat": {"total": 2.5, "terms": {"weibo": 2.6}}})
    assert heat == pytest.approx(7.7) and parts["listing"] == 2.5 and parts["listing_terms"] == {"weibo": 2.6}
    assert parts["total"] == heat and heat_parts(parts) == pytest.approx(5.2)
    assert with_listing(items, {}) == (5.2, items)


def test_the_mark_reads_as_the_issue_writes_it() -> None:
    assert mark_text("weibo", 7, 1315270) == "上榜：微博热搜第7位，热度1,315,270 / on the Weibo hot list, rank 7, 1,315,270"
    assert mark_text("baidu", None, None) == "上榜：百度热搜 / on the Baidu hot list"


# --- a step of intensity -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("grade", "cap", "expected"), [
    (None, Grade.II, Grade.IV), (Grade.IV, Grade.II, Grade.III), (Grade.III, Grade.II, Grade.II),
    (Grade.II, Grade.II, Grade.II), (Grade.I, Grade.II, Grade.I), (Grade.IV, Grade.IV, Grade.IV),
    (None, Grade.I, Grade.IV), (Grade.II, Grade.I, Grade.I),
])
def test_step_up(grade: Grade | None, cap: Grade, expected: Grade) -> None:
    assert step_up(grade, cap) == expected


STEPS = [IntensityStep(grade="IV", heat=6.0), IntensityStep(grade="III", heat=10.0), IntensityStep(grade="II", heat=14.0)]
RAISE = ListRaise("进入微博热搜前10（第7位）", "entered the top 10 of the Weibo hot list (rank 7)", Grade.II)


def test_the_top_of_a_list_raises_intensity_a_step_with_its_reason() -> None:
    grade, reasons = intensity_grade(STEPS, heat=6.5, items=3, central_media=False, listed=RAISE)
    assert grade == Grade.III
    assert reasons[-1] == ("进入微博热搜前10（第7位），舆情烈度升一级 → III / entered the top 10 of the Weibo hot list "
                           "(rank 7): intensity up a step → III")
    assert intensity_grade(STEPS, heat=1.0, items=1, central_media=False, listed=RAISE)[0] == Grade.IV
    assert intensity_grade(STEPS, heat=20.0, items=1, central_media=False, listed=RAISE)[0] == Grade.II  # the cap


def test_facts_above_the_raised_intensity_still_decide() -> None:
    floor = GradeDecision(Grade.II, ("死亡 12 人 → II",))
    change = decide(floor, STEPS, heat=6.5, items=3, central_media=False, current=None, listed=RAISE)
    assert change is not None and change.grade == Grade.II and change.source == "facts"
    raised = decide(GradeDecision(None, ()), STEPS, heat=6.5, items=3, central_media=False, current="IV", listed=RAISE)
    assert raised is not None and raised.grade == Grade.III and raised.source == "intensity"


# --- public-opinion topic, or entertainment ---------------------------------------------------------------------


@pytest.mark.parametrize(("facts", "title", "public"), [
    ({"category": "社会"}, "台风白海豚", True),
    ({"category": "综艺-内地综艺"}, "歌手排名", False),
    ({"category": "电视剧"}, "虞书欣古子成大婚路透", False),
    ({"category": "明星"}, "演唱会现场发生踩踏致3人受伤", True),  # an event overrides the label
    ({"category": "society,law"}, "男子因噪音纠纷持刀伤邻后坠楼", True),
    ({"category": "entertainment"}, "网传多名明星巡演取消", False),
    ({"category": "美食", "label": "商"}, "美年达小黄人新包装官宣联动", False),  # a commercial badge
    ({"category": "暂无"}, "日全食", True),  # no label, no cues: kept
    ({}, "《披荆斩棘2026》官宣定档 舞台路透曝光", True),  # 曝光 is an event cue, before any label
    ({}, "《披荆斩棘2026》官宣定档 舞台路透", False),
    ({}, "市民反映小区停水三天 物业回应", True),
])
def test_judge_entry(facts: dict[str, str], title: str, public: bool) -> None:
    verdict = judge_entry(facts, title)
    assert verdict.public_opinion is public, verdict.reason


def test_labels_and_text_give_their_reasons() -> None:
    assert label_verdict("暂无") is None and label_verdict(None) is None
    assert label_verdict("综艺,社会").reason == "平台分类为社会"  # a public label wins over a leisure one
    assert text_verdict("刘宇宁教林一唱歌", "").public_opinion is True  # names alone say nothing: kept
    assert "娱乐词" in text_verdict("新剧定档 主演路透", "").reason


# --- policy keys ------------------------------------------------------------------------------------------------


def test_hotlist_policy_defaults_and_overrides() -> None:
    default = Policy().hotlist
    assert (default.top, default.raise_intensity, default.max_raised_grade, default.start_response_clock,
            default.alert) == (10, True, Grade.II, True, True)
    assert default.national == ["weibo", "baidu", "douyin", "zhihu", "toutiao"]
    settings = parse_settings("policy:\n  hotlist: {top: 5, alert: false}\n")
    assert (settings.policy.hotlist.top, settings.policy.hotlist.alert, settings.policy.hotlist.raise_intensity) == (
        5, False, True)
    with pytest.raises(ConfigError, match="policy.hotlist.tpo: unknown key"):
        parse_settings("policy:\n  hotlist: {tpo: 5}\n")
    # a snapshot taken before the key existed reads back with the defaults
    old = Policy().snapshot()
    del old["hotlist"]
    assert Policy.from_snapshot(old).hotlist == default
