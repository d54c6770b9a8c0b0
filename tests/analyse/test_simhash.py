"""Simhash over tokens and the banded near-duplicate index."""

from __future__ import annotations

import random
import tracemalloc
from hashlib import blake2b

import pytest

from sentinel.analyse.simhash import BITS, SimhashIndex, hamming, simhash, token_hash
from sentinel.analyse.tokenize import Tokenizer, default_tokenizer

STORY = (
    "河南郑州市中原区一居民楼今日凌晨发生燃气爆炸，造成3人死亡、5人受伤，另有2人被困。事故发生后，"
    "郑州市应急管理局、消防救援支队迅速赶赴现场开展搜救，伤者已被送往医院救治。目前，事故原因正在"
    "进一步调查中，相关部门已对周边居民进行疏散安置。"
)
OTHER = (
    "广州市天河区今日举办美食文化节，吸引数万市民参与。活动现场设有百余个摊位，市民可以品尝来自全国"
    "各地的特色美食，现场气氛热烈，主办方表示活动将持续三天。"
)
SAME_PLACE = (
    "郑州市中原区今日举行安全生产应急演练，模拟燃气泄漏事故处置，消防救援支队、应急管理局等部门参加。"
)


@pytest.fixture(scope="module")
def tokenizer() -> Tokenizer:
    return default_tokenizer()


def reference_simhash(tokens: list[str], idf: dict[str, float]) -> int:
    """Textbook simhash: per bit, add the weight when the token's hash has it, subtract otherwise."""
    counts: dict[str, int] = {}
    for token in tokens:
        counts[token] = counts.get(token, 0) + 1
    sums = [0] * BITS
    for token, count in counts.items():
        weight = count * max(1, round(10 * idf.get(token, 1.0)))
        value = int.from_bytes(blake2b(token.encode(), digest_size=8).digest(), "little")
        for bit in range(BITS):
            sums[bit] += weight if value >> bit & 1 else -weight
    return sum(1 << bit for bit in range(BITS) if sums[bit] > 0)


def test_token_hash_is_blake2b_64_and_stable() -> None:
    expected = int.from_bytes(blake2b("郑州".encode(), digest_size=8).digest(), "little")
    assert token_hash("郑州") == expected
    assert 0 <= token_hash("爆炸") < 2**64


def test_simhash_equals_the_textbook_definition() -> None:
    rng = random.Random(11)
    vocabulary = [f"词{i}" for i in range(40)]
    idf = {word: rng.uniform(0.5, 12) for word in vocabulary}
    for _ in range(30):
        tokens = [rng.choice(vocabulary) for _ in range(rng.randint(1, 60))]
        assert simhash(tokens, stopwords=(), idf=idf) == reference_simhash(tokens, idf)


def test_default_weights_use_the_idf_cache_consistently(tokenizer: Tokenizer) -> None:
    tokens = tokenizer.tokens(STORY)
    first = simhash(tokens)
    assert simhash(tokens) == first  # second call reads the per-token cache
    assert simhash(list(tokens.words)) == first


def test_stopwords_punctuation_and_numbers_do_not_count(tokenizer: Tokenizer) -> None:
    plain = simhash(["郑州", "燃气", "爆炸", "死亡"])
    assert simhash(["郑州", "的", "燃气", "了", "爆炸", "，", "3", "死亡", "。"]) == plain
    assert simhash([]) == 0
    assert simhash(["的", "，", "123"]) == 0


@pytest.mark.parametrize(
    "copy",
    [
        "【转载】" + STORY + "（来源：大河报）",
        STORY + " 编辑：李四",
        STORY.replace("今日凌晨", "今天凌晨"),
    ],
)
def test_syndicated_copies_are_within_three_bits(tokenizer: Tokenizer, copy: str) -> None:
    assert hamming(simhash(tokenizer.tokens(STORY)), simhash(tokenizer.tokens(copy))) <= 3


@pytest.mark.parametrize(
    "copy",
    [
        "本报讯（记者 张三）" + STORY,
        STORY.replace("今日凌晨", "今天凌晨").replace("迅速", "第一时间"),
    ],
)
def test_edited_copies_are_within_six_bits(tokenizer: Tokenizer, copy: str) -> None:
    assert hamming(simhash(tokenizer.tokens(STORY)), simhash(tokenizer.tokens(copy))) <= 6


@pytest.mark.parametrize("text", [OTHER, SAME_PLACE])
def test_different_stories_are_far_apart(tokenizer: Tokenizer, text: str) -> None:
    assert hamming(simhash(tokenizer.tokens(STORY)), simhash(tokenizer.tokens(text))) > 12


def flip(value: int, *bits: int) -> int:
    for bit in bits:
        value ^= 1 << bit
    return value


def test_index_finds_within_distance_in_any_bands() -> None:
    base = 0x0123_4567_89AB_CDEF
    index: SimhashIndex[str] = SimhashIndex()
    index.add("same", base)
    index.add("one-band", flip(base, 1, 2, 3))  # three bits in one band
    index.add("three-bands", flip(base, 5, 21, 37))  # one bit in each of three bands
    index.add("four-bits", flip(base, 0, 16, 32, 48))  # one bit in every band
    index.add("far", ~base & (2**64 - 1))
    assert index.near(base) == ["same", "one-band", "three-bands"]
    assert index.near(base, max_distance=4) == ["same", "one-band", "three-bands", "four-bits"]
    assert index.near(base, max_distance=0) == ["same"]


def test_index_multi_probe_matches_a_scan() -> None:
    rng = random.Random(5)
    index: SimhashIndex[int] = SimhashIndex()
    stored = {}
    base = rng.getrandbits(64)
    for key in range(400):
        value = flip(base, *rng.sample(range(64), rng.randint(0, 10)))
        stored[key] = value
        index.add(key, value)
    for distance in (0, 3, 6, 7, 9):
        expected = {key for key, value in stored.items() if hamming(base, value) <= distance}
        assert set(index.near(base, max_distance=distance)) == expected


def test_index_remove_and_re_add() -> None:
    index: SimhashIndex[str] = SimhashIndex()
    index.add("a", 0)
    index.add("b", 0b111)
    assert len(index) == 2 and "a" in index and index.get("b") == 0b111
    index.remove("a")
    index.remove("missing")  # ignored
    assert index.near(0) == ["b"] and "a" not in index
    index.add("b", 2**64 - 1)  # moves
    assert index.near(0) == [] and index.near(2**64 - 1) == ["b"]


def test_index_arguments() -> None:
    with pytest.raises(ValueError):
        SimhashIndex(bands=5)
    with pytest.raises(ValueError):
        SimhashIndex().near(0, max_distance=-1)
    eight: SimhashIndex[str] = SimhashIndex(bands=8)
    eight.add("x", flip(0, *range(0, 56, 8)))  # 7 bits, one per band but the last
    assert eight.near(0, max_distance=7) == ["x"]


def test_the_token_cache_of_a_long_run_stays_small() -> None:
    """Every distinct token of every watched item passes through the cache: after 70,000 of them it
    holds at most 16,384 (each ~450 bytes: a 2,048-bit spread), ~7 MB, not 64k entries and ~27 MB."""
    simhash(["预热"])  # the IDF table loaded before measuring
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for start in range(0, 70_000, 50):
            simhash([f"词{n}" for n in range(start, start + 50)])
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert held < 12 * 2**20, f"{held / 2**20:.1f} MB"
