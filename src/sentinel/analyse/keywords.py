"""Top keywords of a text by TF-IDF over the tokens it already has.

The IDF table is the one jieba ships (``jieba/analyse/idf.txt``), read once per process without
importing ``jieba.analyse`` (whose import loads that table again and builds jieba's global
tokenizer). Words missing from the table get its median IDF, as jieba does.

Read plainly, its ~270,000 words and floats take 47 MB; held as a MARISA trie with an array of the
values at each word's key id (:class:`TrieTable`) they take about 6 MB.
"""

from __future__ import annotations

import heapq
import re
import threading
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path

import jieba

from sentinel.analyse import tablecache
from sentinel.analyse.tokenize import Tokens, load_stopwords

IDF_PATH = Path(jieba.__file__).resolve().parent / "analyse" / "idf.txt"
# A letter of any script: Chinese characters count, digits and punctuation do not.
_HAS_LETTER = re.compile(r"[^\W\d_]").search


_idf_tables: dict[Path, tuple[Mapping[str, float], float]] = {}
_idf_lock = threading.Lock()


class TrieTable(Mapping[str, float]):
    """A read-only word → float table in a MARISA trie: a few bytes a word instead of a string
    object, a float and a dict slot (about 170 bytes)."""

    __slots__ = ("_trie", "_values")

    def __init__(self, table: tablecache.WordTable) -> None:
        self._trie, self._values = table.trie, table.values

    def get(self, word: str, default: float | None = None) -> float | None:  # type: ignore[override]
        key = self._trie.get(word)
        return default if key is None else self._values[key]

    def __getitem__(self, word: str) -> float:
        return self._values[self._trie[word]]

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and word in self._trie

    def __iter__(self) -> Iterator[str]:
        return iter(self._trie.keys())

    def __len__(self) -> int:
        return len(self._trie)


def load_idf(path: Path = IDF_PATH) -> tuple[Mapping[str, float], float]:
    """jieba's IDF table and its median, read once per process (later calls get the same table)."""
    with _idf_lock:
        if path not in _idf_tables:
            _idf_tables[path] = _read_idf(path)
        return _idf_tables[path]


def _read_idf(path: Path) -> tuple[Mapping[str, float], float]:
    """The table from the table cache (:mod:`.tablecache`), else read from ``path`` and kept there."""
    table = tablecache.load("idf", [path])
    if table is None:
        table = _parse_idf(path)
        tablecache.save("idf", [path], table)
    return TrieTable(table), float(table.meta["median"])


def _parse_idf(path: Path) -> tablecache.WordTable:
    read: dict[str, float] = {}
    with path.open(encoding="utf-8") as lines:  # a line at a time: no list of all lines between the words
        for line in lines:
            word, _, value = line.rstrip("\r\n").rpartition(" ")
            if word:
                read[word] = float(value)
    ordered = sorted(read.values())
    median = ordered[len(ordered) // 2] if ordered else 1.0
    return tablecache.WordTable.build(read, {"median": median})


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
