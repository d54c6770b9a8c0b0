"""Watch rules: OR within a group, AND across groups, exclusions, required words, regexes, scope."""

from __future__ import annotations

import pytest

from sentinel.analyse.rules import RuleMatch, compile_rules
from sentinel.analyse.tokenize import Tokenizer, default_tokenizer
from sentinel.settings import WatchRule

SAFETY = WatchRule(
    id="safety",
    department="应急管理局",
    groups={"region": ["郑州", "中原区"], "event": ["爆炸", "坍塌", "火灾", "死亡", "食物中毒"]},
    exclude=["演练", "演习"],
)


@pytest.fixture(scope="module")
def tokenizer() -> Tokenizer:
    return default_tokenizer()


def run(tokenizer: Tokenizer, rules: list[WatchRule], title: str, body: str = "") -> list[RuleMatch]:
    return compile_rules(rules).match(tokenizer.tokens(title), tokenizer.tokens(body), title, body)


@pytest.mark.parametrize(
    "title, body, matches",
    [
        ("郑州市发生爆炸", "", True),  # 郑州 inside the token 郑州市
        ("中原区一工地坍塌", "", True),
        ("郑州天气晴好", "", False),  # region without event
        ("某地发生爆炸", "", False),  # event without region
        ("郑州市", "一处仓库发生火灾", True),  # groups may be met across title and body
        ("郑州市开展消防演练", "模拟火灾现场", False),  # exclusion vetoes
        ("郑州某学校发生食物中毒", "", True),
        ("河南省郑州市中原区", "3人死亡", True),
    ],
)
def test_or_within_groups_and_across_groups(
    tokenizer: Tokenizer, title: str, body: str, matches: bool
) -> None:
    assert bool(run(tokenizer, [SAFETY], title, body)) is matches


def test_match_reports_words_by_group_department_and_fields(tokenizer: Tokenizer) -> None:
    [match] = run(tokenizer, [SAFETY], "郑州市发生爆炸", "造成3人死亡，另有火灾")
    assert match.rule_id == "safety"
    assert match.department == "应急管理局"
    assert match.groups == {"region": ["郑州"], "event": ["爆炸", "火灾", "死亡"]}  # in rule order
    assert match.fields == ("title", "body")
    assert match.to_dict()["groups"] == match.groups


@pytest.mark.parametrize(
    "word, title, matches",
    [
        ("郑州", "郑州市通报", True),  # short form inside the full name
        ("郑州市", "郑州通报", True),  # the full name through the alias table
        ("新疆维吾尔自治区", "新疆发布消息", True),
        ("卫健委", "郑州市卫生健康委员会通报", True),
        ("卫生健康委员会", "市卫健委通报", True),
        ("市场监管局", "市场监督管理局检查", True),
        ("市长", "南京市长江大桥", False),  # would match the raw string, not the tokens
    ],
)
def test_short_forms_and_aliases(tokenizer: Tokenizer, word: str, title: str, matches: bool) -> None:
    rule = WatchRule(id="w", groups={"g": [word]})
    assert bool(run(tokenizer, [rule], title)) is matches


def test_aliases_can_be_replaced() -> None:
    rule = WatchRule(id="w", groups={"g": ["郑州市"]})
    assert compile_rules([rule]).match(["郑州", "通报"], [])
    assert not compile_rules([rule], aliases={}).match(["郑州", "通报"], [])


@pytest.mark.parametrize(
    "word, tokens, matches",
    [
        ("食物中毒", ["学生", "食物", "中毒"], True),  # split by the tokenizer: whole tokens
        ("食物中毒", ["吃食", "物中", "毒"], False),  # starts inside a token that it does not end in
        ("爆炸", ["发生爆炸"], True),  # inside one token
        ("火", ["着", "火", "了"], True),  # one character: a token by itself
        ("火", ["吃", "火锅"], False),
        ("COVID-19", ["covid", "-", "19", "疫情"], True),  # Latin letters in any case
        ("新 冠", ["新冠", "疫情"], True),  # spaces in a rule word are ignored
    ],
)
def test_words_against_token_lists(word: str, tokens: list[str], matches: bool) -> None:
    rule = WatchRule(id="w", groups={"g": [word]})
    assert bool(compile_rules([rule], aliases={}).match(tokens, None)) is matches


def test_required_words_must_all_appear() -> None:
    rule = WatchRule(id="r", groups={"org": ["卫健委"]}, require=["通报", "疫情"])
    ruleset = compile_rules([rule], aliases={})
    assert not ruleset.match(["卫健委", "通报"], [])
    [match] = ruleset.match(["卫健委", "通报"], ["疫情", "最新"])
    assert match.required == ["通报", "疫情"]


def test_require_alone_is_a_rule() -> None:
    rule = WatchRule(id="r", require=["通报", "疫情"])
    assert compile_rules([rule], aliases={}).match(["疫情", "通报"], [])
    assert not compile_rules([rule], aliases={}).match(["疫情"], [])


@pytest.mark.parametrize(
    "rule, title, body, matches",
    [
        (WatchRule(id="x", regex=[r"\d+人死亡"]), "", "造成12人死亡", True),
        (WatchRule(id="x", regex=[r"\d+人死亡"]), "", "无人伤亡", False),
        (WatchRule(id="x", regex=[r"\d+人死亡"], scope="title"), "", "造成12人死亡", False),
        (WatchRule(id="x", regex=[r"\d+人死亡", "郑州"]), "郑州", "3人死亡", True),  # every regex
        (WatchRule(id="x", regex=[r"\d+人死亡", "郑州"]), "开封", "3人死亡", False),
        (WatchRule(id="x", groups={"g": ["爆炸"]}, regex=["燃气"]), "爆炸", "燃气泄漏", True),
        (WatchRule(id="x", groups={"g": ["爆炸"]}, regex=["燃气"]), "爆炸", "锅炉", False),
    ],
)
def test_regexes(rule: WatchRule, title: str, body: str, matches: bool) -> None:
    ruleset = compile_rules([rule], aliases={})
    assert bool(ruleset.match(list(title), list(body), title, body)) is matches


@pytest.mark.parametrize(
    "scope, title, body, matches",
    [
        ("title", ["郑州", "爆炸"], [], True),
        ("title", ["郑州"], ["爆炸"], False),
        ("body", ["郑州", "爆炸"], [], False),
        ("body", [], ["郑州", "爆炸"], True),
        ("both", ["郑州"], ["爆炸"], True),
        ("title", ["郑州", "爆炸"], ["演练"], True),  # exclusions count only in scope too
        ("both", ["郑州", "爆炸"], ["演练"], False),
    ],
)
def test_scope(scope: str, title: list[str], body: list[str], matches: bool) -> None:
    rule = WatchRule(id="s", groups={"region": ["郑州"], "event": ["爆炸"]}, exclude=["演练"], scope=scope)
    assert bool(compile_rules([rule], aliases={}).match(title, body)) is matches


def test_several_rules_come_back_in_configuration_order() -> None:
    rules = [
        WatchRule(id="b-fire", department="消防救援支队", groups={"event": ["火灾"]}),
        WatchRule(id="a-zz", department="郑州市政府", groups={"region": ["郑州"]}),
        WatchRule(id="c-flood", groups={"event": ["洪水"]}),
    ]
    matches = compile_rules(rules, aliases={}).match(["郑州", "火灾"], [])
    assert [m.rule_id for m in matches] == ["b-fire", "a-zz"]
    assert [m.department for m in matches] == ["消防救援支队", "郑州市政府"]


def test_no_rules_and_no_tokens() -> None:
    assert compile_rules([]).match(["郑州"], ["爆炸"]) == []
    assert compile_rules([SAFETY]).match(None, None) == []
    assert len(compile_rules([SAFETY])) == 1


def test_a_word_shared_by_rules_and_groups_is_indexed_once_per_use() -> None:
    rules = [
        WatchRule(id="one", groups={"a": ["爆炸"], "b": ["爆炸", "工厂"]}),
        WatchRule(id="two", groups={"a": ["爆炸"]}, exclude=["工厂"]),
    ]
    ruleset = compile_rules(rules, aliases={})
    assert [m.rule_id for m in ruleset.match(["工厂", "爆炸"], [])] == ["one"]
    assert [m.rule_id for m in ruleset.match(["爆炸"], [])] == ["one", "two"]
