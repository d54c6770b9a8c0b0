#!/usr/bin/env python3
"""Evaluate the category classifier on the shared corpora.

Usage::

    python scripts/eval_category.py --data DIR [--show N]

Reads from ``--data``:
- ``cec_emergency_dev.jsonl``: news of five event types with a true ``category`` column; reports how
  often the category and the sub-type are right (CEC's ``fire`` counts as right for 事故灾难/火灾 and
  for 自然灾害/森林草原火灾, which is where the 总体应急预案 puts forest fires).
- the headlines read by hand in ``labels/facts_thucnews.tsv`` and ``labels/facts_bdci.tsv`` (every
  headline with a casualty word; ``category`` column, see ``labels/README.md``): how often the
  category and the sub-type are right, on the development rows and on the held-apart rows separately;
- ``thucnews_titles_dev.csv`` (headlines) and ``cnews_fulltext_sample.csv`` (full articles) in ten
  news sections: reports, per section, how often a category is assigned. Most sections are background
  traffic that should get none; politics/society (时政) hold real incidents, so their rate is shown
  but not counted as error.
"""

from __future__ import annotations

import argparse
import collections
import csv
import json
import time
from pathlib import Path

from factlabels import Row, load_corpora

from sentinel.analyse.category import classify, default_lexicon

CEC_EXPECTED = {
    "traffic_accident": {("accident", "traffic_accident")},
    "fire": {("accident", "fire"), ("natural_disaster", "forest_fire")},
    "earthquake": {("natural_disaster", "earthquake")},
    "food_poisoning": {("public_health", "food_poisoning")},
    "terrorist_attack": {("social_safety", "terrorist_attack")},
}
INCIDENT_SECTIONS = {"politics", "society", "时政"}


def pct(n: int, d: int) -> str:
    return f"{n}/{d} = {100 * n / d:.1f}%" if d else "n/a"


def eval_cec(path: Path, show: int) -> None:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    cat_ok = sub_ok = 0
    per: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0, 0])
    misses = []
    for r in rows:
        c = classify(r["text"], r["title"])
        want = CEC_EXPECTED[r["category"]]
        ok_cat = c.code in {w[0] for w in want}
        ok_sub = (c.code, c.subtype) in want
        cat_ok += ok_cat
        sub_ok += ok_sub
        per[r["category"]][0] += 1
        per[r["category"]][1] += ok_cat
        per[r["category"]][2] += ok_sub
        if not ok_sub:
            misses.append((r["file"], r["category"], c.code, c.subtype, c.words[:5]))
    print(f"CEC ({len(rows)} articles): category {pct(cat_ok, len(rows))}; category+subtype {pct(sub_ok, len(rows))}")
    for name, (n, a, b) in sorted(per.items()):
        print(f"  {name:17s} category {pct(a, n):>16s}   subtype {pct(b, n):>16s}")
    for m in misses[:show]:
        print("   miss:", *m)


def eval_labelled(data: Path, show: int, show_held: bool) -> None:
    """Category accuracy on the hand-labelled headlines, development and held-apart rows apart."""
    for corpus in load_corpora(data):
        rows = [r for r in corpus.rows if r.category not in (None, "?")]
        if not rows or not corpus.has_split:
            continue
        for part, subset in (("dev", [r for r in rows if not r.held]), ("held apart", [r for r in rows if r.held])):
            cat_ok = sub_ok = sub_n = none_n = none_ok = 0
            misses: list[tuple[Row, str | None, str | None]] = []
            for r in subset:
                c = classify(r.text, r.title or None)
                want_code, _, want_sub = (r.category or "").partition("/")
                want = None if want_code == "-" else want_code
                ok = c.code == want
                cat_ok += ok
                if want is None:
                    none_n += 1
                    none_ok += ok
                if want_sub:
                    sub_n += 1
                    sub_ok += ok and c.subtype == want_sub
                if not ok or (want_sub and c.subtype != want_sub):
                    misses.append((r, c.code, c.subtype))
            print(f"{corpus.name} labelled headlines, {part} ({len(subset)} rows): category {pct(cat_ok, len(subset))}; "
                  f"sub-type {pct(sub_ok, sub_n)}; none where none is right {pct(none_ok, none_n)}")
            if part == "dev" or show_held:
                for r, code, sub in misses[:show]:
                    print(f"   miss: {r.key} want {r.category} got {code}/{sub}  {(r.title or r.text)[:50]!r}")


def eval_sections(path: Path, text_col: str, title_col: str | None, show: int) -> None:
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    per: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    examples = collections.defaultdict(list)
    start = time.perf_counter()
    for r in rows:
        if title_col:
            c = classify("", r[title_col])
            shown = r[title_col]
        else:
            c = classify(r[text_col])
            shown = r[text_col][:60].replace("\n", " ")
        per[r["label"]][c.code or "none"] += 1
        if c.code:
            examples[r["label"]].append((shown, c.code, c.subtype, c.words[:4]))
    elapsed = time.perf_counter() - start
    background = [lab for lab in per if lab not in INCIDENT_SECTIONS]
    n_bg = sum(sum(per[lab].values()) for lab in background)
    fp = sum(sum(v for k, v in per[lab].items() if k != "none") for lab in background)
    print(f"{path.name} ({len(rows)} rows, {len(rows) / elapsed:,.0f}/s): "
          f"a category on background sections {pct(fp, n_bg)}")
    for lab, counter in sorted(per.items()):
        total = sum(counter.values())
        assigned = {k: v for k, v in counter.most_common() if k != "none"}
        print(f"  {lab:14s} assigned {pct(total - counter['none'], total):>16s}  {assigned}")
    for lab in background:
        for ex in examples[lab][:show]:
            print(f"   {lab}: {ex}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True, help="directory with the shared corpora")
    parser.add_argument("--show", type=int, default=0, help="print up to N misses / assignments per group")
    parser.add_argument("--show-held", action="store_true", help="print the held-apart misses too")
    args = parser.parse_args(argv)
    default_lexicon()  # compile once, outside the timings
    eval_cec(args.data / "cec_emergency_dev.jsonl", args.show)
    eval_labelled(args.data, args.show, args.show_held)
    eval_sections(args.data / "thucnews_titles_dev.csv", "title", "title", args.show)
    eval_sections(args.data / "cnews_fulltext_sample.csv", "text", None, args.show)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
