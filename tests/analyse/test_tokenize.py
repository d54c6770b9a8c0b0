"""The tokenizer: sentinel's dictionaries are loaded, the fast path equals jieba, tokens are lossless."""

from __future__ import annotations

import logging
from pathlib import Path

import jieba
import pytest

from sentinel.analyse.tokenize import (
    DICT_DIR,
    USER_DICTS,
    Tokenizer,
    Tokens,
    default_tokenizer,
    load_aliases,
    load_stopwords,
    tokenize,
)

SENTENCES = [
    "郑州市中原区发生燃气爆炸，造成3人死亡、5人受伤。",
    "新疆维吾尔自治区卫生健康委员会通报一起食物中毒事件",
    "市场监督管理局联合住房和城乡建设局召开新闻发布会，发布权威信息",
    "河南郑州一小区楼房坍塌，应急管理局启动应急响应，防范次生灾害",
    "乐乐乐乐乐，啊啊啊啊崩溃了!!!  我在 iPhone15 上看到 COVID-19 的消息 a.b-c_d%e",
    "\u3000全角空格\u3000和\t制表符\n换行 ",
    "😀[哈哈][允悲] @某某 https://t.cn/abc #热搜#",
    "",
]


@pytest.fixture(scope="module")
def tokenizer() -> Tokenizer:
    return default_tokenizer()


@pytest.mark.parametrize(
    "sentence, word",
    [
        ("郑州市中原区发生爆炸", "郑州市"),
        ("郑州市中原区发生爆炸", "中原区"),
        ("新疆维吾尔自治区发布通知", "新疆维吾尔自治区"),
        ("广西壮族自治区南宁市青秀区", "青秀区"),
        ("河南省人民政府办公厅", "河南省"),
        ("郑州市卫健委通报", "卫健委"),
        ("省卫生健康委员会发布", "卫生健康委员会"),
        ("市场监督管理局检查", "市场监督管理局"),
        ("住房和城乡建设局回应", "住房和城乡建设局"),
        ("应急管理局派出工作组", "应急管理局"),
        ("谨防次生灾害发生", "次生灾害"),
        ("学校发生食物中毒", "食物中毒"),
        ("今晚召开新闻发布会", "新闻发布会"),
        ("网上舆情持续发酵", "舆情"),
    ],
)
def test_dictionary_words_stay_whole(tokenizer: Tokenizer, sentence: str, word: str) -> None:
    assert word in tokenizer.tokenize(sentence)


@pytest.mark.parametrize("sentence", SENTENCES)
def test_tokens_are_the_text_without_whitespace(tokenizer: Tokenizer, sentence: str) -> None:
    tokens = tokenizer.tokenize(sentence)
    assert "".join(tokens) == "".join(sentence.split())
    assert all(token and not token.isspace() for token in tokens)


def test_fast_path_equals_jieba_with_the_same_dictionaries(tokenizer: Tokenizer) -> None:
    logging.getLogger("jieba").setLevel(logging.WARNING)
    reference = jieba.Tokenizer()
    for name in USER_DICTS:
        reference.load_userdict(str(DICT_DIR / name))
    for sentence in SENTENCES:
        expected = [w for w in reference.lcut(sentence, HMM=False) if not w.isspace()]
        assert tokenizer.tokenize(sentence) == expected, sentence


def test_tokens_value_carries_text_and_words(tokenizer: Tokenizer) -> None:
    tokens = tokenizer.tokens("郑州发生爆炸")
    assert isinstance(tokens, Tokens)
    assert tokens.text == "郑州发生爆炸"
    assert list(tokens) == list(tokens.words) == tokenizer.tokenize("郑州发生爆炸")
    assert len(tokens) == len(tokens.words)


def test_module_level_tokenize_uses_one_shared_tokenizer() -> None:
    assert default_tokenizer() is default_tokenizer()
    assert tokenize("郑州市中原区") == default_tokenizer().tokenize("郑州市中原区")


def test_extra_user_dictionary_and_add_word(tmp_path: Path) -> None:
    extra = tmp_path / "extra.txt"
    extra.write_text("舆情哨兵 10 n\n", encoding="utf-8")
    plain = default_tokenizer()
    assert "舆情哨兵" not in plain.tokenize("部署舆情哨兵系统")
    custom = Tokenizer([extra])
    assert "舆情哨兵" in custom.tokenize("部署舆情哨兵系统")
    custom.add_word("哨兵系统", custom.suggest_freq("哨兵系统"))
    assert "哨兵系统" in custom.tokenize("一套哨兵系统")
    # jieba's own global dictionary is never touched
    assert "舆情哨兵" not in jieba.lcut("部署舆情哨兵系统")


def test_hmm_mode_finds_unknown_names() -> None:
    with_hmm = Tokenizer(hmm=True)
    assert with_hmm.hmm
    # an unknown three-character name: HMM joins it, the dictionary-only path leaves characters
    assert len(with_hmm.tokenize("俞曾港在会上表示")) < len(default_tokenizer().tokenize("俞曾港在会上表示"))


def test_aliases_go_both_ways_and_skip_everyday_words() -> None:
    aliases = load_aliases()
    assert "郑州" in aliases["郑州市"] and "郑州市" in aliases["郑州"]
    assert "新疆" in aliases["新疆维吾尔自治区"]
    assert "卫健委" in aliases["卫生健康委员会"]
    assert "市场监管局" in aliases["市场监督管理局"]
    # 中原区's short form is also "the Central Plains": never an alias
    assert "中原" not in aliases.get("中原区", ())


def test_stopwords_keep_domain_words(tokenizer: Tokenizer) -> None:
    stopwords = load_stopwords()
    assert {"的", "了", "我们"} <= stopwords
    assert not {"安全", "重大", "死亡", "造成"} & stopwords
    assert tokenizer.stopwords == stopwords


def test_content_words_drop_stopwords_single_characters_and_numbers(tokenizer: Tokenizer) -> None:
    words = tokenizer.content_words(tokenizer.tokens("我们的城市发生了3起火灾，共2人受伤。"))
    assert "火灾" in words and "受伤" in words
    assert not {"我们", "的", "了", "3", "，", "。", "人"} & set(words)
