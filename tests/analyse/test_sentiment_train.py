"""Training the sentiment model: corpora and their split, metrics, a deterministic model per register,
the threshold at 0.5, and the CLI command. Runs on tiny corpora written to tmp_path."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from sentinel.analyse.sentiment import Register, SentimentModel, meta_path
from sentinel.analyse.sentiment_corpora import load_corpora, split_part
from sentinel.analyse.sentiment_metrics import auc, best_threshold, binary_metrics
from sentinel.analyse.sentiment_train import train_sentiment
from sentinel.cli import main

GOOD = ["真开心", "太棒了", "好喜欢", "很满意", "感谢你们", "为你点赞", "非常好", "好幸福"]
BAD = ["太失望", "气死了", "好难过", "很糟糕", "差评", "烦死了", "真恶心", "好委屈"]
GOOD_NEWS = ["喜获丰收", "表彰先进", "顺利竣工", "圆满成功", "捐资助学", "获评优秀", "见义勇为", "成功救出"]
BAD_NEWS = ["致人死亡", "发生爆炸", "涉嫌诈骗", "贪污受贿", "车祸身亡", "工地坍塌", "集体中毒", "非法集资"]


def write_corpora(root: Path) -> None:
    """weibo2018-, SMP2020- and BDCI-shaped files: enough rows that every part has both labels."""
    rows = []
    for i in range(300):
        words = GOOD if i % 2 else BAD
        rows.append({"split": "train", "mid": str(10_000 + i), "label": str(i % 2),
                     "text": f"{words[i % 8]}，今天{words[(i * 3) % 8]}，第{i}次"})
    with (root / "weibo2018_train.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["split", "mid", "label", "text"])
        writer.writeheader()
        writer.writerows(rows)
    with (root / "smp2020_ewect_train_eval.jsonl").open("w", encoding="utf-8") as handle:
        for i, (label, text) in enumerate([("angry", "气死了"), ("happy", "真开心"), ("neutral", "今天周一")] * 10):
            split = "eval" if i < 6 else "train"
            handle.write(json.dumps({"subset": "usual", "split": split, "id": i, "content": text, "label": label},
                                    ensure_ascii=False) + "\n")
    news = []
    for i in range(300):
        label = ("positive", "neutral", "negative")[i % 3]
        words = BAD_NEWS if label == "negative" else GOOD_NEWS
        news.append({"id": f"n{i:04d}", "title": f"某地{words[i % 8]}", "content": f"记者获悉{words[(i * 5) % 8]}第{i}",
                     "label": label})
    with (root / "bdci2019_news_sentiment_dev.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["id", "title", "content", "label"])
        writer.writeheader()
        writer.writerows(news)


def test_corpora_are_split_the_same_way_everywhere(tmp_path: Path) -> None:
    write_corpora(tmp_path)
    rows = load_corpora(tmp_path)
    assert {row.corpus for row in rows} == {"bdci2019", "weibo2018", "smp2020_usual"}
    weibo = [row for row in rows if row.corpus == "weibo2018"]
    assert {row.part for row in weibo} == {"train", "dev", "test"}
    assert all(row.part == split_part("w18" + str(10_000 + i)) for i, row in enumerate(weibo))
    smp = [row for row in rows if row.corpus == "smp2020_usual"]
    assert [row.label for row in smp[:3]] == [0, 1, 1]  # angry is negative; happy and neutral are not
    assert all(row.part == "test" for row in smp[:6])  # SMP2020's own eval split is held apart
    news = [row for row in rows if row.corpus == "bdci2019"]
    assert all(row.register is Register.NEWS and row.title.startswith("某地") for row in news)
    assert [row.label for row in news[:3]] == [1, 1, 0]  # positive and neutral are not negative
    assert all(row.register is Register.POST for row in weibo + smp)
    assert {row.part for row in load_corpora(tmp_path, all_test=True)} == {"test"}


def test_a_bad_label_is_an_error_naming_the_row(tmp_path: Path) -> None:
    (tmp_path / "bdci2019_news_sentiment_dev.csv").write_text("id,title,content,label\nx1,标题,正文,bad\n",
                                                             encoding="utf-8")
    with pytest.raises(ValueError, match="x1"):
        load_corpora(tmp_path)


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


@pytest.mark.parametrize("scores, labels, low, high", [
    ([0.1, 0.2, 0.3, 0.7, 0.8], [0, 0, 0, 1, 1], 0.3, 0.7),  # separable: between the classes
    ([0.1, 0.2, 0.6, 0.7, 0.8], [0, 1, 0, 1, 1], 0.6, 0.7),  # catching the 0.6 negative is worth a false alarm
])
def test_best_threshold_maximises_negative_f1(scores: list[float], labels: list[int], low: float, high: float) -> None:
    threshold = best_threshold(scores, labels)
    assert low < threshold < high
    assert binary_metrics(scores, labels, threshold)["negative_f1"] == max(
        binary_metrics(scores, labels, t)["negative_f1"] for t in [s + 1e-6 for s in scores])


def test_training_is_deterministic_and_each_register_learns_its_own_words(tmp_path: Path) -> None:
    write_corpora(tmp_path)
    first, second = tmp_path / "a" / "s.json.gz", tmp_path / "b" / "s.json.gz"
    report = train_sentiment(tmp_path, first)
    train_sentiment(tmp_path, second)
    assert first.read_bytes() == second.read_bytes()
    assert meta_path(first).read_text() == meta_path(second).read_text()
    trained = SentimentModel.read(first)
    assert trained.threshold == 0.5
    assert report.test["bdci2019"]["auc"] > 0.9 and report.test["weibo2018"]["auc"] > 0.9  # toy corpora are easy
    assert trained.meta["held_out"] == report.test and trained.meta["dev"] == report.dev
    assert trained.meta["train_rows"]["news"]["bdci2019"] == sum(
        1 for row in load_corpora(tmp_path) if row.corpus == "bdci2019" and row.part == "train")
    assert "held-apart bdci2019" in str(report)
    assert trained.score(["气死了"]) < 0.5 < trained.score(["真开心"])
    assert trained.score(["某地", "发生爆炸"], title=["某地", "发生爆炸"], register=Register.NEWS) < 0.5
    assert trained.score(["某地", "顺利竣工"], title=["某地", "顺利竣工"], register=Register.NEWS) > 0.5
    assert trained.registers[Register.NEWS].tables != trained.registers[Register.POST].tables


def test_the_threshold_is_moved_to_one_half(tmp_path: Path) -> None:
    """After training, 0.5 splits each register's dev rows where negative-class F1 is best."""
    write_corpora(tmp_path)
    report = train_sentiment(tmp_path, tmp_path / "m.json.gz")
    assert report.dev["bdci2019"]["negative_f1"] == 1.0 and report.dev["weibo2018"]["negative_f1"] == 1.0


def test_training_needs_both_registers(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="news"):
        train_sentiment(tmp_path, tmp_path / "m.json.gz")


def test_the_cli_trains_and_says_what_it_measured(tmp_path: Path) -> None:
    write_corpora(tmp_path)
    out = tmp_path / "cli" / "sentiment.json.gz"
    result = CliRunner().invoke(main, ["model", "train-sentiment", "--data", str(tmp_path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "held-apart weibo2018" in result.output and out.exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    result = CliRunner().invoke(main, ["model", "train-sentiment", "--data", str(empty), "--out", str(out)])
    assert result.exit_code == 1 and "no training rows" in result.output


def test_the_runtime_never_imports_training() -> None:
    code = ("import sys; import sentinel.analyse.pipeline, sentinel.incidents.flows; "
            "print(sorted(m for m in sys.modules if m.startswith(('sentinel.analyse.sentiment_', 'sklearn'))))")
    found = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert found.strip() == "[]"
