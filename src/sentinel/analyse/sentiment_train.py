"""Training and measuring the sentiment model on the shared labelled corpora.

Kept apart from :mod:`sentinel.analyse.sentiment` so the daemon never loads it. Every corpus is
split the same way on every machine: a row goes to ``test`` (20%), ``dev`` (10%) or ``train`` (70%)
by the CRC-32 of its id, except where the corpus has its own evaluation split (SMP2020-EWECT ``eval``
is test) or is held out whole (CLUE emotion2020 is never trained on). The threshold is tuned on
``dev``; ``test`` is only measured. Label 1 is positive (or "not negative"), 0 negative.
"""

from __future__ import annotations

import csv
import json
import math
import random
import re
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sentinel.analyse.sentiment import TABLES, SentimentModel, features
from sentinel.analyse.tokenize import Tokenizer, default_tokenizer

#: Weibo emoticons such as [哈哈] or [泪]. weibo_senti_100k's labels were derived from them.
EMOTICON = re.compile(r"\[[^\[\]\s]{1,8}\]")
_TOPIC_MARKUP = re.compile(r"\{%|%\}")  # weibo2018 wraps #topics# in {% %}
_NEGATIVE_EMOTIONS = {"angry", "sad", "fear", "anger", "sadness", "disgust"}
_PREFIX = {"token": "t:", "negated": "n:", "char1": "c:", "char2": "b:"}


@dataclass(frozen=True, slots=True)
class Example:
    corpus: str  # weibo2018, smp2020_usual, smp2020_virus, weibo_senti_100k, clue2020
    part: str  # train, dev or test
    label: int  # 1 positive / not negative, 0 negative
    text: str


@dataclass
class TrainingReport:
    """What :func:`train_sentiment` did: sizes, the tuned threshold and held-out figures."""

    model_path: Path
    method: str
    train_rows: dict[str, int]
    features: int
    threshold: float
    dev: dict[str, float]
    test: dict[str, dict[str, float]] = field(default_factory=dict)

    def __str__(self) -> str:
        lines = [
            f"wrote {self.model_path} ({self.method}, {self.features} features, "
            f"trained on {sum(self.train_rows.values())} rows: {self.train_rows})",
            f"negative threshold {self.threshold} (dev: {self.dev})",
        ]
        lines += [f"held-out {corpus}: {metrics}" for corpus, metrics in self.test.items()]
        return "\n".join(lines)


def split_part(key: str) -> str:
    """``test``, ``dev`` or ``train`` for a row id, the same on every machine."""
    bucket = zlib.crc32(key.encode("utf-8")) % 10
    return "test" if bucket < 2 else "dev" if bucket == 2 else "train"


def load_corpora(data_dir: str | Path) -> list[Example]:
    """Every labelled Weibo row in ``data_dir`` that exists there, with its part."""
    root = Path(data_dir)
    rows: list[Example] = []
    path = root / "weibo2018_train.csv"
    if path.exists():
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                text = _TOPIC_MARKUP.sub("", row["text"])
                rows.append(Example("weibo2018", split_part("w18" + row["mid"]), int(row["label"]), text))
    path = root / "smp2020_ewect_train_eval.jsonl"
    if path.exists():
        for item in _jsonl(path):
            key = f"smp{item['subset']}{item['id']}"
            part = "test" if item["split"] == "eval" else ("dev" if split_part(key) == "dev" else "train")
            label = 0 if item["label"] in _NEGATIVE_EMOTIONS else 1
            rows.append(Example(f"smp2020_{item['subset']}", part, label, item["content"]))
    path = root / "weibo_senti_100k_recovered.csv"
    if path.exists():
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                text = row["review"]
                rows.append(Example("weibo_senti_100k", split_part("senti" + text), int(row["label"]), text))
    path = root / "clue_emotion2020_valid.jsonl"
    if path.exists():
        for item in _jsonl(path):
            if item["label"] != "surprise":  # neither side of polarity
                label = 0 if item["label"] in _NEGATIVE_EMOTIONS else 1
                rows.append(Example("clue2020", "test", label, item["content"]))
    return rows


def flat_features(tokens: Sequence[str]) -> list[str]:
    """:func:`~sentinel.analyse.sentiment.features` as one list of table-prefixed strings."""
    return [_PREFIX[name] + value for name, values in features(tokens).items() for value in values]


def train_sentiment(
    data_dir: str | Path,
    out_path: str | Path,
    *,
    method: str = "logistic",
    corpora: Iterable[str] = ("weibo2018", "smp2020_usual", "smp2020_virus"),
    corpus_weights: dict[str, float] | None = None,
    strip_emoticons: Iterable[str] = ("weibo_senti_100k",),
    epochs: int = 5,
    learning_rate: float = 0.05,
    l2: float = 1e-6,
    min_count: int = 3,
    prune: float = 0.05,
    seed: int = 7,
    tune_on: Iterable[str] = ("weibo2018",),
    tokenizer: Tokenizer | None = None,
    log: Callable[[str], None] | None = None,
) -> TrainingReport:
    """Train a sentiment model on the ``train`` rows of ``corpora`` and save it to ``out_path``.

    ``method`` is ``logistic`` (the shipped model: Adagrad logistic regression) or ``bayes``
    (snownlp's ``Bayes`` on the same features). ``corpus_weights`` weigh rows per corpus (default:
    weibo2018, the hand-labelled polarity set, counts 3 times). Emoticons are removed from the
    corpora in ``strip_emoticons``, whose labels came from them. Features seen fewer than
    ``min_count`` times are not learnt, and learnt weights within ``prune`` of the unknown-feature
    weight are dropped (smaller file, faster lookups; about 0.001 AUC). The negative threshold is
    the one that maximises negative-class F1 on the ``dev`` rows of ``tune_on``. Deterministic for
    a seed.
    """
    say = log or (lambda _message: None)
    tokenizer = tokenizer or default_tokenizer()
    wanted, strip = set(corpora), set(strip_emoticons)
    weights = {"weibo2018": 3.0} if corpus_weights is None else corpus_weights
    rows = [row for row in load_corpora(data_dir) if row.corpus in wanted or row.part != "train"]
    train = [row for row in rows if row.part == "train" and row.corpus in wanted]
    if not train:
        raise ValueError(f"no training rows for {sorted(wanted)} in {data_dir}")
    say(f"tokenising {len(train)} training rows")
    docs = [flat_features(tokenizer.tokenize(_clean(row, strip))) for row in train]
    labels = [row.label for row in train]
    sample_weights = [weights.get(row.corpus, 1.0) for row in train]
    say(f"training {method} on {len(docs)} rows")
    if method == "logistic":
        model = _train_logistic(docs, labels, sample_weights, epochs, learning_rate, l2, min_count, seed)
    elif method == "bayes":
        model = _train_bayes(docs, labels, sample_weights, min_count)
    else:
        raise ValueError(f"method must be logistic or bayes, got {method!r}")
    for name, table in model.weights.items():
        model.weights[name] = {k: v for k, v in table.items() if abs(v - model.unknown) >= prune}

    model.save(out_path)  # weights are rounded on save: tune and measure the model as it is read back
    model = SentimentModel.read(Path(out_path))
    tune = [row for row in rows if row.part == "dev" and row.corpus in set(tune_on)]
    if not {row.label for row in tune} >= {0, 1}:
        raise ValueError(f"no dev rows of both labels in {sorted(set(tune_on))} to tune the threshold on")
    dev_scores = [model.score(tokenizer.tokenize(row.text)) for row in tune]
    model.threshold = best_threshold(dev_scores, [row.label for row in tune])
    dev = binary_metrics(dev_scores, [row.label for row in tune], model.threshold)
    test: dict[str, dict[str, float]] = {}
    for corpus in sorted({row.corpus for row in rows if row.part == "test"}):
        held = [row for row in rows if row.part == "test" and row.corpus == corpus]
        scores = [model.score(tokenizer.tokenize(row.text)) for row in held]
        test[corpus] = binary_metrics(scores, [row.label for row in held], model.threshold)
        say(f"held-out {corpus}: {test[corpus]}")
    model.meta = {
        "method": method,
        "train_rows": dict(Counter(row.corpus for row in train)),
        "corpus_weights": weights,
        "features": sum(len(table) for table in model.weights.values()),
        "tokenizer": {"hmm": tokenizer.hmm},
        "options": {
            "epochs": epochs,
            "learning_rate": learning_rate,
            "l2": l2,
            "min_count": min_count,
            "prune": prune,
            "seed": seed,
        },
        "threshold_tuned_on": sorted(set(tune_on)),
        "dev": dev,
        "held_out": test,
    }
    model.save(out_path)
    return TrainingReport(
        Path(out_path), method, model.meta["train_rows"], model.meta["features"], model.threshold, dev, test
    )


def _clean(row: Example, strip: set[str]) -> str:
    return EMOTICON.sub("", row.text) if row.corpus in strip else row.text


def _train_logistic(
    docs: list[list[str]],
    labels: list[int],
    weights: list[float],
    epochs: int,
    learning_rate: float,
    l2: float,
    min_count: int,
    seed: int,
) -> SentimentModel:
    """Logistic regression by Adagrad SGD over binary features, in plain Python (no numpy needed)."""
    counts = Counter(f for doc in docs for f in doc)
    kept = [[f for f in doc if counts[f] >= min_count] for doc in docs]
    w: dict[str, float] = {}
    g: dict[str, float] = {}
    bias, g_bias = 0.0, 1e-8
    order = list(range(len(kept)))
    rng = random.Random(seed)
    for _ in range(epochs):
        rng.shuffle(order)
        for i in order:
            doc = kept[i]
            z = bias + sum(w.get(f, 0.0) for f in doc)
            p = 1.0 / (1.0 + math.exp(-z)) if z >= 0 else 1.0 - 1.0 / (1.0 + math.exp(z))
            grad = (p - labels[i]) * weights[i]
            g_bias += grad * grad
            bias -= learning_rate * grad / math.sqrt(g_bias)
            for f in doc:
                wf = w.get(f, 0.0)
                gf = grad + l2 * wf
                acc = g.get(f, 1e-8) + gf * gf
                g[f] = acc
                w[f] = wf - learning_rate * gf / math.sqrt(acc)
    return SentimentModel(bias=bias, weights=_tables(w))


def _train_bayes(
    docs: list[list[str]], labels: list[int], weights: list[float], min_count: int
) -> SentimentModel:
    """snownlp's ``Bayes`` trained on the features, turned into the same linear form.

    For two classes ``Bayes.classify`` is the sigmoid of ``log P(pos) - log P(neg)`` plus, per
    feature, ``log P(f|pos) - log P(f|neg)`` (add-one smoothed); a feature it never saw adds
    ``log(T_neg / T_pos)``. Row weights are whole repeats (snownlp counts occurrences).
    """
    from snownlp.classification.bayes import Bayes

    counts = Counter(f for doc in docs for f in doc)
    data: list[tuple[list[str], str]] = []
    for doc, label, weight in zip(docs, labels, weights, strict=True):
        data.extend(
            ([f for f in doc if counts[f] >= min_count], "pos" if label else "neg")
            for _ in range(round(weight))
        )
    bayes = Bayes()
    bayes.train(data)
    return bayes_to_linear(bayes)


def bayes_to_linear(bayes: Any) -> SentimentModel:
    """A two-class snownlp ``Bayes`` ('pos'/'neg') as a :class:`SentimentModel` that scores the same."""
    pos, neg = bayes.d["pos"], bayes.d["neg"]
    t_pos, t_neg = pos.getsum(), neg.getsum()
    weights = {
        f: math.log(pos.get(f)[1] / t_pos) - math.log(neg.get(f)[1] / t_neg) for f in set(pos.d) | set(neg.d)
    }
    return SentimentModel(
        bias=math.log(t_pos) - math.log(t_neg), weights=_tables(weights), unknown=math.log(t_neg / t_pos)
    )


def _tables(flat: dict[str, float]) -> dict[str, dict[str, float]]:
    by_prefix = {prefix: name for name, prefix in _PREFIX.items()}
    tables: dict[str, dict[str, float]] = {name: {} for name in TABLES}
    for key, value in flat.items():
        tables[by_prefix[key[:2]]][key[2:]] = value
    return tables


def auc(scores: Sequence[float], labels: Sequence[int]) -> float:
    """Area under the ROC curve: the chance a positive row scores above a negative one (ties half)."""
    ranked = sorted(zip(scores, labels, strict=True))
    positives = sum(labels)
    negatives = len(labels) - positives
    if not positives or not negatives:
        return float("nan")
    rank_sum, i = 0.0, 0
    while i < len(ranked):
        j = i
        while j < len(ranked) and ranked[j][0] == ranked[i][0]:
            j += 1
        mean_rank = (i + j + 1) / 2
        rank_sum += mean_rank * sum(1 for k in range(i, j) if ranked[k][1] == 1)
        i = j
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


def binary_metrics(scores: Sequence[float], labels: Sequence[int], threshold: float) -> dict[str, float]:
    """Accuracy, macro-F1, negative-class F1 (a score below ``threshold`` is negative) and AUC."""
    tp, fp, fn, tn = _confusion(scores, labels, threshold)
    f1_negative = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    f1_positive = 2 * tn / (2 * tn + fn + fp) if tn else 0.0
    return {
        "n": len(labels),
        "accuracy": round((tp + tn) / len(labels), 4) if labels else 0.0,
        "macro_f1": round((f1_negative + f1_positive) / 2, 4),
        "negative_f1": round(f1_negative, 4),
        "auc": round(auc(scores, labels), 4),
    }


def best_threshold(scores: Sequence[float], labels: Sequence[int]) -> float:
    """The threshold on a 0.005 grid that maximises negative-class F1 (the middle one of ties)."""
    grid = [i / 200 for i in range(1, 200)]
    results = []
    for threshold in grid:
        tp, fp, fn, _ = _confusion(scores, labels, threshold)
        results.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    best = max(results)
    ties = [t for t, value in zip(grid, results, strict=True) if value == best]
    return ties[len(ties) // 2]


def _confusion(scores: Sequence[float], labels: Sequence[int], threshold: float) -> tuple[int, int, int, int]:
    """(tp, fp, fn, tn) with the negative class as the one detected: it is what sentinel alerts on."""
    tp = fp = fn = tn = 0
    for score, label in zip(scores, labels, strict=True):
        if score < threshold:
            if label == 0:
                tp += 1
            else:
                fp += 1
        elif label == 0:
            fn += 1
        else:
            tn += 1
    return tp, fp, fn, tn


def _jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m sentinel.analyse.sentiment_train --data DIR --out PATH [--method bayes]``."""
    import argparse

    parser = argparse.ArgumentParser(description="Train sentinel's sentiment model on the shared corpora.")
    parser.add_argument("--data", required=True, type=Path, help="folder with the labelled corpora")
    parser.add_argument("--out", required=True, type=Path, help="model file to write (*.json.gz)")
    parser.add_argument("--method", choices=("logistic", "bayes"), default="logistic")
    args = parser.parse_args(argv)
    print(train_sentiment(args.data, args.out, method=args.method, log=print))


if __name__ == "__main__":
    main()
