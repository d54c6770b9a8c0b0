"""Grade floor from facts: every boundary of every default table.

The thresholds are written out here from the regulations, not read from DEFAULT_TABLES, so a changed
default fails these tests.
"""

from __future__ import annotations

import pytest

from sentinel.analyse.facts import extract_facts
from sentinel.analyse.grading import DEFAULT_TABLES, Grade, GradeDecision, grade_floor, load_tables
from sentinel.errors import ConfigError

I, II, III, IV = Grade.I, Grade.II, Grade.III, Grade.IV  # noqa: E741 - the grades are called I…IV

# (category, subtype, facts, expected grade)
BOUNDARIES = [
    # 生产安全事故报告和调查处理条例 第三条: deaths
    ("accident", None, {"deaths": 0}, None),
    ("accident", None, {"deaths": 1}, IV),
    ("accident", None, {"deaths": 2}, IV),
    ("accident", None, {"deaths": 3}, III),
    ("accident", None, {"deaths": 9}, III),
    ("accident", None, {"deaths": 10}, II),
    ("accident", None, {"deaths": 29}, II),
    ("accident", None, {"deaths": 30}, I),
    # seriously injured
    ("accident", "fire", {"seriously_injured": 1}, IV),
    ("accident", "fire", {"seriously_injured": 9}, IV),
    ("accident", "fire", {"seriously_injured": 10}, III),
    ("accident", "fire", {"seriously_injured": 49}, III),
    ("accident", "fire", {"seriously_injured": 50}, II),
    ("accident", "fire", {"seriously_injured": 99}, II),
    ("accident", "fire", {"seriously_injured": 100}, I),
    # direct economic loss
    ("accident", None, {"loss_yuan": 1}, IV),
    ("accident", None, {"loss_yuan": 9_999_999}, IV),
    ("accident", None, {"loss_yuan": 10_000_000}, III),
    ("accident", None, {"loss_yuan": 49_999_999}, III),
    ("accident", None, {"loss_yuan": 50_000_000}, II),
    ("accident", None, {"loss_yuan": 99_999_999}, II),
    ("accident", None, {"loss_yuan": 100_000_000}, I),
    # any injury makes an 一般事故
    ("accident", "traffic_accident", {"injured": 0}, None),
    ("accident", "traffic_accident", {"injured": 1}, IV),
    ("accident", "traffic_accident", {"injured": 500}, IV),
    # 国家地震应急预案: deaths including missing
    ("natural_disaster", "earthquake", {"deaths": 0, "missing": 0}, None),
    ("natural_disaster", "earthquake", {"deaths": 1}, IV),
    ("natural_disaster", "earthquake", {"deaths": 9}, IV),
    ("natural_disaster", "earthquake", {"deaths": 10}, III),
    ("natural_disaster", "earthquake", {"deaths": 49}, III),
    ("natural_disaster", "earthquake", {"deaths": 50}, II),
    ("natural_disaster", "earthquake", {"deaths": 299}, II),
    ("natural_disaster", "earthquake", {"deaths": 300}, I),
    ("natural_disaster", "earthquake", {"deaths": 250, "missing": 50}, I),
    ("natural_disaster", "earthquake", {"missing": 12}, III),
    # magnitude (人口较密集地区)
    ("natural_disaster", "earthquake", {"magnitude": 3.9}, None),
    ("natural_disaster", "earthquake", {"magnitude": 4.0}, IV),
    ("natural_disaster", "earthquake", {"magnitude": 4.9}, IV),
    ("natural_disaster", "earthquake", {"magnitude": 5.0}, III),
    ("natural_disaster", "earthquake", {"magnitude": 5.9}, III),
    ("natural_disaster", "earthquake", {"magnitude": 6.0}, II),
    ("natural_disaster", "earthquake", {"magnitude": 6.9}, II),
    ("natural_disaster", "earthquake", {"magnitude": 7.0}, I),
    ("natural_disaster", "earthquake", {"magnitude": 4.5, "deaths": 12}, III),
    # 国家突发公共卫生事件应急预案: food poisoning
    ("public_health", "food_poisoning", {"poisoned": 29}, None),
    ("public_health", "food_poisoning", {"poisoned": 30}, IV),
    ("public_health", "food_poisoning", {"poisoned": 99}, IV),
    ("public_health", "food_poisoning", {"poisoned": 100}, IV),
    ("public_health", "food_poisoning", {"poisoned": 101}, III),
    ("public_health", "food_poisoning", {"poisoned": 5000}, III),
    ("public_health", "food_poisoning", {"poisoned": 20, "deaths": 1}, III),
    ("public_health", "food_poisoning", {"poisoned": 20, "deaths": 9}, III),
    ("public_health", "food_poisoning", {"poisoned": 100, "deaths": 1}, III),
    ("public_health", "food_poisoning", {"poisoned": 101, "deaths": 1}, II),
    ("public_health", "food_poisoning", {"deaths": 10}, II),
    ("public_health", "food_poisoning", {"deaths": 29}, II),
    ("public_health", "food_poisoning", {"deaths": 30}, I),
    ("public_health", "epidemic", {"deaths": 0}, None),
    # social safety: accident-like casualty thresholds
    ("social_safety", "terrorist_attack", {"deaths": 1}, IV),
    ("social_safety", "terrorist_attack", {"deaths": 3}, III),
    ("social_safety", "terrorist_attack", {"deaths": 10}, II),
    ("social_safety", "terrorist_attack", {"deaths": 30}, I),
    ("social_safety", None, {"injured": 1}, IV),
    ("social_safety", None, {"seriously_injured": 50}, II),
    # 国家自然灾害救助应急预案: deaths and missing; any death at least IV
    ("natural_disaster", "flood", {"deaths": 1}, IV),
    ("natural_disaster", "flood", {"deaths": 19}, IV),
    ("natural_disaster", "flood", {"missing": 19}, None),
    ("natural_disaster", "flood", {"missing": 20}, IV),
    ("natural_disaster", "flood", {"deaths": 49}, IV),
    ("natural_disaster", "flood", {"deaths": 30, "missing": 20}, III),
    ("natural_disaster", "flood", {"deaths": 99}, III),
    ("natural_disaster", "flood", {"deaths": 100}, II),
    ("natural_disaster", "flood", {"deaths": 199}, II),
    ("natural_disaster", "typhoon", {"deaths": 200}, I),
    # 国家突发地质灾害应急预案
    ("natural_disaster", "geological", {"deaths": 2}, IV),
    ("natural_disaster", "geological", {"deaths": 3}, III),
    ("natural_disaster", "geological", {"deaths": 10}, II),
    ("natural_disaster", "geological", {"deaths": 30}, I),
    ("natural_disaster", "geological", {"loss_yuan": 999_999}, IV),
    ("natural_disaster", "geological", {"loss_yuan": 1_000_000}, III),
    ("natural_disaster", "geological", {"loss_yuan": 5_000_000}, II),
    ("natural_disaster", "geological", {"loss_yuan": 10_000_000}, I),
    # 国家森林草原火灾应急预案
    ("natural_disaster", "forest_fire", {"deaths": 2}, IV),
    ("natural_disaster", "forest_fire", {"deaths": 3}, III),
    ("natural_disaster", "forest_fire", {"seriously_injured": 50}, II),
    ("natural_disaster", "forest_fire", {"deaths": 30}, I),
]


@pytest.mark.parametrize(("category", "subtype", "facts", "grade"), BOUNDARIES)
def test_boundaries(category: str, subtype: str | None, facts: dict, grade: Grade | None) -> None:
    decision = grade_floor(facts, category, subtype)
    assert decision.grade is grade, decision.reasons
    assert decision.reasons  # every decision says why, a missing grade too


def test_reason_names_the_figure_the_threshold_and_the_regulation() -> None:
    d = grade_floor(extract_facts("死亡人数上升至十三人"), "accident", "fire")
    assert d.grade is II and d.table == "accident"
    assert d.reasons == ["死亡13人 ≥ 10人 → II 重大（生产安全事故报告和调查处理条例 第三条） / "
                         "deaths 13 ≥ 10 → II (major)"]


def test_every_field_reaching_the_grade_is_a_reason() -> None:
    d = grade_floor({"deaths": 13, "seriously_injured": 60, "loss_yuan": 20_000_000}, "accident")
    assert d.grade is II
    assert len(d.reasons) == 2  # deaths and seriously injured reach II; the loss (III) is not the reason
    assert d.reasons[0].startswith("死亡13人") and d.reasons[1].startswith("重伤60人")


def test_most_severe_field_wins() -> None:
    d = grade_floor({"deaths": 3, "loss_yuan": 120_000_000}, "accident")
    assert d.grade is I and "1.2亿元 ≥ 1亿元" in d.reasons[0]


def test_combined_rule_reason() -> None:
    d = grade_floor({"poisoned": 120, "deaths": 1}, "public_health", "food_poisoning")
    assert d.grade is II and "中毒120人 ≥ 101人 且 死亡1人 ≥ 1人" in d.reasons[0]


def test_hedged_figures_are_marked() -> None:
    assert "死亡至少10人" in grade_floor(extract_facts("十余人死亡"), "accident").reasons[0]
    assert "死亡约30人" in grade_floor(extract_facts("约30人死亡"), "accident").reasons[0]
    assert "震级M6.1 ≥ M6.0" in grade_floor(extract_facts("里氏6.1级地震"), "natural_disaster", "earthquake").reasons[0]


def test_no_category_or_no_table_gives_no_grade() -> None:
    assert grade_floor({"deaths": 40}, None).grade is None
    d = grade_floor({"deaths": 40}, "policy_misreading")
    assert d.grade is None and d.table is None and "policy_misreading" in d.reasons[0]


def test_nothing_known_gives_no_grade() -> None:
    d = grade_floor(extract_facts("发生交通事故"), "accident", "traffic_accident")
    assert d == GradeDecision(None, ["未达到生产安全事故定级标准 / below every threshold of accident"], "accident")


def test_subtype_table_preferred_over_generic() -> None:
    assert grade_floor({"deaths": 12}, "natural_disaster", "earthquake").table == "earthquake"
    assert grade_floor({"deaths": 12}, "natural_disaster", "flood").table == "natural_disaster"
    assert grade_floor({"deaths": 12}, "natural_disaster", None).table == "natural_disaster"


def test_configured_tables_override_add_and_remove() -> None:
    stricter = {"accident": {**DEFAULT_TABLES["accident"],
                             "thresholds": {"deaths": {"I": 10, "II": 5, "III": 2, "IV": 1}}}}
    assert grade_floor({"deaths": 5}, "accident", tables=stricter).grade is II
    assert grade_floor({"deaths": 5}, "accident").grade is III  # defaults untouched
    local = {"interest": {"name": "本地", "categories": ["public_interest"], "thresholds": {"injured": {"IV": 1}}}}
    assert grade_floor({"injured": 3}, "public_interest", tables=local).grade is IV
    assert grade_floor({"deaths": 5}, "accident", tables={"accident": None}).grade is None


@pytest.mark.parametrize(("tables", "key"), [
    ({"x": {"categories": ["accident"], "thresholds": {"dead": {"I": 1}}}}, "x.thresholds.dead"),
    ({"x": {"categories": ["accident"], "thresholds": {"deaths": {"V": 1}}}}, "x.thresholds.deaths"),
    ({"x": {"categories": ["accident"], "thresholds": {"deaths": {"I": "many"}}}}, "x.thresholds.deaths"),
    ({"x": {"categories": []}}, "x.categories"),
    ({"x": {"categories": ["accident"], "colour": "red"}}, "x.colour"),
    ({"x": {"categories": ["accident"], "combined": [{"grade": "II"}]}}, "x.combined[0]"),
    ({"x": ["accident"]}, "x"),
])
def test_invalid_tables_name_the_key(tables: dict, key: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_tables(tables, source="config/sentinel.yaml")
    assert err.value.key == key and err.value.path == "config/sentinel.yaml"


def test_default_tables_are_valid() -> None:
    assert load_tables() == DEFAULT_TABLES


def test_grade_enum() -> None:
    assert [g.value for g in Grade] == ["I", "II", "III", "IV"]
    assert Grade("II") is II and II == "II"
    assert [g.name_zh for g in Grade] == ["特别重大", "重大", "较大", "一般"]
    assert [g.colour for g in Grade] == ["red", "orange", "yellow", "blue"]
    assert [g.colour_zh for g in Grade] == ["红色", "橙色", "黄色", "蓝色"]
    assert max([IV, II, III], key=lambda g: g.severity) is II
