"""The labelled corpora sentiment is trained and measured on, each row in a fixed part.

Read from a folder of the shared corpora (file names as below; a missing file is skipped). Label 1
is positive or "not negative", 0 negative — negative for the public and the government.

=====================================  =========  ================================================
file                                   register   label 0 (negative)
=====================================  =========  ================================================
``bdci2019_news_sentiment_dev.csv``    news       ``negative`` (the news' stance); positive and
                                                  neutral are 1
``weibo2018_train.csv``                post       0 (hand-labelled polarity)
``smp2020_ewect_train_eval.jsonl``     post       angry, sad, fear; neutral, happy, surprise are 1
``clue_emotion2020_valid.jsonl``       post       sadness, anger, disgust, fear; like, happiness are
                                                  1; surprise is left out
``weibo_senti_100k_recovered.csv``     post       0 (derived from the emoticons in every row)
=====================================  =========  ================================================

The split, the same on every machine: a row goes to ``test`` (20%, held apart: never trained or
tuned on), ``dev`` (10%, where thresholds and options are tuned) or ``train`` (70%) by the CRC-32 of
its corpus prefix and id (:func:`split_part`). SMP2020-EWECT keeps its own ``eval`` split as
``test`` and takes ``dev`` from its ``train`` split the same way.
"""

from __future__ import annotations

import csv
import json
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sentinel.analyse.sentiment import Register, SentimentModel, features, reading
from sentinel.analyse.tokenize import Tokenizer

#: Weibo emoticons such as [哈哈] or [泪]. weibo_senti_100k's labels were derived from them.
EMOTICON = re.compile(r"\[[^\[\]\s]{1,8}\]")
_TOPIC_MARKUP = re.compile(r"\{%|%\}")  # weibo2018 wraps #topics# in {% %}
_NEGATIVE_EMOTIONS = {"angry", "sad", "fear", "anger", "sadness", "disgust"}
PARTS = ("train", "dev", "test")
#: The corpora in the order figures are printed: news first, then the Weibo sets.
CORPORA = ("bdci2019", "weibo2018", "smp2020_usual", "smp2020_virus", "clue2020", "weibo_senti_100k")


@dataclass(frozen=True, slots=True)
class Example:
    corpus: str  # one of CORPORA
    part: str  # train, dev or test
    label: int  # 1 positive / not negative, 0 negative
    text: str  # the body (a post's whole text)
    title: str = ""
    register: Register = Register.POST


def split_part(key: str) -> str:
    """``test``, ``dev`` or ``train`` for a row's key, the same on every machine."""
    bucket = zlib.crc32(key.encode("utf-8")) % 10
    return "test" if bucket < 2 else "dev" if bucket == 2 else "train"


def load_corpora(data_dir: str | Path, *, all_test: bool = False) -> list[Example]:
    """Every labelled row in ``data_dir`` whose file exists there, with its part.

    ``all_test`` puts every row in ``test``: for a folder of text the model has never seen.
    """
    rows = [*_bdci(Path(data_dir)), *_weibo2018(Path(data_dir)), *_smp2020(Path(data_dir)),
            *_clue2020(Path(data_dir)), *_weibo_senti(Path(data_dir))]
    if all_test:
        rows = [Example(row.corpus, "test", row.label, row.text, row.title, row.register) for row in rows]
    return rows


def example_features(row: Example, tokenizer: Tokenizer, lexicon: frozenset[str], news_chars: int,
                     register: Register | None = None) -> tuple[Register, dict[str, list[str]]]:
    """:func:`~sentinel.analyse.sentiment.features` of a corpus row, tokenised as the pipeline does,
    given as ``register`` (default: the row's own), and the register it is read in
    (:func:`~sentinel.analyse.sentiment.reading`). A news row given as a post is a post carrying the
    headline and lead as its text (a repost of the news), without a title of its own."""
    register = register or row.register
    title = tokenizer.tokenize(row.title) if row.title else []
    words = title + tokenizer.tokenize(row.text)
    if register is Register.POST:
        title = []
    _, read_as = reading(words, title, register)
    return read_as, features(words, title=title, register=register, lexicon=lexicon, news_chars=news_chars)


def score_example(model: SentimentModel, row: Example, tokenizer: Tokenizer, *, strip: bool = False) -> float:
    """The model's score of a corpus row, as the pipeline would score it (``strip``: emoticons removed)."""
    text = EMOTICON.sub("", row.text) if strip else row.text
    title = tokenizer.tokenize(row.title) if row.title else []
    return model.score(title + tokenizer.tokenize(text), title=title, register=row.register)


def _bdci(root: Path) -> Iterator[Example]:
    path = root / "bdci2019_news_sentiment_dev.csv"
    for row in _csv(path):
        if row["label"] not in ("positive", "neutral", "negative"):
            raise ValueError(f"{path}: row {row['id']}: unknown label {row['label']!r}")
        yield Example("bdci2019", split_part("bdci" + row["id"]), 0 if row["label"] == "negative" else 1,
                      row["content"], row["title"], Register.NEWS)


def _weibo2018(root: Path) -> Iterator[Example]:
    for row in _csv(root / "weibo2018_train.csv"):
        text = _TOPIC_MARKUP.sub("", row["text"])
        yield Example("weibo2018", split_part("w18" + row["mid"]), int(row["label"]), text)


def _smp2020(root: Path) -> Iterator[Example]:
    for item in _jsonl(root / "smp2020_ewect_train_eval.jsonl"):
        key = f"smp{item['subset']}{item['id']}"
        part = "test" if item["split"] == "eval" else ("dev" if split_part(key) == "dev" else "train")
        label = 0 if item["label"] in _NEGATIVE_EMOTIONS else 1
        yield Example(f"smp2020_{item['subset']}", part, label, item["content"])


def _clue2020(root: Path) -> Iterator[Example]:
    for item in _jsonl(root / "clue_emotion2020_valid.jsonl"):
        if item["label"] != "surprise":  # neither side of polarity
            label = 0 if item["label"] in _NEGATIVE_EMOTIONS else 1
            yield Example("clue2020", split_part(f"clue{item['id']}"), label, item["content"])


def _weibo_senti(root: Path) -> Iterator[Example]:
    for row in _csv(root / "weibo_senti_100k_recovered.csv"):
        text = row["review"]
        yield Example("weibo_senti_100k", split_part("senti" + text), int(row["label"]), text)


def _csv(path: Path) -> Iterator[dict[str, str]]:
    if path.exists():
        with path.open(encoding="utf-8", newline="") as handle:
            yield from csv.DictReader(handle)


def _jsonl(path: Path) -> Iterator[dict[str, Any]]:
    if path.exists():
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    yield json.loads(line)
