"""Category of an incident from a lexicon of weighted words."""

from __future__ import annotations

import pytest

from sentinel.analyse.category import Classification, classify, default_lexicon, load_lexicon
from sentinel.errors import ConfigError

# (title, text, expected code, expected subtype)
CASES = [
    ("", "京港澳高速发生一起多车追尾事故，造成2人死亡，交警正在调查事故原因。", "accident", "traffic_accident"),
    ("", "某小区一居民楼发生火灾，消防部门迅速扑灭明火，过火面积约50平方米。", "accident", "fire"),
    ("", "一煤矿发生透水事故，井下12人被困，救援正在进行。", "accident", "mining"),
    ("化工厂爆炸致3人死亡", "", "accident", "explosion"),
    ("", "凉山州发生森林火灾，扑火人员紧急赶赴火场。", "natural_disaster", "forest_fire"),
    ("", "四川泸定县发生6.8级地震，震源深度16千米，成都震感强烈。", "natural_disaster", "earthquake"),
    ("", "持续强降雨导致多地出现内涝，防汛部门启动应急响应。", "natural_disaster", "flood"),
    ("斐济洪灾持续数日至少6人死亡", "", "natural_disaster", "flood"),
    ("", "某小学60余名学生午餐后出现呕吐、腹泻症状，疑似食物中毒，疾控中心已介入调查。",
     "public_health", "food_poisoning"),
    ("", "市卫健委通报新增确诊病例3例，均与聚集性疫情相关。", "public_health", "epidemic"),
    ("", "暴徒持刀在火车站砍杀无辜群众，警方将此定性为暴力恐怖袭击事件。", "social_safety", "terrorist_attack"),
    ("联合国驻刚果(金)维和部队遭袭3死7伤", "", "social_safety", "terrorist_attack"),
    ("", "数百名村民聚集堵路，与执法人员发生冲突。", "social_safety", "mass_incident"),
    ("", "网传新规要求退休人员重新认证，人社局澄清：系谣言，属于对政策的误读。", "policy_misreading", None),
    ("", "小区物业费上涨三倍，业主集体投诉，居民反映物业拒绝公开收费明细。", "public_interest", None),
    ("", "幼儿园老师虐童视频曝光，涉事教师被刑拘。", "moral_livelihood", None),
    ("", "该视频在网上引发热议，相关话题登上热搜，网友纷纷质疑。", "social_hotspot", None),
    ("", "省领导作出批示，责成有关部门限期整改并尽快回应群众关切。", "superior_request", None),
]

NONE_CASES = [
    ("湖人队主场击败勇士", "詹姆斯砍下30分，球队取得三连胜。"),
    ("央行宣布下调存款准备金率", "下调0.5个百分点，释放长期资金约1万亿元。"),
    ("公司高层人事地震", "三名副总裁先后离职。"),
    ("暴雪娱乐宣布新游戏发售日期", ""),
    ("金融海啸冲击全球市场", ""),
    ("阿森纳不被看好之人惊喜一战 枪手一直缺的就是这类人", ""),
    ("", "市消防支队开展高层建筑火灾扑救演练，模拟被困人员疏散。"),
    ("", ""),
]


@pytest.mark.parametrize(("title", "text", "code", "subtype"), CASES)
def test_classify(title: str, text: str, code: str, subtype: str | None) -> None:
    c = classify(text, title or None)
    assert (c.code, c.subtype) == (code, subtype), c.scores
    assert c.name and c.kind in ("emergency", "opinion")
    assert c.matched and c.score > 0
    assert c.words == [m.word for m in c.matched]


@pytest.mark.parametrize(("title", "text"), NONE_CASES)
def test_background_news_has_no_category(title: str, text: str) -> None:
    c = classify(text, title or None)
    assert c.code is None, (c.code, c.words)
    assert c.matched == () and c.subtype is None


def test_names_and_matched_words_explain_the_decision() -> None:
    c = classify("消防官兵赶到现场扑灭明火。", "居民楼发生火灾")
    assert (c.name, c.subtype_name) == ("事故灾难", "火灾")
    fire = next(m for m in c.matched if m.word == "火灾")
    assert fire.in_title and fire.subtype == "fire" and fire.score == fire.weight * 2  # title weighs double
    assert c.scores[0][0] == "accident"


def test_title_weighs_more_than_body() -> None:
    in_title = classify("记者赶到现场。", "发生一起交通事故")
    in_body = classify("发生一起交通事故。记者赶到现场。")
    assert in_title.score > in_body.score > 0


def test_repeats_are_capped() -> None:
    once = classify("发生交通事故。")
    many = classify("发生交通事故。" * 10)
    assert many.score == 3 * once.score  # max_repeats: 3


def test_patterns_show_the_matched_text() -> None:
    c = classify("", "俄达吉斯坦军营遇袭5死39伤")
    assert "5死" in c.words and "39伤" in c.words


def test_tokens_keep_short_words_inside_tokens() -> None:
    text = "昨天发生一起火灾。"
    assert "起火" in classify(text).words            # substring: 一起火灾 contains 起火
    tokens = ["昨天", "发生", "一起", "火灾", "。"]
    words = classify(text, tokens=tokens).words
    assert "起火" not in words and "火灾" in words


def test_caller_lexicon_extends_and_overrides() -> None:
    extra = {"categories": {
        "accident": {"subtypes": {"traffic_accident": {"words": {"交通事故": None}}}},
        "local_topic": {"name": "本地话题", "kind": "opinion", "words": {"共享单车": 7}},
    }}
    lex = load_lexicon(extra)
    assert classify("共享单车乱停乱放", lexicon=lex).code == "local_topic"
    assert classify("发生交通事故", lexicon=lex).code is None   # word removed
    assert classify("发生交通事故").code == "accident"           # default untouched
    assert classify("共享单车乱停乱放", lexicon=extra).name == "本地话题"  # a plain mapping works too


def test_replace_lexicon_stands_alone() -> None:
    lex = load_lexicon({"categories": {"x": {"name": "X", "words": {"甲乙": 9}}}}, replace=True)
    assert classify("甲乙丙", lexicon=lex).code == "x"
    assert classify("发生交通事故", lexicon=lex).code is None


def test_invalid_lexicon_is_a_config_error() -> None:
    with pytest.raises(ConfigError):
        load_lexicon({"categories": {"x": {"words": {"甲": "heavy"}}}}, replace=True)
    with pytest.raises(ConfigError):
        load_lexicon({"title_weight": 2}, replace=True)


def test_words_are_found_inside_longer_words_and_across_each_other() -> None:
    # 甲乙丙 and its prefix 甲乙, 乙丙 inside it, 丙丁 overlapping it, 丁 alone: every one is counted.
    words = {"甲乙丙": 1, "甲乙": 1, "乙丙": 1, "丙丁": 1, "丁": 1, "戊己": 1}
    lex = load_lexicon({"categories": {"x": {"name": "X", "kind": "opinion", "words": words}},
                        "min_score": 0, "min_words": 1, "core_weight": 0}, replace=True)
    found = {m.word: m.count for m in classify("甲乙丙丁，甲乙戊", lexicon=lex).matched}
    assert found == {"甲乙丙": 1, "甲乙": 2, "乙丙": 1, "丙丁": 1, "丁": 1}


def test_an_empty_word_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="empty word"):
        load_lexicon({"categories": {"x": {"name": "X", "words": {"": 3, "甲乙": 9}}}}, replace=True)


def test_default_lexicon_is_loaded_once() -> None:
    assert default_lexicon() is default_lexicon()
    assert load_lexicon() is default_lexicon()


def test_empty_classification() -> None:
    c = Classification()
    assert c.code is None and c.words == [] and c.score == 0.0


# A stated casualty count is core evidence that something happened; the category's own words say what.
# Headlines from THUCNews except where noted.
CASUALTY_CASES = [
    ("安阳殷都区隧道工地塌方事故死亡人数上升至20人", "accident", "collapse"),  # the incident report of issue 12
    ("某县一在建工地基坑塌方致3人死亡", "accident", "collapse"),
    ("男子乱刀捅死情人丈夫 曾多次作案失败", "social_safety", "criminal_case"),
    ("男子用女友睡衣将其勒死被判死刑", "social_safety", "criminal_case"),
    ("美小型飞机当街坠落一死三伤", "accident", None),
    ("纽约一架直升机坠入东河致一人死亡", "accident", "aviation"),
]
# Casualties alone say nothing of the kind of event; idioms are no casualties.
CASUALTY_NONE_CASES = ["某地5人死亡", "笑死了笑死了打死都不删够你笑到明了"]  # the second from BDCI 2019


@pytest.mark.parametrize(("title", "code", "subtype"), CASUALTY_CASES)
def test_a_casualty_count_is_core_evidence(title: str, code: str, subtype: str | None) -> None:
    c = classify("", title)
    assert (c.code, c.subtype) == (code, subtype), c.scores
    assert any(m.shared for m in c.matched) and any(not m.shared for m in c.matched)


@pytest.mark.parametrize("title", CASUALTY_NONE_CASES)
def test_casualties_alone_choose_no_category(title: str) -> None:
    assert classify("", title).code is None


def test_a_cave_in_on_a_mountain_is_geological() -> None:
    c = classify("", "某地山体塌方致3人死亡")
    assert (c.code, c.subtype) == ("natural_disaster", "geological")


def test_the_tunnel_collapse_gets_its_grade() -> None:
    from sentinel.analyse.facts import extract_facts
    from sentinel.analyse.grading import grade_floor

    title = "安阳殷都区隧道工地塌方事故死亡人数上升至20人"
    c = classify("", title)
    decision = grade_floor(extract_facts("", title), c.code, c.subtype)
    assert decision.grade is not None and decision.grade.value == "II", decision.reasons
