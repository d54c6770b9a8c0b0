"""Training the sentiment model on the labelled corpora, offline (needs scikit-learn: ``pip install
'sentinel-gov[train]'``). The daemon never imports this module; it reads the file it writes.

    sentinel model train-sentiment --data DIR [--out PATH]

Each register (:class:`~sentinel.analyse.sentiment.Register`) gets its own weights, trained on its
own corpora's ``train`` rows (:mod:`sentinel.analyse.sentiment_corpora`): news on the BDCI 2019 news
set, posts on the Weibo sets. A register's weights are a blend of two linear models over the same
binary features (:func:`~sentinel.analyse.sentiment.features`): logistic regression (scikit-learn's
liblinear, L2) and multinomial naive Bayes, whose log-odds are scaled to the regression's spread
before they are mixed. Both are sums of per-feature weights, so the blend is one weight per
feature. The register's bias is then moved so that the threshold maximising negative-class F1 on
its ``dev`` rows falls at 0.5. ``test`` rows are only measured. Deterministic for the same data.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.linear_model import LogisticRegression

from sentinel.analyse.sentiment import (
    MODEL_DIR,
    TABLES,
    Register,
    RegisterWeights,
    SentimentModel,
)
from sentinel.analyse.sentiment_corpora import CORPORA, Example, example_features, load_corpora, score_example
from sentinel.analyse.sentiment_metrics import best_threshold, binary_metrics
from sentinel.analyse.tokenize import Tokenizer, default_tokenizer

#: Words of casualties, disasters and wrongdoing; the model learns what their presence weighs.
LEXICON_FILE = MODEL_DIR / "sentiment_lexicon.txt"


@dataclass(frozen=True)
class RegisterOptions:
    """How one register's weights are trained."""

    corpora: tuple[str, ...]
    tune_on: tuple[str, ...]  # whose dev rows set the threshold
    corpus_weights: dict[str, float] = field(default_factory=dict)  # rows count this many times (default 1)
    c: float = 0.1  # inverse L2 strength of the regression
    bayes_mix: float = 0.5  # share of naive Bayes in the blend: 0 regression only, 1 Bayes only
    alpha: float = 0.3  # naive Bayes' additive smoothing
    title_scale: float = 1.0  # title features' value in the regression (> 1 regularises them less)
    min_count: int = 2  # features in fewer of the register's training rows are not learnt
    prune: float = 0.02  # learnt weights nearer 0 than this are dropped (smaller file, faster lookups)


NEWS = RegisterOptions(corpora=("bdci2019",), tune_on=("bdci2019",), c=0.1, bayes_mix=0.6, title_scale=1.41,
                       prune=0.05)
#: Posts learn from the news set too, read as posts (a repost of the headline and lead): the Weibo
#: sets label the writer's feeling, and a plain post about deaths is negative all the same.
POSTS = RegisterOptions(corpora=("weibo2018", "smp2020_usual", "smp2020_virus", "bdci2019"), tune_on=("weibo2018",),
                        corpus_weights={"weibo2018": 3.0, "bdci2019": 3.0}, c=0.2, bayes_mix=0.2, min_count=2,
                        prune=0.08)


@dataclass(frozen=True)
class TrainOptions:
    news: RegisterOptions = NEWS
    post: RegisterOptions = POSTS
    news_chars: int = 80  # Chinese characters read from a news item's head, title included
    seed: int = 7

    def of(self, register: Register) -> RegisterOptions:
        return self.news if register is Register.NEWS else self.post


@dataclass
class TrainingReport:
    """What :func:`train_sentiment` did: sizes, thresholds and the figures on dev and held-apart rows."""

    model_path: Path
    train_rows: dict[str, dict[str, int]]  # register → corpus → rows
    features: dict[str, int]
    dev: dict[str, dict[str, float]]
    test: dict[str, dict[str, float]]

    def __str__(self) -> str:
        lines = [f"wrote {self.model_path} (weights {self.features}; trained on {self.train_rows})",
                 "negative is score < 0.5 (each register's bias moved to its dev-tuned threshold)"]
        lines += [f"dev {corpus}: {metrics}" for corpus, metrics in self.dev.items()]
        lines += [f"held-apart {corpus}: {metrics}" for corpus, metrics in self.test.items()]
        return "\n".join(lines)


def train_sentiment(
    data_dir: str | Path,
    out_path: str | Path,
    options: TrainOptions | None = None,
    *,
    tokenizer: Tokenizer | None = None,
    log: Callable[[str], None] | None = None,
) -> TrainingReport:
    """Train on the corpora in ``data_dir`` and write the model (and its ``*.meta.json``) to ``out_path``."""
    options = options or TrainOptions()
    say = log or (lambda _message: None)
    tokenizer = tokenizer or default_tokenizer()
    lexicon = load_lexicon()
    rows = load_corpora(data_dir)
    by_register = {register: [row for row in rows if row.part == "train" and row.corpus in options.of(register).corpora]
                   for register in Register}
    for register, train in by_register.items():
        if {row.label for row in train} != {0, 1}:
            raise ValueError(f"no training rows of both labels for {register.value} "
                             f"({', '.join(options.of(register).corpora)}) in {data_dir}")
    weights: dict[Register, RegisterWeights] = {}
    for register, candidates in by_register.items():
        say(f"{register.value}: features of {len(candidates)} training rows")
        train, docs = [], []
        for row in candidates:
            read_as, found = example_features(row, tokenizer, lexicon, options.news_chars, register)
            if read_as is register:  # a 【headline】 post is scored by the news weights: not learnt here
                train.append(row)
                docs.append(_flat(found))
        by_register[register] = train
        say(f"{register.value}: training on {len(train)} rows")
        weights[register] = _train_register(docs, train, options.of(register), options)
    model = SentimentModel(registers=weights, lexicon=lexicon, news_chars=options.news_chars)
    out_path = Path(out_path)
    model.save(out_path)  # weights are rounded on save: tune and measure the model as it is read back
    model = SentimentModel.read(out_path)
    for register in Register:
        tune = [row for row in rows if row.part == "dev" and row.corpus in options.of(register).tune_on]
        scores = [score_example(model, row, tokenizer) for row in tune]
        threshold = best_threshold(scores, [row.label for row in tune])
        model.registers[register].bias -= _logit(threshold)
        say(f"{register.value}: threshold {threshold:.4f} on {len(tune)} dev rows, moved to 0.5")
    model.save(out_path)
    model = SentimentModel.read(out_path)
    dev, test = measure(model, rows, tokenizer, log=say)
    model.meta = {
        "train_rows": {register.value: dict(Counter(row.corpus for row in train)) for register, train in by_register.items()},
        "features": {register.value: sum(map(len, weights[register].tables.values())) for register in Register},
        "tokenizer": {"hmm": tokenizer.hmm},
        "options": asdict(options),
        "dev": dev,
        "held_out": test,
    }
    model.save(out_path)
    return TrainingReport(out_path, model.meta["train_rows"], model.meta["features"], dev, test)


def load_lexicon(path: Path = LEXICON_FILE) -> frozenset[str]:
    """The lexicon's words (whitespace-separated; ``#`` starts a comment)."""
    words = []
    for line in path.read_text(encoding="utf-8").splitlines():
        words += line.split("#", 1)[0].split()
    return frozenset(words)


def measure(model: SentimentModel, rows: Sequence[Example], tokenizer: Tokenizer, *,
            log: Callable[[str], None] | None = None) -> tuple[dict[str, dict[str, float]], dict[str, dict[str, float]]]:
    """The model's figures per corpus on the ``dev`` and on the ``test`` (held-apart) rows."""
    found: dict[str, dict[str, dict[str, float]]] = {"dev": {}, "test": {}}
    for part, out in found.items():
        for corpus in CORPORA:
            chosen = [row for row in rows if row.part == part and row.corpus == corpus]
            if {row.label for row in chosen} == {0, 1}:
                scores = [score_example(model, row, tokenizer) for row in chosen]
                out[corpus] = binary_metrics(scores, [row.label for row in chosen], model.threshold)
                if log:
                    log(f"{part} {corpus}: {out[corpus]}")
    return found["dev"], found["test"]


def _flat(found: dict[str, list[str]]) -> list[str]:
    return [f"{table}:{value}" for table, values in found.items() for value in values]


def _train_register(docs: list[list[str]], rows: Sequence[Example], register: RegisterOptions,
                    options: TrainOptions) -> RegisterWeights:
    """One register's blend of logistic regression and naive Bayes, as weights per table."""
    seen = Counter(f for doc in docs for f in doc)
    names = sorted(f for f, n in seen.items() if n >= register.min_count)
    column = {name: i for i, name in enumerate(names)}
    scale = np.array([register.title_scale if name.startswith("title_") else 1.0 for name in names])
    indptr, indices = [0], []
    for doc in docs:
        indices += sorted(column[f] for f in doc if f in column)
        indptr.append(len(indices))
    binary = csr_matrix((np.ones(len(indices)), np.array(indices, dtype=np.int32), np.array(indptr, dtype=np.int32)),
                        shape=(len(docs), len(names)))
    labels = np.array([row.label for row in rows])
    sample = np.array([register.corpus_weights.get(row.corpus, 1.0) for row in rows])

    regression = LogisticRegression(C=register.c, solver="liblinear", max_iter=5000, random_state=options.seed)
    regression.fit(binary.multiply(scale).tocsr(), labels, sample_weight=sample)
    lr_weights = regression.coef_[0] * scale
    lr_bias = float(regression.intercept_[0])

    # multinomial naive Bayes over the binary features, weighted rows, additive smoothing
    counts = [np.asarray(binary[labels == label].multiply(sample[labels == label][:, None]).sum(axis=0)).ravel()
              for label in (0, 1)]
    log_p = [np.log(c + register.alpha) - math.log(c.sum() + register.alpha * len(names)) for c in counts]
    nb_weights = log_p[1] - log_p[0]
    priors = [float(sample[labels == label].sum()) for label in (0, 1)]
    nb_bias = math.log(priors[1] / priors[0])
    # scale Bayes' log-odds to the regression's spread on the training rows before blending
    spread = float(np.std(binary @ lr_weights)) / max(float(np.std(binary @ nb_weights)), 1e-12)
    mix = register.bayes_mix
    blended = (1 - mix) * lr_weights + mix * spread * nb_weights
    bias = (1 - mix) * lr_bias + mix * spread * nb_bias

    tables: dict[str, dict[str, float]] = {name: {} for name in TABLES}
    for name, weight in zip(names, blended.tolist(), strict=True):
        if abs(weight) >= register.prune:
            table, value = name.split(":", 1)
            tables[table][value] = weight
    return RegisterWeights(bias, tables)


def _logit(p: float) -> float:
    p = min(max(p, 1e-9), 1 - 1e-9)
    return math.log(p / (1 - p))


def main(argv: Iterable[str] | None = None) -> None:
    """``python -m sentinel.analyse.sentiment_train --data DIR --out PATH``."""
    import argparse

    parser = argparse.ArgumentParser(description="Train sentinel's sentiment model on the labelled corpora.")
    parser.add_argument("--data", required=True, type=Path, help="folder with the labelled corpora")
    parser.add_argument("--out", required=True, type=Path, help="model file to write (*.json.gz)")
    args = parser.parse_args(None if argv is None else list(argv))
    print(train_sentiment(args.data, args.out, log=print))


if __name__ == "__main__":
    main()

