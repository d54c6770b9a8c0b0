"""Throughput of sentinel's one-jieba-pass analysis core on real posts, on one core.

Measures, per item: tokens (jieba with sentinel's dictionaries), watch rules, sentiment, simhash
(and a near-duplicate lookup/insert in a SimhashIndex) and TF-IDF keywords; then, on the same
texts, ``jieba.lcut`` alone (jieba's defaults, HMM on) and ``SnowNLP(text).sentiments`` on a sample.
Prints posts/s for each, the ratio core / jieba.lcut, a per-stage breakdown and peak RSS.

    .venv/bin/python bench/analyze_core.py --data DIR [--limit 21000] [--snownlp 300]

Items: every weibo2018 post, SMP2020-EWECT posts up to the limit, and the CEC and cnews news
articles (title + body), so short posts and long articles are both in the mix.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from sentinel.analyse.keywords import keywords, load_idf  # noqa: E402
from sentinel.analyse.rules import compile_rules  # noqa: E402
from sentinel.analyse.sentiment import SentimentModel  # noqa: E402
from sentinel.analyse.simhash import SimhashIndex, simhash  # noqa: E402
from sentinel.analyse.tokenize import Tokenizer  # noqa: E402
from sentinel.settings import WatchRule  # noqa: E402

CHUNK = 500

PROVINCES = "北京 天津 河北 山西 内蒙古 辽宁 吉林 黑龙江 上海 江苏 浙江 安徽 福建 江西 山东 河南 湖北 湖南 广东 广西 海南 重庆 四川 贵州 云南 西藏 陕西 甘肃 青海 宁夏 新疆".split()
EVENTS = {
    "accident": ["爆炸", "坍塌", "火灾", "死亡", "受伤", "事故", "泄漏", "中毒", "遇难", "失联"],
    "disaster": ["地震", "暴雨", "洪水", "台风", "泥石流", "山体滑坡", "内涝", "干旱"],
    "health": ["疫情", "确诊", "感染", "病例", "食物中毒", "传染病", "疫苗"],
    "social": ["维权", "讨薪", "上访", "聚集", "拆迁", "冲突", "纠纷", "谣言"],
}


def load_items(data: Path, limit: int) -> list[tuple[str, str]]:
    items: list[tuple[str, str]] = []
    with (data / "weibo2018_train.csv").open(encoding="utf-8") as handle:
        items += [("", row["text"]) for row in csv.DictReader(handle)]
    with (data / "cec_emergency_dev.jsonl").open(encoding="utf-8") as handle:
        items += [(d["title"], d["text"]) for d in map(json.loads, handle)]
    with (data / "cnews_fulltext_sample.csv").open(encoding="utf-8") as handle:
        items += [("", row["text"]) for row in csv.DictReader(handle)]
    with (data / "smp2020_ewect_train_eval.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            if len(items) >= limit:
                break
            items.append(("", json.loads(line)["content"]))
    return items


def rules() -> list[WatchRule]:
    """A county office's worth of rules: each province × each event family, plus a few regexes."""
    out = [
        WatchRule(
            id=f"r{i}-{family}",
            department="应急管理局",
            groups={"region": [province], "event": words},
            exclude=["演练", "演习"],
        )
        for i, province in enumerate(PROVINCES)
        for family, words in EVENTS.items()
    ]
    out.append(WatchRule(id="deaths", regex=[r"\d+人死亡"], scope="body"))
    out.append(WatchRule(id="health-dept", groups={"org": ["卫健委", "疾控中心"]}, require=["通报"]))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--limit", type=int, default=21000)
    parser.add_argument("--snownlp", type=int, default=300, help="posts for the SnowNLP comparison")
    parser.add_argument("--hmm", action="store_true", help="tokenise with jieba's HMM on")
    args = parser.parse_args()
    logging.getLogger("jieba").setLevel(logging.WARNING)

    items = load_items(args.data, args.limit)
    chars = sum(len(t) + len(b) for t, b in items)
    print(f"{len(items)} items, {chars / len(items):.0f} characters on average")

    start = time.perf_counter()
    tokenizer = Tokenizer(hmm=args.hmm)
    model = SentimentModel.load()
    ruleset = compile_rules(rules())
    load_idf()
    print(f"load: {time.perf_counter() - start:.2f}s ({len(ruleset)} rules)")

    import jieba

    jieba.initialize()
    stages = dict.fromkeys(("tokens", "rules", "sentiment", "simhash", "keywords"), 0.0)
    index: SimhashIndex[int] = SimhashIndex()
    counts = {"matched": 0, "negative": 0, "near-duplicate": 0}
    clock = time.perf_counter
    core = lcut = 0.0
    # Other processes share this machine: the core and jieba.lcut take turns on chunks of the same
    # items, so a busy spell slows both alike and their ratio stays fair.
    for chunk_start in range(0, len(items), CHUNK):
        chunk = items[chunk_start : chunk_start + CHUNK]
        begin = clock()
        for n, (title, body) in enumerate(chunk, chunk_start):
            t0 = clock()
            title_tokens, body_tokens = tokenizer.tokens(title), tokenizer.tokens(body)
            t1 = clock()
            counts["matched"] += bool(ruleset.match(title_tokens, body_tokens, title, body))
            t2 = clock()
            words = title_tokens.words + body_tokens.words
            counts["negative"] += model.negative(model.score(words))
            t3 = clock()
            value = simhash(words)
            counts["near-duplicate"] += bool(index.near(value))
            index.add(n, value)
            t4 = clock()
            keywords(words, 8)
            t5 = clock()
            for stage, spent in zip(stages, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4), strict=True):
                stages[stage] += spent
        core += clock() - begin
        begin = clock()
        for title, body in chunk:
            jieba.lcut(title)
            jieba.lcut(body)
        lcut += clock() - begin
    core_rate, lcut_rate = len(items) / core, len(items) / lcut
    print(
        f"core: {core_rate:,.0f} items/s ({chars / core:,.0f} chars/s); "
        + ", ".join(f"{v} {k}" for k, v in counts.items())
    )
    print(
        "  per item: "
        + ", ".join(f"{stage} {spent / len(items) * 1e6:.0f} µs" for stage, spent in stages.items())
    )
    print(f"jieba.lcut (HMM on, jieba's defaults): {lcut_rate:,.0f} items/s ({chars / lcut:,.0f} chars/s)")
    print(f"core / jieba.lcut: {core_rate / lcut_rate:.2f}")
    print(f"peak RSS after the core: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB")

    if args.snownlp:
        from snownlp import SnowNLP

        sample = [title + body for title, body in items[: args.snownlp]]
        begin = clock()
        for text in sample:
            SnowNLP(text).sentiments  # noqa: B018 - the property does the work being timed
        print(
            f"SnowNLP(text).sentiments: {len(sample) / (clock() - begin):,.0f} items/s on {len(sample)} items"
        )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS at the end (with jieba's global tokenizer and SnowNLP loaded too): {rss:,.0f} MiB")


if __name__ == "__main__":
    main()
