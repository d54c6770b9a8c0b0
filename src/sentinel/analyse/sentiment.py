"""Sentiment (情感倾向) of a text from the jieba tokens it already has.

snownlp's own ``SnowNLP(text).sentiments`` re-segments every text with its slow segmenter and uses
a model trained on product reviews, close to chance on Weibo. sentinel scores the jieba tokens with
a linear model trained on hand-labelled Weibo text instead (``models/README.md`` says which data and
how to rebuild it). Features, all binary, from the first :data:`MAX_CHARS` characters:

* tokens, with Weibo emoticons joined back (``[`` ``哈哈`` ``]`` → ``[哈哈]``),
* the token after a negation (不/没/别 ...), so 不好 is not 好,
* character unigrams and bigrams of the text, which survive tokens split differently.

The model is ``bias + Σ weight(feature)`` through a sigmoid; a feature missing from a table adds
``unknown`` (0 for logistic regression; a constant for naive Bayes, which snownlp's ``Bayes`` gives
unseen words). The same format holds a model trained by snownlp's ``Bayes``, so both are scored
the same fast way.

``score`` is 0..1, higher is more positive; ``negative`` compares it with the threshold tuned on
held-out data and stored beside the model (``*.meta.json``).
"""

from __future__ import annotations

import gzip
import json
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from sentinel.analyse.tokenize import Tokens

if TYPE_CHECKING:
    from sentinel.analyse.sentiment_train import TrainingReport

MODEL_DIR = Path(__file__).resolve().parent / "models"
DEFAULT_MODEL = MODEL_DIR / "sentiment.json.gz"
FORMAT = "sentinel-sentiment-linear/1"
TABLES = ("token", "negated", "char1", "char2")
#: Only a text's first characters are scored: a post is shorter, and an article's title and lead
#: carry its tone while scoring every character of a long article would cost more than the rest.
MAX_CHARS = 600

#: Words that turn the next token around.
NEGATIONS = frozenset(
    "不 没 没有 别 未 无 非 莫 勿 不是 不会 不能 不要 不太 不够 并不 从不 毫无 难以 不再 绝不 无法 不用 "
    "甭 休想 拒绝".split()
)


class SentimentScorer(Protocol):
    """What the pipeline needs from a sentiment model (real or fake)."""

    threshold: float

    def score(self, tokens: Tokens | Sequence[str]) -> float: ...

    def negative(self, score: float) -> bool: ...


@dataclass(frozen=True)
class FixedSentiment:
    """A stand-in :class:`SentimentScorer` for tests: every text gets ``value``."""

    value: float = 0.5
    threshold: float = 0.5

    def score(self, tokens: Tokens | Sequence[str]) -> float:
        return self.value

    def negative(self, score: float) -> bool:
        return score < self.threshold


def join_emoticons(words: Sequence[str]) -> list[str]:
    """Tokens with Weibo emoticons joined back into one token: ``[``, ``允悲``, ``]`` → ``[允悲]``."""
    out: list[str] = []
    i, n = 0, len(words)
    while i < n:
        word = words[i]
        if word == "[":
            j, size = i + 1, 0
            while j < n and j < i + 5 and words[j] not in ("[", "]"):
                size += len(words[j])
                j += 1
            if j < n and words[j] == "]" and 0 < size <= 8:
                out.append("[" + "".join(words[i + 1 : j]) + "]")
                i = j + 1
                continue
        out.append(word)
        i += 1
    return out


def head(tokens: Tokens | Sequence[str], limit: int = MAX_CHARS) -> Sequence[str]:
    """The leading tokens of ``tokens`` that fit in ``limit`` characters (at least one token)."""
    words = tokens.words if isinstance(tokens, Tokens) else tokens
    size = 0
    for n, word in enumerate(words):
        size += len(word)
        if size > limit:
            return words[: max(n, 1)]
    return words


def features(tokens: Tokens | Sequence[str]) -> dict[str, list[str]]:
    """The binary features of ``tokens`` by table, each listed once in a stable order."""
    words = join_emoticons(list(head(tokens)))
    text = "".join(words)
    negated = [after for before, after in zip(words, words[1:], strict=False) if before in NEGATIONS]
    return {
        "token": list(dict.fromkeys(words)),
        "negated": list(dict.fromkeys(negated)),
        "char1": list(dict.fromkeys(text)),
        "char2": list(dict.fromkeys(text[i : i + 2] for i in range(len(text) - 1))),
    }


@dataclass
class SentimentModel:
    """A linear sentiment model over :func:`features`; load once with :meth:`load`, then score."""

    bias: float
    weights: dict[str, dict[str, float]]
    unknown: float = 0.0
    threshold: float = 0.5
    meta: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, path: str | Path | None = None) -> SentimentModel:
        """The model at ``path``, or the bundled one; each path is read once per process."""
        resolved = Path(path).resolve() if path is not None else DEFAULT_MODEL
        with _cache_lock:
            model = _cache.get(resolved)
            if model is None:
                model = _cache[resolved] = cls.read(resolved)
        return model

    @classmethod
    def read(cls, path: Path) -> SentimentModel:
        """Read a model file and the ``*.meta.json`` beside it (threshold), bypassing the cache."""
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            data = json.load(handle)
        if data.get("format") != FORMAT:
            raise ValueError(f"{path}: not a sentinel sentiment model (format {data.get('format')!r})")
        meta_file = meta_path(path)
        meta = json.loads(meta_file.read_text(encoding="utf-8")) if meta_file.exists() else {}
        return cls(
            bias=float(data["bias"]),
            weights={name: dict(data["weights"].get(name, {})) for name in TABLES},
            unknown=float(data.get("unknown", 0.0)),
            threshold=float(meta.get("threshold", 0.5)),
            meta=meta,
        )

    def save(self, path: str | Path) -> None:
        """Write the model (gzip JSON, weights rounded) and its ``*.meta.json`` with the threshold."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {
            "format": FORMAT,
            "bias": round(self.bias, 6),
            "unknown": round(self.unknown, 6),
            "weights": {
                name: {k: round(v, 4) for k, v in sorted(self.weights[name].items())} for name in TABLES
            },
        }
        raw = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        # mtime=0 keeps the file byte-identical across rebuilds of the same model.
        path.write_bytes(gzip.compress(raw, compresslevel=9, mtime=0))
        meta = {**self.meta, "threshold": round(self.threshold, 4)}
        meta_path(path).write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

    def logit(self, tokens: Tokens | Sequence[str]) -> float:
        """The model's log-odds that ``tokens`` are positive: the sum over :func:`features`.

        Written out rather than calling :func:`features`: sets and ``map`` keep the loops in C,
        which makes scoring about twice as fast (the tests hold the two equal).
        """
        words = head(tokens if isinstance(tokens, Tokens) else tuple(tokens))
        text = "".join(words)
        if "[" in text:
            words = join_emoticons(words)
        unknown = self.unknown
        token, negated, char1, char2 = (self.weights[name] for name in TABLES)
        total = self.bias + sum(map(token.get, set(words), repeat(unknown)))
        if not NEGATIONS.isdisjoint(words):
            after = {b for a, b in zip(words, words[1:], strict=False) if a in NEGATIONS}
            total += sum(map(negated.get, after, repeat(unknown)))
        total += sum(map(char1.get, set(text), repeat(unknown)))
        total += sum(map(char2.get, set(map(str.__add__, text, text[1:])), repeat(unknown)))
        return total

    def score(self, tokens: Tokens | Sequence[str]) -> float:
        """0..1, higher is more positive."""
        return _sigmoid(self.logit(tokens))

    def negative(self, score: float) -> bool:
        """Whether a :meth:`score` counts as negative, by the threshold tuned on held-out data."""
        return score < self.threshold


def meta_path(model_path: Path) -> Path:
    """``sentiment.json.gz`` → ``sentiment.meta.json``, where the threshold and provenance live."""
    return model_path.with_name(model_path.name.split(".", 1)[0] + ".meta.json")


def train_sentiment(data_dir: str | Path, out_path: str | Path, **options: Any) -> TrainingReport:
    """Train on the shared corpora in ``data_dir`` and write the model to ``out_path``.

    See :func:`sentinel.analyse.sentiment_train.train_sentiment` for the options and what it reports.
    """
    from sentinel.analyse.sentiment_train import train_sentiment as train

    return train(data_dir, out_path, **options)


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


_cache: dict[Path, SentimentModel] = {}
_cache_lock = threading.Lock()
