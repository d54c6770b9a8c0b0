"""Sentiment: the bundled model on real news and posts, the fast scorer against its definition,
registers, and the model file.

Runs without the shared corpora. The news sentences are real headlines and leads: CEC emergency
reports (``cec_emergency_dev.jsonl``) and THUCNews headlines (``thucnews_titles_dev.csv``), neither
of which the model was trained on; the posts are from the held-apart parts of the Weibo sets, or
written for these tests where marked.
"""

from __future__ import annotations

import gzip
import json
import math
from pathlib import Path

import pytest

from sentinel.analyse.sentiment import (
    DEFAULT_MODEL,
    MAX_CHARS,
    TABLES,
    FixedSentiment,
    Register,
    RegisterWeights,
    SentimentModel,
    SentimentScorer,
    features,
    guess_register,
    join_emoticons,
    meta_path,
    read_words,
    register_of_source,
)
from sentinel.analyse.tokenize import Tokenizer, default_tokenizer

NEWS, POST = Register.NEWS, Register.POST

#: News of deaths, accidents, disasters and scandals: negative for the public and the government,
#: though reported in a neutral voice. (title, lead)
NEGATIVE_NEWS = [
    ("京珠高速韶关段 高速大巴撞货车17人死", "昨天凌晨1时10分左右，京珠北高速公路乳源东田段北行方向发生特大交通事故，"
     "一辆高速行驶的大客车追尾撞上故障大货车，共造成17人死亡、1人重伤、4人轻伤，28人轻微伤。"),
    ("宁夏两客车相撞11人死", "新华社发当日中午12时17分，在211国道宁夏盐池县惠安堡段，两辆大客车发生迎面相撞事故。"
     "事故造成两车至少11人死亡，25人受伤。目前事故原因还在调查之中。"),
    ("手机充电器爆炸引发大火 致2死2伤", "昨日凌晨，发生在海珠区南村路一民居的一场大火，导致家中两位老人死亡，"
     "女主人跟小女儿受伤，根据警方初步调查结果，是电路短路导致手机充电器爆炸引发火灾。"),
    ("北京库房火灾中12人亡", "本报讯据北京市公安局官方微博“平安北京”最新消息，昨日凌晨2时许，警方在小武基村火灾现场"
     "又找到一名遇难群众。截至目前，火灾已造成12人死亡。"),
    ("阿尔及利亚汽车炸弹爆炸　11人死31人伤", "新快报讯8月20日，阿尔及利亚发生两起汽车炸弹爆炸事件，造成11人死亡。"),
    ("国道315线德令哈段发生一起交通事故两车相撞4死3伤", ""),
    ("湖北武昌18名学生快餐店吃晚餐后食物中毒", ""),
    ("面包车起火 致十人伤亡", ""),
    ("巴基斯坦清真寺爆炸已致30人死亡150人受伤", ""),
    ("初中生冻死在学校排水沟续：正副两校长被免职", ""),
    ("交警酒驾撞死人后逃逸续：控方认可其自首情节", ""),
    ("两人盗骨灰敲诈死者亲属被判刑", ""),
    ("男子申请25台POS机非法套现转账 涉案金额5亿", ""),
]
#: Good news, and ordinary news of no harm to anyone: not negative.
NOT_NEGATIVE_NEWS = [
    ("中国学生在联合国实习收到英国大学录取通知", ""),
    ("体验2D巅峰 倚天屠龙记十大创新概览", ""),
    ("60年铁树开花形状似玉米芯(组图)", ""),
    # the first four education headlines of thucnews_titles_dev.csv
    ("状元心经：考前一周重点是回顾和整理", ""),
    ("2010英国新政府“三把火”或影响留学业", ""),
    ("麻辣点评：如何走出“被留学”的尴尬", ""),
    ("辽宁2009年运动员考生统一测试开始", ""),
]
#: Posts: the first four of each list are from the held-apart parts of weibo2018 and SMP2020-EWECT
#: (its eval split), the rest were written for these tests.
POSITIVE_POSTS = [
    "卜凡 下飞机的惊喜啊我们铁血凡妻太棒了🙈希望你喜欢 你要知道好多好多人在喜欢你",
    "哈哈哈哈，这是我看到的最搞笑的恐怖漫画",
    "无论是心情多么低沉的夜晚，天光大亮后都是崭新的开始。",
    "小紧张~不过美美羊和圆圆媛要去看我表演，好开森啊！",
    "今天天气真好，和朋友一起去公园玩，开心极了[哈哈]",
    "恭喜我们队夺冠，太棒了，为你们骄傲！",
    "感谢消防员的及时救援，你们辛苦了，致敬英雄",
]
NEGATIVE_POSTS = [
    "真的不想做作业厚 我恨设计",
    "考了两次普通话，每次都离目标差一点点，就一点点！！要被气死了！！",
    "这样折磨我真的好吗？为什么我背的题一道都不考，伐开心",
    "一个人真无聊，美食都没味了，你要在就好了…唉………",
    "排了三个小时的队，结果被告知没号了，真是无语又愤怒",
    "小区停水三天了，打了十几次电话都没人管，太失望了",
    "听到这个消息好难过，心里很难受[泪]",
]


@pytest.fixture(scope="module")
def tokenizer() -> Tokenizer:
    return default_tokenizer()


@pytest.fixture(scope="module")
def model() -> SentimentModel:
    return SentimentModel.load()


def score(model: SentimentScorer, tokenizer: Tokenizer, title: str, text: str, register: Register) -> float:
    """As the pipeline scores an item: the whole text's tokens and the title's."""
    head = tokenizer.tokenize(title)
    return model.score(head + tokenizer.tokenize(text), title=head, register=register)


def test_bundled_model_is_loaded_once_with_its_figures(model: SentimentModel) -> None:
    assert SentimentModel.load() is model
    assert SentimentModel.load(DEFAULT_MODEL) is model
    assert model.threshold == 0.5  # each register's bias was moved to its tuned threshold
    held_out = model.meta["held_out"]  # what training measured on the held-apart rows, kept with it
    assert held_out["bdci2019"]["auc"] >= 0.9 and held_out["bdci2019"]["negative_f1"] >= 0.8
    assert held_out["weibo2018"]["auc"] >= 0.9
    assert set(model.registers) == set(Register) and model.lexicon


@pytest.mark.parametrize("scorer", [SentimentModel.load(), FixedSentiment(0.2, 0.3)], ids=["bundled", "fake"])
@pytest.mark.parametrize("register", list(Register))
def test_every_scorer_keeps_the_contract(tokenizer: Tokenizer, scorer: SentimentScorer, register: Register) -> None:
    for title, text in [*NEGATIVE_NEWS[:3], *((t, "") for t in POSITIVE_POSTS), ("", "")]:
        value = score(scorer, tokenizer, title, text, register)
        assert 0.0 <= value <= 1.0
        assert scorer.negative(value) is (value < scorer.threshold)
    assert scorer.negative(0.0) and not scorer.negative(1.0)


@pytest.mark.parametrize("title, text", NEGATIVE_NEWS, ids=[t for t, _ in NEGATIVE_NEWS])
def test_news_of_deaths_accidents_and_scandals_is_negative(
    tokenizer: Tokenizer, model: SentimentModel, title: str, text: str
) -> None:
    assert model.negative(score(model, tokenizer, title, text, NEWS))


@pytest.mark.parametrize("title, text", NOT_NEGATIVE_NEWS, ids=[t for t, _ in NOT_NEGATIVE_NEWS])
def test_good_and_ordinary_news_is_not_negative(
    tokenizer: Tokenizer, model: SentimentModel, title: str, text: str
) -> None:
    assert not model.negative(score(model, tokenizer, title, text, NEWS))


def test_a_death_toll_weighs_more_than_a_rescue(tokenizer: Tokenizer, model: SentimentModel) -> None:
    deaths = score(model, tokenizer, "居民楼起火 致3人死亡", "", NEWS)
    rescue = score(model, tokenizer, "居民楼起火 消防员救出被困老人", "", NEWS)
    assert deaths < rescue


@pytest.mark.parametrize("text", POSITIVE_POSTS)
def test_clearly_positive_posts(tokenizer: Tokenizer, model: SentimentModel, text: str) -> None:
    assert not model.negative(score(model, tokenizer, "", text, POST))


@pytest.mark.parametrize("text", NEGATIVE_POSTS)
def test_clearly_negative_posts(tokenizer: Tokenizer, model: SentimentModel, text: str) -> None:
    assert model.negative(score(model, tokenizer, "", text, POST))


@pytest.mark.parametrize(
    "better, worse",
    [("这家店的服务很好", "这家店的服务很不好"), ("我喜欢这个设计", "我不喜欢这个设计")],
)
def test_negation_lowers_the_score(tokenizer: Tokenizer, model: SentimentModel, better: str, worse: str) -> None:
    assert score(model, tokenizer, "", better, POST) > score(model, tokenizer, "", worse, POST)


def test_fast_scorer_equals_the_sum_over_features(tokenizer: Tokenizer, model: SentimentModel) -> None:
    cases = [*NEGATIVE_NEWS[:4], *((t, "") for t in [*POSITIVE_POSTS, *NEGATIVE_POSTS]),
             ("", "不好不坏[doge]没意思"), ("", ""), ("", "["), ("", "好" * (MAX_CHARS + 50)),
             ("标题", "正文" * 200 + "11人死亡")]
    for register in Register:
        weights = model.registers[register]
        for title, text in cases:
            head = tokenizer.tokenize(title)
            words = head + tokenizer.tokenize(text)
            expected = weights.bias + sum(
                weights.tables[table].get(value, 0.0)
                for table, values in features(words, title=head, register=register, lexicon=model.lexicon,
                                              news_chars=model.news_chars).items()
                for value in values
            )
            assert model.logit(words, title=head, register=register) == pytest.approx(expected, abs=1e-9)
            assert model.score(words, title=head, register=register) == pytest.approx(1 / (1 + math.exp(-expected)))


def test_features_of_a_post() -> None:
    found = features(["我", "不", "喜欢", "[", "允悲", "]"], lexicon=frozenset({"喜欢"}))
    assert found["token"] == ["我", "不", "喜欢", "[允悲]"]
    assert found["negated"] == ["喜欢"]
    assert "我不" in found["char2"] and "我" in found["char1"] and "[" in found["char1"]
    assert found["lexicon"] == ["any"] and found["title_token"] == []
    assert join_emoticons(["[", "小黄人", "无奈", "]", "好"]) == ["[小黄人无奈]", "好"]
    assert join_emoticons(["[", "这不是一个表情因为太长了", "]"]) == ["[", "这不是一个表情因为太长了", "]"]
    long_text = [chr(0x4E00 + i) for i in range(MAX_CHARS + 100)]  # all different characters
    assert len(features(long_text)["char1"]) == MAX_CHARS  # only the head of a long text counts


def test_features_of_news_read_its_chinese_head_and_title_apart() -> None:
    words = ["致", "11", "人", "死亡", "，", "Xinhua", "[", "泪", "]"]
    assert read_words(words, NEWS, 80) == ["致", "人", "死亡", "泪"]  # digits, Latin, punctuation gone
    assert read_words(["一二三", "四五六"], NEWS, 4) == ["一二三"]  # at most news_chars characters
    found = features(["爆炸", "致", "11", "人", "死亡"], title=["爆炸"], register=NEWS,
                     lexicon=frozenset({"爆炸", "死亡"}), news_chars=80)
    assert found["char2"] == ["爆炸", "炸致", "致人", "人死", "死亡"]
    assert found["title_token"] == ["爆炸"] and found["title_char2"] == ["爆炸"]
    assert found["lexicon"] == ["any", "2", "title_any"]


@pytest.mark.parametrize("kind, authority, expected", [
    ("weibo", "self_media", POST), ("weibo", "central", POST), ("rss", "self_media", POST),
    ("push", "self_media", POST), ("rss", "central", NEWS), ("html", "local", NEWS), ("push", "local", NEWS),
    ("jsonfeed", "commercial", NEWS), (None, None, POST),
])
def test_the_register_of_a_source(kind: str | None, authority: str | None, expected: Register) -> None:
    assert register_of_source(kind, authority) is expected


def test_an_unknown_register_is_guessed_from_the_title() -> None:
    assert guess_register("宁夏两客车相撞11人死") is NEWS
    assert guess_register(None) is POST and guess_register("  ") is POST


def test_save_and_read_round_trip(tmp_path: Path) -> None:
    tables = {name: {} for name in TABLES}
    model = SentimentModel(
        registers={NEWS: RegisterWeights(-0.5, {**tables, "token": {"死亡": -2.0}, "lexicon": {"any": -1.0}}),
                   POST: RegisterWeights(0.5, {**tables, "token": {"好": 1.0}})},
        lexicon=frozenset({"死亡"}), news_chars=60, threshold=0.37, meta={"note": "test"},
    )
    path = tmp_path / "m.json.gz"
    model.save(path)
    assert meta_path(path) == tmp_path / "m.meta.json"
    again = SentimentModel.read(path)
    assert again.threshold == 0.37 and again.meta["note"] == "test" and again.news_chars == 60
    assert again.logit(["死亡"], register=NEWS) == pytest.approx(-3.5)
    assert again.logit(["死亡"], register=POST) == pytest.approx(0.5)
    assert again.score(["好"]) == pytest.approx(model.score(["好"]))
    assert SentimentModel.load(path) is SentimentModel.load(str(path))


@pytest.mark.parametrize("content, message", [
    ({"format": "other"}, "not a sentinel sentiment model"),
    ({"format": "sentinel-sentiment-linear/1", "bias": 0, "weights": {}}, "train-sentiment"),
    ({"format": "sentinel-sentiment-linear/2", "news_chars": 80, "registers": {}}, "registers"),
])
def test_reading_something_else_fails_with_a_reason(tmp_path: Path, content: dict, message: str) -> None:
    path = tmp_path / "bad.json.gz"
    path.write_bytes(gzip.compress(json.dumps(content).encode()))
    with pytest.raises(ValueError, match=message):
        SentimentModel.read(path)
