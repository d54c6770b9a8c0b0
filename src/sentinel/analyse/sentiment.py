"""Sentiment (情感倾向) of a text from the jieba tokens it already has, read in its register.

``score`` is 0..1, higher is more positive; ``negative`` means negative for the public and the
government (a death, a disaster, a scandal, a complaint), in news as in posts. The two registers
read differently, so the model keeps one set of weights for each:

* :attr:`Register.NEWS` — news outlets, portals and government sites. A report of an explosion is
  written in a neutral voice and is negative all the same: its headline weighs most, and only its
  Chinese characters are read (the labelled news had no digits, Latin or punctuation);
* :attr:`Register.POST` — Weibo and self-media posts, where the writer's own feeling shows in
  words, punctuation and emoticons. A post that opens with a 【headline】, as media accounts post
  news on Weibo, is read as news (:func:`reading`).

Features, all binary, from the head of the text (:data:`MAX_CHARS` characters of a post, the
model's ``news_chars`` Chinese characters of a news item, title included): the tokens (Weibo
emoticons joined back: ``[`` ``哈哈`` ``]`` → ``[哈哈]``), the token after a negation (不/没/别 ...),
character unigrams and bigrams; the same four again for the title alone; and whether words of a
small lexicon of casualties, disasters and wrongdoing (死亡, 爆炸, 诈骗, 贪污 ...) occur. The model
is ``bias + Σ weight(feature)`` through a sigmoid, with the register's bias set so that 0.5 is the
negative threshold tuned on held-apart data: ``negative`` is ``score < 0.5`` unless configured.

Training lives in :mod:`sentinel.analyse.sentiment_train`, which this module never imports; the
model file says which data it came from (``models/README.md``).
"""

from __future__ import annotations

import gzip
import json
import math
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import repeat
from operator import add
from pathlib import Path
from typing import Any, Protocol

from sentinel.analyse.tokenize import Tokens

MODEL_DIR = Path(__file__).resolve().parent / "models"
DEFAULT_MODEL = MODEL_DIR / "sentiment.json.gz"
FORMAT = "sentinel-sentiment-linear/2"
#: The tables of one part of the text (the whole head, or the title alone).
PART_TABLES = ("token", "negated", "char1", "char2")
TITLE_PREFIX = "title_"
TABLES = (*PART_TABLES, *(TITLE_PREFIX + name for name in PART_TABLES), "lexicon")
#: A post's first characters are scored: posts are short, and scoring every character of a long
#: text would cost more than the rest of the analysis.
MAX_CHARS = 600
#: Lexicon features: any word of it, two or more, three or more, any in the title.
LEXICON_FEATURES = ("any", "2", "3", "title_any")

#: Words that turn the next token around.
NEGATIONS = frozenset(
    "不 没 没有 别 未 无 非 莫 勿 不是 不会 不能 不要 不太 不够 并不 从不 毫无 难以 不再 绝不 无法 不用 "
    "甭 休想 拒绝".split()
)
_NOT_HAN = re.compile(r"[^\u4e00-\u9fff]+")
_TOPIC_TOKENS = 20  # a #topic# is found within this many tokens of the start
_HEADLINE_TOKENS = 40  # and a 【headline】 within this many after its opening bracket


class Register(StrEnum):
    """Who wrote a text: a news outlet (新闻) or a person posting (帖文)."""

    NEWS = "news"
    POST = "post"

    @property
    def name_zh(self) -> str:
        return {"news": "新闻", "post": "帖文"}[self.value]


def register_of_source(kind: str | None, authority: str | None) -> Register:
    """The register of a source's items: Weibo and self-media sources post, the others report news.

    ``kind`` and ``authority`` are a configured source's values (``weibo``, ``self_media`` ...); an
    unknown source (``None``) is read as posts, the more common case for unconfigured feeds.
    """
    if kind is None and authority is None:
        return Register.POST
    if kind == "weibo" or authority == "self_media":
        return Register.POST
    return Register.NEWS


def guess_register(title: str | None) -> Register:
    """The register of a text nobody said anything about: with a headline, news; without, a post."""
    return Register.NEWS if title and title.strip() else Register.POST


class SentimentScorer(Protocol):
    """What the pipeline needs from a sentiment model (real or fake)."""

    threshold: float

    def score(self, tokens: Tokens | Sequence[str], *, title: Tokens | Sequence[str] = (),
              register: Register = Register.POST) -> float: ...

    def negative(self, score: float) -> bool: ...


@dataclass(frozen=True)
class FixedSentiment:
    """A stand-in :class:`SentimentScorer` for tests: every text gets ``value``."""

    value: float = 0.5
    threshold: float = 0.5

    def score(self, tokens: Tokens | Sequence[str], *, title: Tokens | Sequence[str] = (),
              register: Register = Register.POST) -> float:
        return self.value

    def negative(self, score: float) -> bool:
        return score < self.threshold


def join_emoticons(words: Sequence[str]) -> list[str]:
    """Tokens with Weibo emoticons joined back into one token: ``[``, ``允悲``, ``]`` → ``[允悲]``."""
    out: list[str] = []
    i, n = 0, len(words)
    while i < n:
        # The tokens up to the next "[" are kept as they are, found and copied in C.
        try:
            opening = words.index("[", i)
        except ValueError:
            out.extend(words[i:])
            break
        out.extend(words[i:opening])
        i = opening
        j, size = i + 1, 0
        while j < n and j < i + 5 and words[j] not in ("[", "]"):
            size += len(words[j])
            j += 1
        if j < n and words[j] == "]" and 0 < size <= 8:
            out.append("[" + "".join(words[i + 1 : j]) + "]")
            i = j + 1
        else:
            out.append("[")
            i += 1
    return out


def head(tokens: Tokens | Sequence[str], limit: int = MAX_CHARS) -> Sequence[str]:
    """The leading tokens of ``tokens`` that fit in ``limit`` characters (at least one token)."""
    words = tokens.words if isinstance(tokens, Tokens) else tokens
    if sum(map(len, words)) <= limit:
        return words  # the usual case, summed in C
    size = 0
    for n, word in enumerate(words):
        size += len(word)
        if size > limit:
            return words[: max(n, 1)]
    return words


def reading(tokens: Tokens | Sequence[str], title: Tokens | Sequence[str], register: Register
            ) -> tuple[Sequence[str], Register]:
    """The title and register a text is read in. A post that opens with a headline in 【】 (after
    at most a ``#topic#``) is how Weibo's media accounts post news: it is read as news, with that
    headline as its title. Everything else is read as given."""
    if register is Register.POST and not title:
        words = tokens.words if isinstance(tokens, Tokens) else tokens
        start = 0
        if words and words[0] == "#":
            close = _index(words, "#", 1, _TOPIC_TOKENS)
            start = close + 1 if close is not None else 0
        if start < len(words) and words[start] == "【":
            end = _index(words, "】", start + 1, _HEADLINE_TOKENS)
            if end is not None and end > start + 1:
                return words[start + 1 : end], Register.NEWS
    return (title.words if isinstance(title, Tokens) else title), register


def _index(words: Sequence[str], token: str, start: int, within: int) -> int | None:
    for i in range(start, min(len(words), start + within)):
        if words[i] == token:
            return i
    return None


def read_words(tokens: Tokens | Sequence[str], register: Register, news_chars: int) -> list[str]:
    """The tokens a register reads: a post's head with emoticons joined; a news item's Chinese
    tokens (digits, Latin and punctuation stripped) up to ``news_chars`` characters."""
    words = tokens.words if isinstance(tokens, Tokens) else tokens
    if register is Register.POST:
        kept = head(words)
        return join_emoticons(kept) if "[" in kept else list(kept)
    han = [clean for word in words if (clean := _NOT_HAN.sub("", word))]
    return list(head(han, news_chars))


def part_features(words: Sequence[str]) -> dict[str, list[str]]:
    """The four binary feature tables of some tokens, each value listed once in a stable order."""
    text = "".join(words)
    negated = [after for before, after in zip(words, words[1:], strict=False) if before in NEGATIONS]
    return {
        "token": list(dict.fromkeys(words)),
        "negated": list(dict.fromkeys(negated)),
        "char1": list(dict.fromkeys(text)),
        "char2": list(dict.fromkeys(text[i : i + 2] for i in range(len(text) - 1))),
    }


def lexicon_features(words: Sequence[str], title: Sequence[str], lexicon: frozenset[str]) -> list[str]:
    """Which of :data:`LEXICON_FEATURES` hold for ``words`` (the whole head) and ``title``."""
    hits = len(lexicon.intersection(words))
    out = [name for name, least in (("any", 1), ("2", 2), ("3", 3)) if hits >= least]
    if not lexicon.isdisjoint(title):
        out.append("title_any")
    return out


def features(tokens: Tokens | Sequence[str], *, title: Tokens | Sequence[str] = (),
             register: Register = Register.POST, lexicon: frozenset[str] = frozenset(),
             news_chars: int = MAX_CHARS) -> dict[str, list[str]]:
    """The binary features of a text by table (:data:`TABLES`): ``tokens`` are the whole text's
    (title and body), ``title`` the title's alone; read as :func:`reading` says."""
    title, register = reading(tokens, title, register)
    words = read_words(tokens, register, news_chars)
    title_words = read_words(title, register, news_chars)
    found = part_features(words)
    found.update({TITLE_PREFIX + name: values for name, values in part_features(title_words).items()})
    found["lexicon"] = lexicon_features(words, title_words, lexicon)
    return found


@dataclass
class RegisterWeights:
    """One register's bias and weight tables."""

    bias: float
    tables: dict[str, dict[str, float]]

    def to_json(self) -> dict[str, Any]:
        return {"bias": round(self.bias, 6),
                "tables": {name: {k: round(v, 4) for k, v in sorted(self.tables.get(name, {}).items())}
                           for name in TABLES}}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RegisterWeights:
        tables = data["tables"]
        return cls(float(data["bias"]), {name: tables.get(name) or {} for name in TABLES})  # no copies: memory


@dataclass
class SentimentModel:
    """A linear sentiment model over :func:`features`, one set of weights per :class:`Register`;
    load once with :meth:`load`, then score."""

    registers: dict[Register, RegisterWeights]
    lexicon: frozenset[str] = frozenset()
    news_chars: int = 80
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
            raise ValueError(f"{path}: not a sentinel sentiment model of format {FORMAT} (found "
                             f"{data.get('format')!r}); rebuild it with `sentinel model train-sentiment`")
        registers = {Register(name): RegisterWeights.from_json(body) for name, body in data["registers"].items()}
        if set(registers) != set(Register):
            raise ValueError(f"{path}: needs weights for the registers {sorted(Register)}")
        meta_file = meta_path(path)
        meta = json.loads(meta_file.read_text(encoding="utf-8")) if meta_file.exists() else {}
        return cls(registers=registers, lexicon=frozenset(data.get("lexicon", ())),
                   news_chars=int(data["news_chars"]), threshold=float(meta.get("threshold", 0.5)), meta=meta)

    def save(self, path: str | Path) -> None:
        """Write the model (gzip JSON, weights rounded) and its ``*.meta.json`` with the threshold."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {
            "format": FORMAT,
            "news_chars": self.news_chars,
            "lexicon": sorted(self.lexicon),
            "registers": {register.value: self.registers[register].to_json() for register in Register},
        }
        raw = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        # mtime=0 keeps the file byte-identical across rebuilds of the same model.
        path.write_bytes(gzip.compress(raw, compresslevel=9, mtime=0))
        meta = {**self.meta, "threshold": round(self.threshold, 4)}
        meta_path(path).write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

    def logit(self, tokens: Tokens | Sequence[str], *, title: Tokens | Sequence[str] = (),
              register: Register = Register.POST) -> float:
        """The model's log-odds that the text is positive: its register's bias plus the weights of
        :func:`features`. ``tokens`` are the whole text's (title and body), ``title`` the title's.

        Written out rather than calling :func:`features`: sets and ``map`` keep the loops in C,
        which makes scoring about twice as fast (the tests hold the two equal).
        """
        title, register = reading(tokens, title, register)
        weights = self.registers[register]
        tables = weights.tables
        words = read_words(tokens, register, self.news_chars)
        total = weights.bias + _part_sum(words, tables, "")
        title_words: list[str] = []
        if title:
            title_words = read_words(title, register, self.news_chars)
            total += _part_sum(title_words, tables, TITLE_PREFIX)
        if self.lexicon:
            lexicon = tables["lexicon"]
            total += sum(lexicon.get(name, 0.0) for name in lexicon_features(words, title_words, self.lexicon))
        return total

    def score(self, tokens: Tokens | Sequence[str], *, title: Tokens | Sequence[str] = (),
              register: Register = Register.POST) -> float:
        """0..1, higher is more positive."""
        return _sigmoid(self.logit(tokens, title=title, register=register))

    def negative(self, score: float) -> bool:
        """Whether a :meth:`score` counts as negative, by the threshold tuned on held-apart data."""
        return score < self.threshold


def _part_sum(words: Sequence[str], tables: dict[str, dict[str, float]], prefix: str) -> float:
    """Σ weight over :func:`part_features` of ``words`` in the tables named ``prefix + table``."""
    if not words:
        return 0.0
    text = "".join(words)
    token, negated, char1, char2 = (tables[prefix + name] for name in PART_TABLES)
    total = sum(map(token.get, set(words), repeat(0.0)))
    if not NEGATIONS.isdisjoint(words):
        after = {b for a, b in zip(words, words[1:], strict=False) if a in NEGATIONS}
        total += sum(map(negated.get, after, repeat(0.0)))
    total += sum(map(char1.get, set(text), repeat(0.0)))
    total += sum(map(char2.get, set(map(add, text, text[1:])), repeat(0.0)))
    return total


def meta_path(model_path: Path) -> Path:
    """``sentiment.json.gz`` → ``sentiment.meta.json``, where the threshold and provenance live."""
    return model_path.with_name(model_path.name.split(".", 1)[0] + ".meta.json")


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


_cache: dict[Path, SentimentModel] = {}
_cache_lock = threading.Lock()
