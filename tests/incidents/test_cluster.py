"""Online clustering: copies, similarity through the inverted index, regions, window, determinism.

The synthetic cases pin the arithmetic (expected scores worked out by hand in the comments); the
fixture cases run a hand-labelled stream of real headlines (``fixtures/README.md``) with keywords
from jieba's TF-IDF, as the analyse stage would give them.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from itertools import combinations
from pathlib import Path

import jieba
import jieba.analyse
import pytest

from sentinel.errors import ConfigError, NotFoundError
from sentinel.incidents.cluster import Assignment, ClusterConfig, Clusterer, ClusterItem
from sentinel.incidents.copies import hamming
from sentinel.incidents.summary import TitleCandidate, representative

T0 = datetime(2024, 5, 6, 0, 0, tzinfo=UTC)
# Pure cosine, so that expected scores can be worked out by hand.
PLAIN = ClusterConfig(threshold=0.5, incident_idf=0.0, min_shared=2)


def item(
    item_id: int,
    keywords: dict[str, float],
    *,
    at: datetime = T0,
    simhash: int | None = None,
    content_hash: str | None = None,
    regions: tuple[str, ...] = (),
    source: str = "s1",
    rules: tuple[str, ...] = (),
) -> ClusterItem:
    # Fingerprints far apart unless a test sets them: a multiplicative hash of the id.
    fingerprint = (item_id * 0x9E3779B97F4A7C15) & ((1 << 64) - 1) if simhash is None else simhash
    return ClusterItem(
        item_id, source, at, keywords, fingerprint, content_hash or f"h{item_id}", rules, regions
    )


def approx_assignment(key: int | None, reason: str, score: float) -> Assignment:
    """An Assignment that compares equal when the score is within pytest's default tolerance."""
    return Assignment(key, reason, pytest.approx(score))  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------- similarity


def test_similar_item_joins_with_its_cosine_as_score() -> None:
    c = Clusterer(PLAIN)
    c.open_incident(1, item(1, {"x": 3, "y": 4}))
    # cos((4,3), (3,4)) = 24 / 25
    decision = c.assign(item(2, {"x": 4, "y": 3}))
    assert decision == approx_assignment(1, "similar 0.96", 0.96)




def test_the_centroid_stays_the_decayed_sum_of_unit_vectors_over_thousands_of_items() -> None:
    # 0.9 ** 3000: the decay kept apart from the stored weights is folded back into them twice
    import random

    rng = random.Random(3)
    words = [f"w{n}" for n in range(30)]
    c = Clusterer(replace(PLAIN, centroid_terms=100))
    expected: dict[str, float] = {}
    for n in range(3000):  # the last 500 without w0-w9: their postings keep the weights of the last fold
        keywords = {word: rng.random() + 0.01 for word in rng.sample(words if n < 2500 else words[10:], 4)}
        (c.add if n else c.open_incident)(1, item(n, keywords))
        length = math.sqrt(sum(w * w for w in keywords.values()))
        expected = {term: weight * 0.9 for term, weight in expected.items()}
        for term, weight in keywords.items():
            expected[term] = expected.get(term, 0.0) + weight / length
    norm = math.sqrt(sum(w * w for w in expected.values()))
    assert c.centroid(1) == pytest.approx({term: weight / norm for term, weight in expected.items()})
    probe = {"w1": 1.0, "w2": 2.0, "w15": 2.0}
    cosine = sum(w * expected.get(t, 0.0) for t, w in probe.items()) / (3.0 * norm)
    assert c.assign(item(5000, probe)).score == pytest.approx(cosine)

def test_rekey_renames_an_incident_for_similarity_copies_and_expiry() -> None:
    """An incident placed under a provisional key takes its row's id, all else unchanged."""
    c = Clusterer(PLAIN)
    c.open_incident(1 << 40, item(1, {"x": 3, "y": 4}, content_hash="same", simhash=0xFF))
    c.rekey(1 << 40, 7)
    assert c.keys() == [7] and (1 << 40) not in c
    assert c.assign(item(2, {"x": 4, "y": 3})).incident_key == 7  # similarity: the postings
    assert c.assign(item(3, {"q": 1.0}, content_hash="same")).incident_key == 7  # copies: the hash
    assert c.assign(item(4, {"q": 1.0}, simhash=0xFF)).incident_key == 7  # and the fingerprint
    assert c.summary(7).item_count == 1
    assert c.expire(T0 + PLAIN.window + timedelta(minutes=1)) == [7]
    assert len(c) == 0 and c.assign(item(5, {"x": 3, "y": 4})).incident_key is None

def test_dissimilar_item_opens_new_and_reports_best_score() -> None:
    c = Clusterer(PLAIN)
    c.open_incident(1, item(1, {"x": 3, "y": 4}))
    # (3·1 + 4·1) / (5 · √102) = 0.1386, below 0.5
    decision = c.assign(item(2, {"x": 1, "y": 1, "z": 10}))
    assert decision.incident_key is None and decision.reason == "new"
    assert decision.score == pytest.approx(7 / (5 * math.sqrt(102)))


def test_one_shared_term_is_not_enough() -> None:
    c = Clusterer(PLAIN)
    c.open_incident(1, item(1, {"x": 1, "y": 1}))
    # cos = 1/√2 = 0.71 would pass the threshold, but min_shared is 2.
    assert c.assign(item(2, {"x": 1, "z": 1})).incident_key is None
    one = Clusterer(replace(PLAIN, min_shared=1, threshold=0.4))
    one.open_incident(1, item(1, {"x": 1, "y": 1}))
    assert one.assign(item(2, {"x": 1, "z": 1})) == approx_assignment(1, "similar 0.50", 0.5)


def test_centroid_decays_and_keeps_its_heaviest_terms() -> None:
    c = Clusterer(replace(PLAIN, centroid_decay=0.5, centroid_terms=2))
    c.open_incident(1, item(1, {"x": 1}))
    c.add(1, item(2, {"y": 1}))  # x 0.5, y 1
    c.add(1, item(3, {"z": 1}))  # x 0.25, y 0.5, z 1 -> x cut
    summary = c.summary(1)
    # (1, 0.5) / √1.25
    assert summary.top_keywords == (("z", pytest.approx(0.894427, abs=1e-6)), ("y", pytest.approx(0.447214, abs=1e-6)))
    before = c.stats.candidates_scored
    c.assign(item(4, {"x": 1, "w": 1}))
    assert c.stats.candidates_scored == before  # x left the inverted index with the centroid


def test_rarity_among_open_incidents_reweights_the_item() -> None:
    c = Clusterer(ClusterConfig(threshold=0.0, incident_idf=1.0, min_shared=1, region_bonus=0.0))
    c.open_incident(1, item(1, {"x": 1, "y": 1}))
    c.open_incident(2, item(2, {"x": 1, "z": 1}))
    # N = 2: x is in both (rarity 1 + ln(3/3) = 1), y in one (1 + ln(3/2) = 1.405465).
    # Item (1, 1.405465) / 1.724915; incident 1 is (1, 1)/√2: (1 + 1.405465) / (1.724915 · √2) = 0.986094
    decision = c.assign(item(3, {"x": 1, "y": 1}))
    assert decision.incident_key == 1
    assert decision.score == pytest.approx(0.986094, abs=1e-5)


# ------------------------------------------------------------------------------------------ regions


def test_conflicting_places_veto_a_textual_match() -> None:
    c = Clusterer(PLAIN)
    c.open_incident(1, item(1, {"化工厂": 3, "爆炸": 2, "郑州": 2}, regions=("郑州", "河南")))
    nanjing = item(2, {"化工厂": 3, "爆炸": 2, "南京": 2}, regions=("南京", "江苏"))
    # cos = (9 + 4) / 17 = 0.7647, minus the 1.0 penalty
    assert c.assign(nanjing).incident_key is None
    no_penalty = Clusterer(replace(PLAIN, region_penalty=0.0))
    no_penalty.open_incident(1, item(1, {"化工厂": 3, "爆炸": 2, "郑州": 2}, regions=("郑州",)))
    assert no_penalty.assign(nanjing).score == pytest.approx(13 / 17)


def test_shared_place_adds_the_bonus_and_no_place_is_neutral() -> None:
    c = Clusterer(replace(PLAIN, region_bonus=0.03))
    c.open_incident(1, item(1, {"x": 1, "y": 1}, regions=("郑州", "河南")))
    assert c.assign(item(2, {"x": 1, "y": 1}, regions=("河南",))).score == pytest.approx(1.03)
    assert c.assign(item(3, {"x": 1, "y": 1})).score == pytest.approx(1.0)
    default = Clusterer(PLAIN)  # no bonus by default
    default.open_incident(1, item(1, {"x": 1, "y": 1}, regions=("郑州",)))
    assert default.assign(item(2, {"x": 1, "y": 1}, regions=("郑州",))).score == pytest.approx(1.0)


def test_days_far_apart_veto_a_textual_match_and_near_days_do_not() -> None:
    c = Clusterer(PLAIN)
    # 合宁高速: a crash on 7月31日 and another on 10月8日 of the same motorway are two incidents.
    c.open_incident(1, replace(item(1, {"合宁": 3, "高速": 2, "相撞": 2}), days=(date(2025, 7, 31),)))
    later = replace(item(2, {"合宁": 3, "高速": 2, "相撞": 2}), days=(date(2025, 10, 8),))
    assert c.assign(later).incident_key is None
    next_day = replace(item(3, {"合宁": 3, "高速": 2, "相撞": 2}), days=(date(2025, 8, 1),))
    assert c.assign(next_day).incident_key == 1  # a follow-up dated the day after
    undated = item(4, {"合宁": 3, "高速": 2, "相撞": 2}, regions=("合肥",))
    assert c.assign(undated).incident_key == 1  # no day on one side: text decides
    lenient = Clusterer(replace(PLAIN, day_penalty=0.0))
    lenient.open_incident(1, replace(item(1, {"合宁": 3, "高速": 2}), days=(date(2025, 7, 31),)))
    assert lenient.assign(replace(item(2, {"合宁": 3, "高速": 2}), days=(date(2025, 10, 8),))).incident_key == 1


def test_the_places_of_the_events_decide_where_both_know_them() -> None:
    c = Clusterer(PLAIN)
    wenchuan = ("CN", "CN-51", "5132", "513221")
    c.open_incident(1, replace(item(1, {"地震": 3, "震感": 2, "汶川": 2}, regions=("汶川", "四川")), place=wenchuan))
    # felt in 上海, but the quake is 汶川's: the place of the event joins it despite other region words
    felt = replace(item(2, {"地震": 3, "震感": 2, "上海": 2}, regions=("上海",)), place=("CN", "CN-51"))
    assert c.assign(felt).incident_key == 1
    fiji = Clusterer(PLAIN)
    fiji.open_incident(1, replace(item(1, {"海域": 3, "地震": 2, "级": 2}), place=("XX-FJ",)))
    assert fiji.assign(replace(item(2, {"海域": 3, "地震": 2, "级": 2}), place=("XX-NZ",))).incident_key is None
    assert fiji.assign(replace(item(3, {"海域": 3, "地震": 2, "级": 2}), place=("XX-FJ",))).incident_key == 1
    # within a province, finer places are left to the text and the days (a lead names the county,
    # a dateline the provincial capital)
    assert c.assign(replace(item(4, {"地震": 3, "震感": 2}), place=("CN", "CN-51", "5101"))).incident_key == 1
    assert c.assign(replace(item(5, {"地震": 3, "震感": 2}), place=("CN", "CN-53"))).incident_key is None
    # ... unless the two name two cities of the province and no place in common: 汕头's fire is not 佛山's
    fire = Clusterer(PLAIN)
    shantou = replace(item(1, {"作坊": 3, "火灾": 2}, regions=("汕头", "潮阳")), place=("CN", "CN-44", "4405", "440513"))
    fire.open_incident(1, shantou)
    foshan = replace(item(2, {"作坊": 3, "火灾": 2}, regions=("佛山", "顺德")), place=("CN", "CN-44", "4406", "440606"))
    assert fire.assign(foshan).incident_key is None
    lead = replace(item(3, {"作坊": 3, "火灾": 2}, regions=("广州",)), place=("CN", "CN-44", "4405"))
    assert fire.assign(lead).incident_key == 1  # the same city, whatever the dateline says


def test_magnitudes_far_apart_are_two_quakes() -> None:
    c = Clusterer(PLAIN)
    c.open_incident(1, replace(item(1, {"智利": 3, "地震": 2, "海啸": 2}), magnitude=8.2))
    assert c.assign(replace(item(2, {"智利": 3, "地震": 2, "海啸": 2}), magnitude=7.6)).incident_key is None
    assert c.assign(replace(item(3, {"智利": 3, "地震": 2, "海啸": 2}), magnitude=8.0)).incident_key == 1  # revised
    assert c.assign(item(4, {"智利": 3, "地震": 2, "海啸": 2})).incident_key == 1  # no magnitude stated


def test_an_item_naming_no_place_or_day_joins_one_that_does_but_only_anchored_above_the_bar() -> None:
    c = Clusterer(replace(PLAIN, threshold=0.2, unanchored_threshold=0.6))
    c.open_incident(1, replace(item(1, {"摩托车": 3, "相撞": 2, "澄城": 2, "执法车": 2}), days=(date(2026, 3, 1),),
                               region_words=("澄城",)))
    # "摩托车与大货车相撞3名学生死亡": cos = (3 + 2) / (2 · sqrt(21)) = 0.55, below 0.6
    bare = item(2, {"摩托车": 1, "相撞": 1, "大货车": 1, "学生": 1})
    decision = c.assign(bare)
    assert decision.incident_key == 1 and 0.2 <= decision.score < 0.6 and not decision.anchored
    placed = replace(bare, region_words=("澄城",))
    assert c.assign(placed).anchored  # it names the place: anchored
    fresh = Clusterer(replace(PLAIN, threshold=0.2, unanchored_threshold=0.6))
    fresh.open_incident(1, item(1, {"摩托车": 3, "相撞": 2, "执法车": 2}))  # nothing anchors the incident either
    assert fresh.assign(bare).anchored


def test_a_category_outside_the_incidents_costs_the_penalty() -> None:
    c = Clusterer(replace(PLAIN, category_penalty=0.3))
    c.open_incident(1, replace(item(1, {"合肥": 2, "饭店": 2, "中毒": 1}), category="public_health"))
    crash = replace(item(2, {"合肥": 2, "饭店": 2, "相撞": 1}), category="accident")
    # cos = (2·2 + 2·2) / (3 · 3) = 8/9 without the penalty
    assert c.assign(replace(crash, category=None)).score == pytest.approx(8 / 9)
    assert c.assign(crash).score == pytest.approx(8 / 9 - 0.3)
    assert c.assign(replace(crash, category="public_health")).score == pytest.approx(8 / 9)


# ------------------------------------------------------------------------------------------- copies


def test_equal_content_hash_joins_whatever_the_words() -> None:
    c = Clusterer(PLAIN)
    c.open_incident(1, item(1, {"x": 1, "y": 1}, content_hash="abc"))
    assert c.assign(item(2, {"p": 1, "q": 1}, content_hash="abc")) == Assignment(1, "content_hash", 1.0)


def test_simhash_within_three_bits_joins_and_four_does_not() -> None:
    base = 0x0123_4567_89AB_CDEF
    c = Clusterer(PLAIN)
    c.open_incident(1, item(1, {"x": 1, "y": 1}, simhash=base))
    three = base ^ 0b1 ^ (1 << 20) ^ (1 << 40)  # one bit in each of three bands
    four = base ^ 0b1 ^ (1 << 20) ^ (1 << 40) ^ (1 << 60)  # and the fourth band
    assert c.assign(item(2, {"p": 1, "q": 1}, simhash=three)) == approx_assignment(1, "duplicate", 61 / 64)
    assert c.assign(item(3, {"p": 1, "q": 1}, simhash=four)).incident_key is None


def test_nearest_copy_wins_and_equal_distance_goes_to_the_lower_key() -> None:
    base = 0xFFFF_0000_FFFF_0000
    c = Clusterer(PLAIN)
    c.open_incident(7, item(1, {"a": 1, "b": 1}, simhash=base ^ 0b11))
    c.open_incident(9, item(2, {"c": 1, "d": 1}, simhash=base ^ 0b1))
    assert c.assign(item(3, {"p": 1, "q": 1}, simhash=base)).incident_key == 9
    c.open_incident(4, item(4, {"e": 1, "f": 1}, simhash=base ^ 0b10))
    assert c.assign(item(5, {"p": 1, "q": 1}, simhash=base)).incident_key == 4


# ------------------------------------------------------------------------------- window and expiry


def test_window_is_inclusive_and_applies_to_copies_too() -> None:
    c = Clusterer(PLAIN)
    c.open_incident(1, item(1, {"x": 1, "y": 1}, at=T0, content_hash="same"))
    window = timedelta(hours=72)
    assert c.assign(item(2, {"x": 1, "y": 1}, at=T0 + window)).incident_key == 1
    assert c.assign(item(3, {"x": 1, "y": 1}, at=T0 + window + timedelta(seconds=1))).incident_key is None
    assert c.assign(item(4, {"p": 1}, at=T0 + window + timedelta(seconds=1), content_hash="same")).incident_key is None
    assert c.assign(item(5, {"x": 1, "y": 1}, at=T0 - window - timedelta(seconds=1))).incident_key is None


def test_expire_closes_idle_incidents_only() -> None:
    c = Clusterer(PLAIN)
    c.open_incident(1, item(1, {"x": 1, "y": 1}, at=T0))
    c.open_incident(2, item(2, {"p": 1, "q": 1}, at=T0 + timedelta(hours=10)))
    c.add(1, item(3, {"x": 1, "y": 1}, at=T0 + timedelta(hours=5)))
    assert c.expire(T0 + timedelta(hours=77)) == []  # incident 1 was active at T0 + 5h
    assert c.expire(T0 + timedelta(hours=77, seconds=1)) == [1]
    assert c.keys() == [2]
    before = c.stats.candidates_scored
    assert c.assign(item(4, {"x": 1, "y": 1}, at=T0 + timedelta(hours=78))).incident_key is None
    assert c.stats.candidates_scored == before  # its terms left the index
    assert c.assign(item(5, {"z": 1}, at=T0 + timedelta(hours=6), content_hash="h1")).incident_key is None
    assert c.expire(T0 + timedelta(days=30)) == [2] and len(c) == 0


def test_a_late_item_that_does_not_move_last_at_leaves_expiry_alone() -> None:
    c = Clusterer(PLAIN)
    c.open_incident(1, item(1, {"x": 1, "y": 1}, at=T0 + timedelta(hours=10)))
    c.add(1, item(2, {"x": 1, "y": 1}, at=T0))  # published earlier, arrives later
    assert c.summary(1).first_at == T0
    assert c.expire(T0 + timedelta(hours=82)) == []
    assert c.expire(T0 + timedelta(hours=82, seconds=1)) == [1]


# ------------------------------------------------------------------------------ cost per item


def test_only_incidents_sharing_a_term_are_scored() -> None:
    c = Clusterer(PLAIN)
    for key in range(1000):
        c.open_incident(key, item(key, {f"u{key}a": 1, f"u{key}b": 1, f"u{key}c": 1}))
    before = c.stats.candidates_scored
    decision = c.assign(item(5000, {"u517a": 1, "u517b": 1}))
    assert decision.incident_key == 517
    assert c.stats.candidates_scored - before == 1


def test_a_term_in_too_many_incidents_finds_no_candidates_but_still_scores() -> None:
    c = Clusterer(PLAIN)  # max_postings 200
    for key in range(300):
        c.open_incident(key, item(key, {"火灾": 1, f"u{key}a": 1, f"u{key}b": 1}))
    before = c.stats.candidates_scored
    decision = c.assign(item(5000, {"火灾": 1, "u42a": 1, "u42b": 1}))
    assert c.stats.candidates_scored - before == 1
    assert decision == approx_assignment(42, "similar 1.00", 1.0)  # 火灾 counted in the cosine
    assert c.assign(item(5001, {"火灾": 1, "消防": 1})).incident_key is None


def test_a_common_term_that_becomes_rare_again_finds_candidates_again() -> None:
    # Past twice max_postings a term keeps only how many incidents hold it; when closes bring it
    # back under max_postings, its incidents are found through it again, as if it had never grown.
    c = Clusterer(replace(PLAIN, max_postings=3))
    for key in range(10):
        c.open_incident(key, item(key, {"矿难": 1, "井下": 1, f"u{key}": 1}))
    assert c.assign(item(100, {"矿难": 1, "井下": 1})).incident_key is None  # 10 > 3: no candidates
    for key in range(10):
        if key not in (2, 7):
            c.close(key)
    decision = c.assign(item(101, {"矿难": 1, "井下": 1}))
    assert decision.incident_key == 2 and decision.reason.startswith("similar")
    c.close(2)
    assert c.assign(item(102, {"矿难": 1, "井下": 1})).incident_key == 7
    c.close(7)
    assert c.assign(item(103, {"矿难": 1, "井下": 1})).incident_key is None
    c.open_incident(50, item(50, {"矿难": 1, "井下": 1}))
    assert c.assign(item(104, {"矿难": 1, "井下": 1})).incident_key == 50


# -------------------------------------------------------------------------------- determinism


def test_equal_scores_go_to_the_lower_key_whatever_the_order_opened() -> None:
    for order in ((9, 4), (4, 9)):
        c = Clusterer(PLAIN)
        for n, key in enumerate(order):
            c.open_incident(key, item(n, {"x": 1, "y": 1}))
        assert c.assign(item(10, {"x": 1, "y": 1})).incident_key == 4


def test_rebuild_replays_items_in_time_order() -> None:
    items = [
        item(1, {"x": 2, "y": 1}, at=T0, regions=("昆明",), source="a", rules=("r1",)),
        item(2, {"y": 2, "z": 1}, at=T0 + timedelta(hours=1), source="b"),
        item(3, {"z": 2, "w": 1}, at=T0 + timedelta(hours=2), source="b", rules=("r2",)),
    ]
    live = Clusterer(PLAIN)
    live.open_incident(8, items[0])
    live.add(8, items[1])
    live.add(8, items[2])
    rebuilt = Clusterer(PLAIN)
    rebuilt.rebuild([(8, [items[2], items[0], items[1]])])
    assert rebuilt.centroid(8) == live.centroid(8)
    summary = rebuilt.summary(8)
    assert (summary.item_count, summary.source_count, summary.first_at, summary.last_at) == (
        3, 2, T0, T0 + timedelta(hours=2)
    )
    assert summary.regions == ("昆明",) and summary.rule_ids == ("r1", "r2")


# ---------------------------------------------------------------------------------- boundaries


def test_bad_values_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        item(1, {"x": 1}, at=datetime(2024, 5, 6))  # noqa: DTZ001 - the naive time under test
    with pytest.raises(ValueError, match="64-bit"):
        item(1, {"x": 1}, simhash=1 << 64)
    c = Clusterer(PLAIN)
    c.open_incident(1, item(1, {"x": 1}))
    with pytest.raises(ValueError, match="already open"):
        c.open_incident(1, item(2, {"x": 1}))
    with pytest.raises(NotFoundError):
        c.add(2, item(3, {"x": 1}))
    c.close(99)  # unknown: nothing to do


def test_config_from_mapping() -> None:
    config = ClusterConfig.from_config({"window": "48h", "threshold": 0.3, "centroid_terms": 40})
    assert (config.window, config.threshold, config.centroid_terms) == (timedelta(hours=48), 0.3, 40)
    with pytest.raises(ConfigError, match="incidents.cluster: unknown key 'treshold'"):
        ClusterConfig.from_config({"treshold": 0.3})
    with pytest.raises(ConfigError, match="incidents.cluster.window"):
        ClusterConfig.from_config({"window": "soon"})
    with pytest.raises(ConfigError, match="whole number"):
        ClusterConfig.from_config({"centroid_terms": 2.5})
    with pytest.raises(ConfigError, match="duplicate_distance"):
        ClusterConfig.from_config({"duplicate_distance": 4})


def test_representative_prefers_authority_then_earliest() -> None:
    centroid = {"昆明": 0.8, "火车站": 0.6}
    wire = TitleCandidate(1, "昆明火车站暴力恐怖袭击", {"昆明": 1, "恐怖": 1}, T0, authority=8.0)  # cos 0.566
    repost = TitleCandidate(2, "昆明火车站", {"昆明": 0.8, "火车站": 0.6}, T0, authority=1.0)  # cos 1.0
    weibo = TitleCandidate(3, " ", {"昆明": 0.8, "火车站": 0.6}, T0, authority=8.0)
    assert representative([repost, wire, weibo], centroid) == wire
    assert representative([replace(wire, authority=1.0), repost], centroid) == repost
    later = replace(repost, item_id=0, published_at=T0 + timedelta(minutes=1))
    assert representative([later, repost], centroid) == repost
    assert representative([weibo], centroid) is None


# ------------------------------------------------------------------------ real headlines (fixture)

FIXTURE = Path(__file__).parent / "fixtures" / "stream.jsonl"

# Places in the fixture, matched as a watch rule's region group matches them.
PLACES = (
    "云南 昆明 文山 丘北 北京 东城 四川 攀枝花 凉山 会理 楚雄 丽江 大理 永仁 成都 兴义 安龙 广安 邻水 华蓥 "
    "吉林 四平 长春 河南 叶县 河北 石家庄 广东 广州 海珠 上海 虹口 台湾 南投 花莲 彰化 香港 元朗 西双版纳 "
    "景洪 普洱 甘肃 天祝 武威 青海 门源 辽宁 海城 鞍山 沈阳"
).split()
# A careful analyser does not take "北京时间" or a wire's dateline for the place of the event.
NOT_A_PLACE = re.compile(r"北京时间|(?:新华网|新华社|中新网|中新社|人民网|国际在线)[^，。\s]{0,12}?日电")


@dataclass(frozen=True)
class Row:
    seq: int
    story: str
    hard: bool
    item: ClusterItem


def features(seq: int, source: str, at: datetime, text: str) -> ClusterItem:
    tags = jieba.analyse.extract_tags(text, topK=None, withWeight=True)
    keywords = dict([(w, weight) for w, weight in tags if any(ch.isalpha() for ch in w)][:20])
    words = [w for w in jieba.lcut(text) if any(ch.isalnum() for ch in w)]
    located = NOT_A_PLACE.sub("", text)
    regions = tuple(place for place in PLACES if place in located)
    normal = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
    return ClusterItem(seq, source, at, keywords, simhash(words), hashlib.sha1(normal.encode()).hexdigest(), (), regions)


def simhash(words: list[str]) -> int:
    totals = [0] * 64
    for word, count in Counter(words).items():
        bits = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "big")
        for i in range(64):
            totals[i] += count if bits >> i & 1 else -count
    return sum(1 << i for i in range(64) if totals[i] > 0)


@pytest.fixture(scope="module")
def stream() -> list[Row]:
    rows = []
    for line in FIXTURE.read_text(encoding="utf-8").splitlines():
        data = json.loads(line)
        text = "\n".join(part for part in (data["title"], data["text"]) if part)
        at = datetime.fromisoformat(data["at"])
        rows.append(Row(data["seq"], data["story"], data["hard"], features(data["seq"], data["source"], at, text)))
    return rows


def cluster(rows: list[Row]) -> dict[int, tuple[int, Assignment]]:
    clusterer = Clusterer()
    return {row.seq: clusterer.place(row.item, lambda it: it.item_id) for row in rows}


# Wrong decisions on rows not marked hard, found when the tests first ran with the defaults chosen
# on CEC (scripts/eval_cluster.py). Kept out of the strict check but pinned by an xfail below, so
# that a change that fixes them (or breaks more) shows. Row 28, "印度一家化工厂发生爆炸至少3人死亡",
# joins the Hyderabad bombings at 0.23 (same country, 爆炸, 死亡, 至少); row 40, the Italian
# ambassador condemning the Kunming attack, scores 0.15 against it (驻华大使, 谴责, 意大利 dominate).
KNOWN_WRONG = {28: "hyderabad-bombings", 40: "kunming-attack"}


def fixture_errors(stream: list[Row], placed: dict[int, tuple[int, Assignment]], *, known: bool) -> list[str]:
    wrong = []
    for a, b in combinations([r for r in stream if not r.hard], 2):
        is_known = any(KNOWN_WRONG.get(x.seq) == y.story for x, y in ((a, b), (b, a)))
        if is_known != known:
            continue
        together = placed[a.seq][0] == placed[b.seq][0]
        if together != (a.story == b.story):
            wrong.append(f"{a.seq}/{b.seq} {'joined' if together else 'split'} ({a.story} / {b.story})")
    return wrong


def test_fixture_every_clear_pair_follows_its_label(stream: list[Row]) -> None:
    assert fixture_errors(stream, cluster(stream), known=False) == []


@pytest.mark.xfail(strict=True, reason="known wrong decisions, see KNOWN_WRONG")
def test_fixture_known_wrong_pairs(stream: list[Row]) -> None:
    assert fixture_errors(stream, cluster(stream), known=True) == []


def test_fixture_copies_join_as_copies(stream: list[Row]) -> None:
    placed = cluster(stream)
    assert placed[4] == (2, Assignment(2, "content_hash", 1.0))  # exact copy from another outlet
    assert placed[3][0] == 2  # "【新华社】" prefix and a changed colon
    assert placed[14][0] == 8  # half-width digits, a source note


def test_fixture_b_cubed_with_the_hard_rows(stream: list[Row]) -> None:
    placed = cluster(stream)
    predicted = [placed[r.seq][0] for r in stream]
    truth = [r.story for r in stream]
    joint = Counter(zip(predicted, truth, strict=True))
    by_pred, by_true = Counter(predicted), Counter(truth)
    precision = sum(joint[p, t] / by_pred[p] for p, t in zip(predicted, truth, strict=True)) / len(truth)
    recall = sum(joint[p, t] / by_true[t] for p, t in zip(predicted, truth, strict=True)) / len(truth)
    assert 2 * precision * recall / (precision + recall) >= 0.9


def test_fixture_is_deterministic(stream: list[Row]) -> None:
    assert cluster(stream) == cluster(stream)


def test_test_fingerprints_separate_unrelated_items(stream: list[Row]) -> None:
    # The copy path must not be what keeps unrelated stories apart or together by accident.
    by_story = {r.story: r.item.simhash for r in stream if r.story.startswith("bg-")}
    close = [(a, b) for a, b in combinations(by_story, 2) if hamming(by_story[a], by_story[b]) <= 3]
    assert not close
