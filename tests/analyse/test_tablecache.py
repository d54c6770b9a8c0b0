"""The compiled word tables kept on disk (sentinel.analyse.tablecache): a process that finds them
tokenizes and weighs keywords exactly as one that compiled them, never from a table of other
dictionaries, and a cache that is torn, unwritable or turned off only costs the time to build."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from sentinel.analyse import keywords, tablecache
from sentinel.analyse.tokenize import Tokenizer

TEXTS = [
    "郑州市中原区一化工厂发生爆炸，造成3人死亡、12人受伤，应急管理局已派出工作组",
    "刚刚楼下着火了！消防车来了好几辆[衰]，希望没有人受伤",
    "国务院安委会办公室约谈湖南省人民政府，督促落实安全生产责任",
]


def _tokens(tokenizer: Tokenizer) -> list[list[str]]:
    return [tokenizer.tokenize(text) for text in TEXTS]


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache folder for the module: the bundled dictionaries are compiled once, not per test."""
    return tmp_path_factory.mktemp("tables")


@pytest.fixture
def cache(shared: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SENTINEL_CACHE_DIR", str(shared))
    return shared


def test_a_tokenizer_from_the_cache_cuts_as_one_compiled_from_jieba(cache: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SENTINEL_CACHE_DIR", "off")
    compiled = Tokenizer()
    assert compiled._jieba is None
    monkeypatch.setenv("SENTINEL_CACHE_DIR", str(cache))
    first = Tokenizer()  # compiles and keeps the table
    assert sorted(path.suffix for path in cache.glob("jieba-*")) == [".json", ".marisa", ".values"]

    def no_jieba(self: Tokenizer) -> None:
        raise AssertionError("the cached table was not used")

    monkeypatch.setattr(Tokenizer, "_load_jieba", no_jieba)
    cached = Tokenizer()
    assert _tokens(cached) == _tokens(first) == _tokens(compiled)
    assert cached._longest == compiled._longest and cached._logtotal == compiled._logtotal
    assert list(cached._logfreq) == list(compiled._logfreq)


def test_another_dictionary_is_another_table(cache: Path, tmp_path: Path) -> None:
    extra = tmp_path / "extra.txt"
    extra.write_text("舆情哨兵 10 n\n", encoding="utf-8")
    plain = Tokenizer()
    assert "舆情哨兵" not in plain.tokenize("部署舆情哨兵系统")
    assert "舆情哨兵" in Tokenizer([extra]).tokenize("部署舆情哨兵系统")
    # the office edits its dictionary: the next start reads the new words, not the kept table
    extra.write_text("舆情哨兵 10 n\n哨兵系统 100000 n\n", encoding="utf-8")
    assert "哨兵系统" in Tokenizer([extra]).tokenize("部署舆情哨兵系统")
    assert len(list(cache.glob("jieba-*.json"))) >= 3
    # and a word added at run time is this tokenizer's alone, never kept
    plain.add_word("舆情哨兵")
    assert "舆情哨兵" in plain.tokenize("部署舆情哨兵系统")
    assert "舆情哨兵" not in Tokenizer().tokenize("部署舆情哨兵系统")


def test_a_torn_table_is_built_again(cache: Path) -> None:
    expected = _tokens(Tokenizer())
    for torn in cache.glob("jieba-*.marisa"):
        torn.write_bytes(torn.read_bytes()[: torn.stat().st_size // 2])
    for torn in cache.glob("jieba-*.values"):
        torn.write_bytes(b"\0" * 24)
    rebuilt = Tokenizer()
    assert _tokens(rebuilt) == expected
    assert tablecache.load("jieba", rebuilt._sources()) is not None  # kept whole again


def test_an_unwritable_or_disabled_cache_only_costs_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = _tokens(Tokenizer())
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("SENTINEL_CACHE_DIR", str(blocked / "cache"))
    assert _tokens(Tokenizer()) == expected
    monkeypatch.setenv("SENTINEL_CACHE_DIR", "off")
    assert tablecache.cache_dir() is None
    assert _tokens(Tokenizer()) == expected


def test_the_idf_table_from_the_cache_is_the_one_read(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    read, median = keywords._read_idf(keywords.IDF_PATH)
    assert list(cache.glob("idf-*.marisa"))
    monkeypatch.setattr(keywords, "_parse_idf", lambda path: pytest.fail("the cached table was not used"))
    cached, cached_median = keywords._read_idf(keywords.IDF_PATH)
    assert cached_median == median and len(cached) == len(read) > 200_000
    for word in ("爆炸", "应急管理局", "的", "舆情"):
        assert cached.get(word) == read.get(word)
    assert cached.get("不在表里的词") is None


@pytest.fixture
def small_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache folder of this test's own, for small tables of a kind of their own."""
    monkeypatch.setenv("SENTINEL_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _word_files(folder: Path, count: int) -> list[Path]:
    """``count`` one-word source files, each another table."""
    files = []
    for n in range(count):
        source = folder / f"words{n}.txt"
        source.write_text(f"哨兵{n}号\n", encoding="utf-8")
        files.append(source)
    return files


def _save_later(source: Path, n: int) -> None:
    """Keep the one-word table of ``source``, later than what came before on any file system's clock."""
    time.sleep(0.01)
    tablecache.save("words", [source], tablecache.WordTable.build({f"哨兵{n}号": float(n)}, {"n": n}))


def test_only_the_newest_tables_of_a_kind_are_kept(small_cache: Path, tmp_path: Path) -> None:
    sources = _word_files(tmp_path, tablecache.KEEP + 2)
    for n, source in enumerate(sources):
        _save_later(source, n)
        loaded = tablecache.load("words", [source])
        assert loaded is not None and loaded.meta == {"n": n} and list(loaded.values) == [float(n)]
    kept = sorted(path.stem for path in small_cache.glob("words-*.json"))
    assert kept == sorted(tablecache.table_key("words", [source]) for source in sources[-tablecache.KEEP:])
    assert len(list(small_cache.glob("words-*.marisa"))) == len(list(small_cache.glob("words-*.values"))) \
        == tablecache.KEEP


def test_a_table_in_use_outlives_newer_ones(small_cache: Path, tmp_path: Path) -> None:
    sources = _word_files(tmp_path, tablecache.KEEP + 1)
    _save_later(sources[0], 0)
    for n, source in enumerate(sources[1:], start=1):
        time.sleep(0.01)
        assert tablecache.load("words", [sources[0]]) is not None  # the office's table, loaded at each start
        _save_later(source, n)
    kept = {path.stem for path in small_cache.glob("words-*.json")}
    assert tablecache.table_key("words", [sources[0]]) in kept
    assert tablecache.table_key("words", [sources[1]]) not in kept and len(kept) == tablecache.KEEP
