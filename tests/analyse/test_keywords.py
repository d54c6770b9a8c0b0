"""TF-IDF keywords over tokens already computed."""

from __future__ import annotations

from pathlib import Path

import pytest

from sentinel.analyse.keywords import keyword_scores, keywords, load_idf
from sentinel.analyse.tokenize import Tokenizer, default_tokenizer

ACCIDENT = (
    "河南郑州市中原区一居民楼发生燃气爆炸，造成3人死亡、5人受伤。事故原因正在调查中，"
    "郑州市应急管理局已派工作组赶赴现场，燃气爆炸事故引发关注。"
)


@pytest.fixture(scope="module")
def tokenizer() -> Tokenizer:
    return default_tokenizer()


def test_keywords_name_the_story(tokenizer: Tokenizer) -> None:
    top = keywords(tokenizer.tokens(ACCIDENT), 5)
    assert len(top) == 5
    assert "燃气爆炸" in top and "应急管理局" in top


def test_stopwords_single_characters_and_numbers_never_come_out(tokenizer: Tokenizer) -> None:
    words = [word for word, _ in keyword_scores(tokenizer.tokens(ACCIDENT), 100)]
    assert words
    assert all(len(word) > 1 for word in words)
    assert not {"已", "3", "5", "，", "正在", "的"} & set(words)


def test_scores_are_best_first_and_ties_by_word() -> None:
    idf = ({"甲乙": 2.0, "丙丁": 2.0, "戊己": 5.0}, 1.0)
    scored = keyword_scores(["丙丁", "甲乙", "戊己", "庚辛"], 10, stopwords=(), idf=idf)
    assert [word for word, _ in scored] == ["戊己", "丙丁", "甲乙", "庚辛"]
    assert scored[0][1] == pytest.approx(5.0 / 4)
    assert scored[-1][1] == pytest.approx(1.0 / 4)  # unknown words get the table's median


def test_term_frequency_raises_a_word() -> None:
    idf = ({"火灾": 3.0, "救援": 4.0}, 1.0)
    assert [w for w, _ in keyword_scores(["火灾", "救援"], 1, idf=idf)] == ["救援"]
    assert [w for w, _ in keyword_scores(["火灾", "火灾", "救援"], 1, idf=idf)] == ["火灾"]


def test_top_limits_and_empty_input() -> None:
    assert keywords([], 5) == []
    assert keywords(["火灾", "救援"], 0) == []
    assert len(keywords(["火灾", "救援", "爆炸"], 2)) == 2


def test_idf_table_is_loaded_once() -> None:
    table, median = load_idf()
    assert load_idf()[0] is table
    assert len(table) > 100_000 and 0 < median < 20


def test_idf_table_reads_the_file_into_a_trie(tmp_path: Path) -> None:
    path = tmp_path / "idf.txt"
    path.write_text("火灾 9.5\n救援 8.25\n燃气爆炸 11.0\n", encoding="utf-8")
    table, median = load_idf(path)
    assert dict(table) == {"火灾": 9.5, "救援": 8.25, "燃气爆炸": 11.0} and median == 9.5
    assert table.get("火灾") == 9.5 and table.get("火", 1.5) == 1.5 and table.get("燃气") is None
    assert "救援" in table and "救" not in table and 3 not in table and len(table) == 3
    with pytest.raises(KeyError):
        table["燃气"]
    assert load_idf(path) == (table, median)  # read once: a later call gets the same table
