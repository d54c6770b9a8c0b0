"""Sentiment: the bundled model, the fast scorer against its definition, training and metrics.

Runs without the shared corpora: handwritten sentences, and a tiny corpus written to tmp_path.
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pytest
from snownlp.classification.bayes import Bayes

from sentinel.analyse.sentiment import (
    DEFAULT_MODEL,
    MAX_CHARS,
    FixedSentiment,
    SentimentModel,
    SentimentScorer,
    features,
    join_emoticons,
    meta_path,
)
from sentinel.analyse.sentiment_train import (
    auc,
    bayes_to_linear,
    best_threshold,
    binary_metrics,
    flat_features,
    load_corpora,
    split_part,
    train_sentiment,
)
from sentinel.analyse.tokenize import Tokenizer, default_tokenizer

POSITIVE = [
    "今天天气真好，和朋友一起去公园玩，开心极了[哈哈]",
    "恭喜我们队夺冠，太棒了，为你们骄傲！",
    "感谢消防员的及时救援，你们辛苦了，致敬英雄",
    "这部电影真好看，推荐大家去看",
]
NEGATIVE = [
    "太气人了，这家店服务态度极差，再也不来了",
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


def test_bundled_model_is_loaded_once_with_a_tuned_threshold(model: SentimentModel) -> None:
    assert SentimentModel.load() is model
    assert SentimentModel.load(DEFAULT_MODEL) is model
    assert 0 < model.threshold < 1 and model.threshold != 0.5
    assert model.meta["held_out"]["weibo2018"]["auc"] >= 0.9  # what training measured, kept with it


@pytest.mark.parametrize("scorer", [SentimentModel.load(), FixedSentiment(0.2, 0.3)], ids=["bundled", "fake"])
def test_every_scorer_keeps_the_contract(tokenizer: Tokenizer, scorer: SentimentScorer) -> None:
    for text in [*POSITIVE, *NEGATIVE, ""]:
        score = scorer.score(tokenizer.tokens(text))
        assert 0.0 <= score <= 1.0
        assert scorer.negative(score) is (score < scorer.threshold)
    assert scorer.negative(0.0) and not scorer.negative(1.0)


@pytest.mark.parametrize("text", POSITIVE)
def test_clearly_positive_posts(tokenizer: Tokenizer, model: SentimentModel, text: str) -> None:
    score = model.score(tokenizer.tokens(text))
    assert 0 <= score <= 1
    assert not model.negative(score)


@pytest.mark.parametrize("text", NEGATIVE)
def test_clearly_negative_posts(tokenizer: Tokenizer, model: SentimentModel, text: str) -> None:
    score = model.score(tokenizer.tokens(text))
    assert 0 <= score <= 1
    assert model.negative(score)


@pytest.mark.parametrize(
    "better, worse",
    [("这家店的服务很好", "这家店的服务很不好"), ("我喜欢这个设计", "我不喜欢这个设计")],
)
def test_negation_lowers_the_score(
    tokenizer: Tokenizer, model: SentimentModel, better: str, worse: str
) -> None:
    assert model.score(tokenizer.tokens(better)) > model.score(tokenizer.tokens(worse))


def test_fast_scorer_equals_the_sum_over_features(tokenizer: Tokenizer, model: SentimentModel) -> None:
    texts = [*POSITIVE, *NEGATIVE, "不好不坏[doge]没意思", "", "[", "好" * (MAX_CHARS + 50)]
    for text in texts:
        tokens = tokenizer.tokens(text)
        expected = model.bias + sum(
            model.weights[name].get(value, model.unknown)
            for name, values in features(tokens).items()
            for value in values
        )
        assert model.logit(tokens) == pytest.approx(expected, abs=1e-9), text
        assert model.score(list(tokens.words)) == pytest.approx(1 / (1 + math.exp(-expected)))


def test_features() -> None:
    found = features(["我", "不", "喜欢", "[", "允悲", "]"])
    assert found["token"] == ["我", "不", "喜欢", "[允悲]"]
    assert found["negated"] == ["喜欢"]
    assert "我不" in found["char2"] and "我" in found["char1"]
    assert join_emoticons(["[", "小黄人", "无奈", "]", "好"]) == ["[小黄人无奈]", "好"]
    assert join_emoticons(["[", "这不是一个表情因为太长了", "]"]) == ["[", "这不是一个表情因为太长了", "]"]
    long_text = [chr(0x4E00 + i) for i in range(MAX_CHARS + 100)]  # all different characters
    assert len(features(long_text)["char1"]) == MAX_CHARS  # only the head of a long text counts


def test_save_and_read_round_trip(tmp_path: Path) -> None:
    model = SentimentModel(
        bias=0.5,
        weights={"token": {"好": 1.0}, "negated": {}, "char1": {}, "char2": {}},
        threshold=0.37,
        meta={"note": "test"},
    )
    path = tmp_path / "m.json.gz"
    model.save(path)
    assert meta_path(path) == tmp_path / "m.meta.json"
    again = SentimentModel.read(path)
    assert again.threshold == 0.37 and again.meta["note"] == "test"
    assert again.score(["好"]) == pytest.approx(model.score(["好"]))
    assert SentimentModel.load(path) is SentimentModel.load(str(path))


def test_reading_something_else_fails(tmp_path: Path) -> None:
    import gzip

    path = tmp_path / "bad.json.gz"
    path.write_bytes(gzip.compress(b'{"format": "other"}'))
    with pytest.raises(ValueError):
        SentimentModel.read(path)


def test_snownlp_bayes_as_a_linear_model_scores_the_same(tokenizer: Tokenizer) -> None:
    docs = [(flat_features(tokenizer.tokenize(t)), "pos") for t in POSITIVE]
    docs += [(flat_features(tokenizer.tokenize(t)), "neg") for t in NEGATIVE]
    bayes = Bayes()
    bayes.train(docs)
    linear = bayes_to_linear(bayes)
    for text in [*POSITIVE, *NEGATIVE, "完全没见过的句子", "服务很好但是排队太久"]:
        label, probability = bayes.classify(flat_features(tokenizer.tokenize(text)))
        expected = probability if label == "pos" else 1 - probability
        assert linear.score(tokenizer.tokenize(text)) == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize(
    "scores, labels, expected",
    [
        ([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1], 1.0),
        ([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1], 0.0),
        ([0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1], 0.5),
        ([0.1, 0.6, 0.4, 0.9], [0, 0, 1, 1], 0.75),
    ],
)
def test_auc(scores: list[float], labels: list[int], expected: float) -> None:
    assert auc(scores, labels) == pytest.approx(expected)


def test_binary_metrics_count_the_negative_class() -> None:
    # below 0.5 is negative: two true negatives found, one missed, one positive called negative
    metrics = binary_metrics([0.1, 0.2, 0.7, 0.3, 0.9, 0.8], [0, 0, 0, 1, 1, 1], 0.5)
    assert metrics["n"] == 6
    assert metrics["accuracy"] == pytest.approx(4 / 6, abs=1e-4)
    assert metrics["negative_f1"] == pytest.approx(2 * 2 / (2 * 2 + 1 + 1), abs=1e-4)
    assert best_threshold([0.1, 0.2, 0.3, 0.7, 0.8], [0, 0, 0, 1, 1]) < 0.7


def write_corpus(root: Path) -> None:
    """A tiny weibo2018-shaped corpus: enough rows that every part has both labels."""
    good = ["真开心", "太棒了", "好喜欢", "很满意", "感谢你们", "为你点赞", "非常好", "好幸福"]
    bad = ["太失望", "气死了", "好难过", "很糟糕", "差评", "烦死了", "真恶心", "好委屈"]
    rows = []
    for i in range(240):
        words = good if i % 2 else bad
        text = f"{words[i % 8]}，今天{words[(i * 3) % 8]}，第{i}次"
        rows.append({"split": "train", "mid": str(10_000 + i), "label": str(i % 2), "text": text})
    with (root / "weibo2018_train.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["split", "mid", "label", "text"])
        writer.writeheader()
        writer.writerows(rows)
    with (root / "smp2020_ewect_train_eval.jsonl").open("w", encoding="utf-8") as handle:
        for i, (label, text) in enumerate(
            [("angry", "气死了"), ("happy", "真开心"), ("neutral", "今天周一")] * 10
        ):
            split = "eval" if i < 6 else "train"
            handle.write(
                json.dumps({"subset": "usual", "split": split, "id": i, "content": text, "label": label})
                + "\n"
            )


def test_corpora_are_split_the_same_way_everywhere(tmp_path: Path) -> None:
    write_corpus(tmp_path)
    rows = load_corpora(tmp_path)
    assert {row.corpus for row in rows} == {"weibo2018", "smp2020_usual"}
    assert {row.part for row in rows if row.corpus == "weibo2018"} == {"train", "dev", "test"}
    assert all(row.part == split_part("w18" + str(10_000 + i)) for i, row in enumerate(rows[:240]))
    smp = [row for row in rows if row.corpus == "smp2020_usual"]
    assert [row.label for row in smp[:3]] == [0, 1, 1]  # angry is negative; happy and neutral are not
    assert all(row.part == "test" for row in smp[:6])


@pytest.mark.parametrize("method", ["logistic", "bayes"])
def test_training_is_deterministic_and_writes_model_and_threshold(tmp_path: Path, method: str) -> None:
    write_corpus(tmp_path)
    first, second = tmp_path / "a" / "s.json.gz", tmp_path / "b" / "s.json.gz"
    report = train_sentiment(tmp_path, first, method=method, epochs=3, min_count=1)
    train_sentiment(tmp_path, second, method=method, epochs=3, min_count=1)
    assert first.read_bytes() == second.read_bytes()
    assert meta_path(first).read_text() == meta_path(second).read_text()
    trained = SentimentModel.read(first)
    assert trained.threshold == report.threshold and 0 < report.threshold < 1
    assert report.test["weibo2018"]["auc"] > 0.9  # the toy corpus is easy
    assert trained.meta["method"] == method and "held_out" in trained.meta
    assert "negative threshold" in str(report)
    assert trained.score(["真开心"]) > trained.score(["气死了"])


def test_training_needs_data(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        train_sentiment(tmp_path, tmp_path / "m.json.gz")
