"""Top keywords of a text by TF-IDF over the tokens it already has.

The IDF table is the one jieba ships (``jieba/analyse/idf.txt``), read once per process without
importing ``jieba.analyse`` (whose import loads that table again and builds jieba's global
tokenizer). Words missing from the table get its median IDF, as jieba does.
"""

from __future__ import annotations

import functools
import heapq
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType

import jieba

from sentinel.analyse.tokenize import Tokens, load_stopwords

IDF_PATH = Path(jieba.__file__).resolve().parent / "analyse" / "idf.txt"
# A letter of any script: Chinese characters count, digits and punctuation do not.
_HAS_LETTER = re.compile(r"[^\W\d_]").search


@functools.cache
def load_idf(path: Path = IDF_PATH) -> tuple[Mapping[str, float], float]:
    """jieba's IDF table and its median, read once per process."""
    table: dict[str, float] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        word, _, value = line.rpartition(" ")
        if word:
            table[word] = float(value)
    values = sorted(table.values())
    median = values[len(values) // 2] if values else 1.0
    return MappingProxyType(table), median


def keyword_scores(
    tokens: Tokens | Sequence[str],
    top: int = 10,
    *,
    stopwords: Iterable[str] | None = None,
    idf: tuple[Mapping[str, float], float] | None = None,
    counts: Mapping[str, int] | None = None,
) -> list[tuple[str, float]]:
    """The ``top`` words by TF × IDF with their scores, best first (ties by word, so stable).

    Stopwords, one-character tokens and tokens without letters (numbers, punctuation) are dropped.
    ``counts`` may hand in :func:`content_counts` of the tokens when the caller has it already.
    """
    table, median = load_idf() if idf is None else idf
    if counts is None:
        counts = content_counts(tokens, load_stopwords() if stopwords is None else frozenset(stopwords))
    counts = {w: n for w, n in counts.items() if len(w) > 1}
    if not counts or top <= 0:
        return []
    total = sum(counts.values())
    get = table.get
    # (-score, word) tuples compare in C: best first, ties by word.
    best = heapq.nsmallest(
        top, [(-count / total * get(word, median), word) for word, count in counts.items()]
    )
    return [(word, round(-score, 6)) for score, word in best]


def content_counts(tokens: Tokens | Sequence[str], stopwords: frozenset[str]) -> dict[str, int]:
    """How often each content token occurs: stopwords and tokens without letters dropped.

    Keywords and simhash both start from this; the analysis pipeline computes it once per item.
    """
    return {w: n for w, n in Counter(tokens).items() if w not in stopwords and _HAS_LETTER(w)}


def keywords(tokens: Tokens | Sequence[str], top: int = 10) -> list[str]:
    """The ``top`` TF-IDF keywords of ``tokens``, best first."""
    return [word for word, _ in keyword_scores(tokens, top)]
