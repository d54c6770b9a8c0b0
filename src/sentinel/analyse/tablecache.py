"""Word tables compiled once and kept on disk: jieba's dictionary and the IDF table as MARISA tries.

Building them takes most of the analyser's start: jieba reads its dictionary into half a million
strings (0.8 s) that :class:`~sentinel.analyse.tokenize.Tokenizer` compiles into a trie (0.7 s), and
the IDF table is read and compiled (0.9 s). Every ``sentinel run``, ``sentinel analyze`` and
``sentinel config check`` paid that again. A table is now compiled once, saved as the trie and its
values, and later processes map the trie from the file (its pages are shared between processes and
cost the heap nothing) and read the values.

A table is known by what it was built from: the files' paths, sizes and modification times, and
the format. A changed dictionary is another table; the cache keeps the newest :data:`KEEP` of each
kind, by their last use. The folder is ``$SENTINEL_CACHE_DIR``, else ``$XDG_CACHE_HOME/sentinel``, else
``~/.cache/sentinel``; ``SENTINEL_CACHE_DIR=off`` turns the cache off. A folder that cannot be
written, or a file that does not read back whole, only costs the time to build the table again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
from array import array
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import marisa_trie

from sentinel.files import write_replacing

log = logging.getLogger(__name__)

FORMAT = 1
#: tables kept of each kind (the bundled dictionaries, plus a few sets of an office's own)
KEEP = 4


@dataclass(frozen=True, slots=True)
class WordTable:
    """Words in a trie, a float for each at its key id, and what else the table's owner needs."""

    trie: marisa_trie.Trie
    values: array[float]
    meta: dict[str, Any]

    @classmethod
    def build(cls, values: Mapping[str, float], meta: dict[str, Any]) -> WordTable:
        """The table of ``values``' words, each value at its word's key id."""
        trie = marisa_trie.Trie(values)
        return cls(trie, array("d", map(values.__getitem__, map(trie.restore_key, range(len(trie))))), meta)


def cache_dir() -> Path | None:
    """Where tables are kept, or None when the cache is off."""
    configured = os.environ.get("SENTINEL_CACHE_DIR")
    if configured:
        return None if configured.lower() == "off" else Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "sentinel"


def table_key(kind: str, sources: Sequence[Path]) -> str:
    """The name a table built from ``sources`` is kept under."""
    digest = hashlib.sha256(f"{FORMAT}\0{kind}".encode())  # the values are kept with the trie: its ids are theirs
    for source in sources:
        stat = source.stat()
        digest.update(f"\0{source.resolve()}\0{stat.st_size}\0{stat.st_mtime_ns}".encode())
    return f"{kind}-{digest.hexdigest()[:24]}"


def load(kind: str, sources: Sequence[Path]) -> WordTable | None:
    """The table of ``kind`` built from ``sources``, if the cache holds it whole."""
    folder = cache_dir()
    if folder is None:
        return None
    try:
        stem = folder / table_key(kind, sources)
        meta = json.loads(stem.with_suffix(".json").read_text(encoding="utf-8"))
        trie_path = stem.with_suffix(".marisa")
        if trie_path.stat().st_size != meta["trie_bytes"]:
            return None
        values = array("d")
        values.frombytes(stem.with_suffix(".values").read_bytes())
        trie = marisa_trie.Trie()
        trie.mmap(str(trie_path))
        if len(trie) != meta["words"] or len(values) != meta["words"]:
            return None
    except (OSError, ValueError, KeyError, TypeError, RuntimeError):
        return None
    with contextlib.suppress(OSError):
        os.utime(stem.with_suffix(".json"))  # used now: the pruning keeps the tables in use
    return WordTable(trie, values, meta["meta"])


def save(kind: str, sources: Sequence[Path], table: WordTable) -> None:
    """Keep ``table`` for the next process; a failure is logged and costs only that."""
    folder = cache_dir()
    if folder is None:
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        stem = folder / table_key(kind, sources)
        trie_path = stem.with_suffix(".marisa")
        write_replacing(trie_path, table.trie.tobytes())
        write_replacing(stem.with_suffix(".values"), table.values.tobytes())
        # the description last: a table without one, or with a torn file, is never read
        description = {"words": len(table.trie), "meta": table.meta, "trie_bytes": trie_path.stat().st_size}
        write_replacing(stem.with_suffix(".json"), json.dumps(description).encode())
        _prune(folder, kind)
    except (OSError, ValueError) as exc:
        log.debug("the %s table is not kept in %s: %s", kind, folder, exc)


def _prune(folder: Path, kind: str) -> None:
    """Drop all but the :data:`KEEP` tables of ``kind`` written or loaded last."""
    described = sorted(folder.glob(f"{kind}-*.json"), key=lambda path: path.stat().st_mtime, reverse=True)
    for stale in described[KEEP:]:
        for suffix in (".json", ".marisa", ".values"):
            stale.with_suffix(suffix).unlink(missing_ok=True)
