"""Category of an incident: the four kinds of 突发事件 and the 政务舆情 types that need a response.

``classify(text, title)`` scores weighted words from a lexicon (``lexicons/categories.yaml``) and returns
a :class:`Classification` with the category code and Chinese name, the sub-type where one is evident,
the score and the words that matched, so a duty officer sees why.

Codes (突发事件应对法 art. 3; 国办发〔2016〕61号)::

    natural_disaster 自然灾害      accident 事故灾难        public_health 公共卫生事件
    social_safety 社会安全事件     policy_misreading 政策误解误读   public_interest 涉及公众切身利益
    moral_livelihood 冲击道德底线的民生问题   social_hotspot 社会热点   superior_request 上级要求回应

Scoring (the lexicon's header says the same): each matched word adds its weight per occurrence, at
most ``max_repeats`` occurrences in the body, ``title_weight`` times as much in the title. A category's
score is its own words, the ``shared`` casualty words and counts of its kind and all its sub-types'
words. The best-scoring category wins if one of its own words is *strong* (weight ≥ ``strong_weight``), or
if it reaches ``min_score`` with ``min_words`` distinct words, one of them *core* (weight ≥
``core_weight``) and one of them its own: a stated casualty count ("死亡人数上升至20人", "致2死3伤") is core
evidence that something happened, and the category's own words ("隧道", "塌方", "事故") say what.
Otherwise there is no category. Damper words (演练, 电影, 游戏 …) scale the emergency categories down.
The sub-type is the best-scoring one with a core word.

Words are matched as substrings of the title and text. When the caller passes the jieba ``tokens`` of
the text, words of one or two characters count only inside a token, so "一起火灾" (一起/火灾) is not
read as 起火; longer words still match the raw text (jieba may split them).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from sentinel.errors import ConfigError

__all__ = ["Classification", "Lexicon", "WordMatch", "classify", "default_lexicon", "load_lexicon"]

_TOKEN_SEP = "\x00"


@dataclass(frozen=True, slots=True)
class WordMatch:
    """One lexicon word found in the text: how often and what it contributed."""

    word: str
    weight: float
    count: int          # occurrences counted, body (capped) plus title
    in_title: bool
    score: float        # its contribution to the category score
    subtype: str | None
    shared: bool = False  # a casualty word or count that counts for every emergency category


@dataclass(frozen=True, slots=True)
class Classification:
    """The category decision. ``code`` is None when nothing reaches the threshold."""

    code: str | None = None
    name: str | None = None
    kind: str | None = None            # "emergency" (突发事件) or "opinion" (政务舆情 type)
    subtype: str | None = None
    subtype_name: str | None = None
    score: float = 0.0
    matched: tuple[WordMatch, ...] = ()
    scores: tuple[tuple[str, float], ...] = field(default=(), compare=False)  # every category, best first

    @property
    def words(self) -> list[str]:
        """The matched words of the winning category, strongest first."""
        return [m.word for m in self.matched]


@dataclass(frozen=True, slots=True)
class _Entry:
    word: str
    weight: float
    category: str
    subtype: str | None
    shared: bool = False


@dataclass(frozen=True, slots=True)
class Lexicon:
    """A compiled lexicon; build one with :func:`load_lexicon` and reuse it."""

    entries: tuple[_Entry, ...]
    names: Mapping[str, str]                 # category or "category/subtype" → Chinese name
    kinds: Mapping[str, str]
    title_weight: float
    max_repeats: int
    min_score: Mapping[str, float]            # by kind
    core_weight: float
    min_words: Mapping[str, int]              # by kind
    strong_weight: float
    dampers: Mapping[str, float]
    _starts: re.Pattern[str]                 # any first character of a word
    _by_first: Mapping[str, re.Pattern[str]]  # first character → the longest word starting there
    _contained: Mapping[str, tuple[str, ...]]  # word → every lexicon word inside it (itself included)
    _by_word: Mapping[str, tuple[_Entry, ...]]
    _patterns: tuple[tuple[str, re.Pattern[str]], ...] = ()   # (entry word, compiled regex)


def _merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """Deep merge of plain mappings; a None value in ``over`` deletes the key."""
    out = dict(base)
    for key, value in over.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _by_kind(value: Any, cast: type, kinds: Mapping[str, str]) -> dict[str, Any]:
    """A threshold given once for all kinds or as {kind: value}."""
    if isinstance(value, Mapping):
        return {str(k): cast(v) for k, v in value.items()}
    return {kind: cast(value) for kind in set(kinds.values())}


def _compile(data: Mapping[str, Any], source: str) -> Lexicon:
    try:
        categories = data["categories"]
        shared = data.get("shared") or {}
        patterns = tuple((str(p), re.compile(str(p))) for p in (shared.get("patterns") or {}))
        entries: list[_Entry] = []
        names: dict[str, str] = {}
        kinds: dict[str, str] = {}
        for code, cat in categories.items():
            names[code] = str(cat.get("name", code))
            kinds[code] = str(cat.get("kind", "emergency"))
            for word, weight in (cat.get("words") or {}).items():
                entries.append(_Entry(str(word), float(weight), code, None))
            if kinds[code] == shared.get("kind"):
                for word, weight in {**(shared.get("words") or {}), **(shared.get("patterns") or {})}.items():
                    entries.append(_Entry(str(word), float(weight), code, None, shared=True))
            for sub, subdata in (cat.get("subtypes") or {}).items():
                names[f"{code}/{sub}"] = str(subdata.get("name", sub))
                for word, weight in (subdata.get("words") or {}).items():
                    entries.append(_Entry(str(word), float(weight), code, sub))
        params = (float(data.get("title_weight", 2.0)), int(data.get("max_repeats", 3)),
                  _by_kind(data.get("min_score", 5.0), float, kinds), float(data.get("core_weight", 4.0)),
                  _by_kind(data.get("min_words", 2), int, kinds), float(data.get("strong_weight", 6.0)))
        dampers = {str(k): float(v) for k, v in (data.get("dampers") or {}).items()}
    except (KeyError, TypeError, ValueError, AttributeError, re.error) as exc:
        raise ConfigError(f"invalid category lexicon: {exc!r}", path=source) from exc
    pattern_words = {p for p, _ in patterns}
    words = sorted({e.word for e in entries if e.word not in pattern_words} | set(dampers), key=len, reverse=True)
    if "" in words:
        raise ConfigError("invalid category lexicon: an empty word", path=source)
    by_word: dict[str, list[_Entry]] = {}
    for e in entries:
        by_word.setdefault(e.word, []).append(e)
    contained = {w: tuple(x for x in words if x in w) for w in words}
    by_first = {char: re.compile(re.escape(char) + _trie_regex(node)) for char, node in _trie(words).items()}
    starts = re.compile(f"[{''.join(map(re.escape, by_first))}]") if by_first else re.compile(r"(?!)")
    return Lexicon(tuple(entries), names, kinds, *params, dampers, starts, by_first, contained,
                   {w: tuple(v) for w, v in by_word.items()}, patterns)


def _trie(words: Iterable[str]) -> dict[str, Any]:
    """``words`` as nested dicts by character; ``""`` marks where a word ends."""
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}
    return trie


def _trie_regex(node: dict[str, Any]) -> str:
    """A regex for the words below ``node`` that matches the longest one: one branch per next
    character (震中, 震源深度, 震感 as ``震(?:中|源深度|感)``), so the engine follows the text instead of
    trying each word in turn. A word that others continue is an optional tail, greedy: the longer
    word is tried first and the shorter one is what backtracking falls to."""
    branches = [re.escape(char) + _trie_regex(child) for char, child in sorted(node.items()) if char]
    if not branches:
        return ""
    body = "|".join(branches)
    if "" in node:
        return f"(?:{body})?"
    return body if len(branches) == 1 else f"(?:{body})"


@lru_cache(maxsize=1)
def _default_data() -> dict[str, Any]:
    text = resources.files("sentinel.analyse").joinpath("lexicons/categories.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


@lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    """The bundled lexicon, compiled once."""
    return _compile(_default_data(), "lexicons/categories.yaml")


def load_lexicon(data: Mapping[str, Any] | None = None, *, replace: bool = False, source: str = "lexicon") -> Lexicon:
    """Compile a lexicon from a plain mapping (as loaded from YAML).

    By default ``data`` is merged over the bundled lexicon: its words add to or re-weight the bundled
    ones, a ``null`` weight removes a word, new categories and sub-types are added. With ``replace``
    the mapping stands alone.
    """
    if data is None:
        return default_lexicon()
    return _compile(data if replace else _merge(_default_data(), data), source)


def _counts(haystack: str, lex: Lexicon, shown: dict[str, str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for word, rx in lex._patterns:
        hits = rx.findall(haystack)
        if hits:
            counts[word] = len(hits)
            shown.setdefault(word, hits[0])  # show "5死", not the regex
    # At every position, left to right, the longest word starting there, so overlapping words
    # ("驾车撞死": 车撞 and 撞死) are all seen; shorter words at one position come from ``contained``.
    # Only a word's first character can start one, and it picks the one regex to try.
    found: set[str] = set()
    by_first = lex._by_first
    for start in lex._starts.finditer(haystack):
        m = by_first[start.group()].match(haystack, start.start())
        if m:
            found.add(m.group())
    words = {w for f in found for w in lex._contained[f]}
    counts.update((w, haystack.count(w)) for w in words)
    return counts


def classify(text: str, title: str | None = None, tokens: Sequence[str] | None = None,
             lexicon: Lexicon | Mapping[str, Any] | None = None) -> Classification:
    """The category of ``text`` (and ``title``), or an empty :class:`Classification` for none.

    ``lexicon`` is a compiled :class:`Lexicon` or a plain mapping merged over the bundled one (compiling
    a mapping costs time: compile once with :func:`load_lexicon` when classifying many texts).
    """
    lex = lexicon if isinstance(lexicon, Lexicon) else load_lexicon(lexicon)
    shown: dict[str, str] = {}
    body = _counts(text or "", lex, shown)
    if tokens is not None:
        joined = _TOKEN_SEP.join(tokens)
        body = {w: (joined.count(w) if len(w) <= 2 and w not in shown else n) for w, n in body.items()}
    head = _counts(title or "", lex, shown) if title else {}
    damp = 1.0
    for word, factor in lex.dampers.items():
        if body.get(word) or head.get(word):
            damp *= factor
    damp = max(damp, 0.05)

    per_cat: dict[str, list[WordMatch]] = {}
    for word in body.keys() | head.keys():
        nb, nt = min(body.get(word, 0), lex.max_repeats), min(head.get(word, 0), lex.max_repeats)
        if not nb and not nt:
            continue
        for e in lex._by_word.get(word, ()):
            factor = damp if lex.kinds[e.category] == "emergency" else 1.0
            score = e.weight * (nb + lex.title_weight * nt) * factor
            per_cat.setdefault(e.category, []).append(
                WordMatch(shown.get(word, word), e.weight, nb + nt, nt > 0, score, e.subtype, e.shared))

    totals = {c: sum(m.score for m in ms) for c, ms in per_cat.items()}
    ranked = tuple(sorted(((c, round(s, 2)) for c, s in totals.items()), key=lambda x: -x[1]))
    for code, score in ranked:
        matches = per_cat[code]
        kind = lex.kinds[code]
        positive = [m for m in matches if m.weight > 0]
        own = [m for m in positive if not m.shared]
        strong = any(m.weight >= lex.strong_weight for m in own) and score >= lex.strong_weight
        # A casualty count may be the core evidence ("死亡人数上升至20人"), but only the category's own
        # words say which category: shared evidence alone ties every emergency category.
        enough = (score >= lex.min_score.get(kind, 0.0) and len(positive) >= lex.min_words.get(kind, 1)
                  and any(m.weight >= lex.core_weight for m in positive) and bool(own))
        if not (strong or enough):
            continue  # weak words, or one ordinary word, are not enough evidence
        sub_scores: dict[str, float] = {}
        for m in matches:
            if m.subtype:
                sub_scores[m.subtype] = sub_scores.get(m.subtype, 0.0) + m.score
        subtype = None
        if sub_scores:
            best = max(sub_scores, key=lambda s: sub_scores[s])
            strong = any(m.subtype == best and m.weight >= lex.core_weight for m in matches)
            subtype = best if strong and sub_scores[best] > 0 else None
        ordered = tuple(sorted(matches, key=lambda m: (-m.score, m.word)))
        return Classification(code, lex.names[code], lex.kinds[code], subtype,
                              lex.names.get(f"{code}/{subtype}") if subtype else None,
                              round(score, 2), ordered, ranked)
    return Classification(scores=ranked)
