#!/usr/bin/env python3
"""Evaluate fact extraction (deaths, injured, … magnitude) against the hand-read labels.

Usage::

    python scripts/eval_facts.py --data DIR [--misses] [--show-held] [--labels DIR]

``--data`` is the folder of shared corpora; the labels are ``labels/facts_*.tsv`` (described in
``labels/README.md``). For each corpus (CEC news reports, cnews full articles, THUCNews
headlines, BDCI headlines with the article's opening, Weibo hot-search topics and posts; and the CED
posts and reposts of the Chinese Rumor Dataset when ``DIR/CED_Dataset`` holds them, see
``labels/README.md``) and each part of it — development rows, and the held-apart rows the rules were
never tuned on — prints:

- deaths exact: rows stating a death count (or zero) whose count is extracted exactly;
- all fields exact: every (row, field) the reader gave a figure for, and per field;
- false positives: rows stating no figure at all that get one; and per field, rows not stating that
  field that get a value for it;

then deaths exact over every corpus, development and held-apart rows apart, and the extraction speed
over every row of every corpus. ``--misses`` lists the development
misses (expected → got, the phrase and the rule that chose it); ``--show-held`` lists the
held-apart ones too (do not look at them while tuning).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterable
from pathlib import Path

from factlabels import FIELDS, LABELS, UNREADABLE, Corpus, Row, load_corpora

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from sentinel.analyse.event_report import own_facts  # noqa: E402
from sentinel.analyse.facts import Facts, extract_facts  # noqa: E402

#: Corpora of Weibo posts: the daemon reads a post's facts without its #topics# (``own_facts``).
POSTS = {"posts", "cedrepost", "weibo21"}


def pct(n: int, d: int) -> str:
    return f"{n}/{d} = {100 * n / d:.1f}%" if d else "n/a"


def same(got: float | None, want: float) -> bool:
    return got is not None and abs(float(got) - want) < 1e-6


def stated(rows: Iterable[Row], name: str) -> list[Row]:
    return [r for r in rows if r.labels[name] not in (None, UNREADABLE)]


def report(corpus: Corpus, part: str, rows: list[Row], got: dict[str, Facts]) -> tuple[int, int]:
    """Print the part's figures; its deaths exact as (hits, rows stating a count)."""
    if not rows:
        return 0, 0
    print(f"  {part}: {len(rows)} rows")
    deaths = stated(rows, "deaths")
    zero = [r for r in deaths if r.labels["deaths"] == 0]
    positive = [r for r in deaths if r.labels["deaths"]]

    def hits(subset: list[Row], name: str) -> int:
        return sum(same(getattr(got[r.key], name), float(r.labels[name])) for r in subset)  # type: ignore[arg-type]

    print(f"    deaths exact        {pct(hits(deaths, 'deaths'), len(deaths))}"
          f"   (positive {pct(hits(positive, 'deaths'), len(positive))}; zero {pct(hits(zero, 'deaths'), len(zero))})")
    per = {name: (hits(stated(rows, name), name), len(stated(rows, name))) for name in FIELDS}
    total = sum(h for h, _ in per.values()), sum(n for _, n in per.values())
    print(f"    all fields exact    {pct(*total)}")
    print("      " + "  ".join(f"{name} {h}/{n}" for name, (h, n) in per.items() if n))
    nothing = [r for r in rows if r.states_nothing]
    fp_any = [r for r in nothing if not got[r.key].is_empty()]
    fp_pos = [r for r in nothing if any(getattr(got[r.key], f) for f in FIELDS)]
    print(f"    false positives     rows stating no figure: any value {pct(len(fp_any), len(nothing))}; "
          f"a positive figure {pct(len(fp_pos), len(nothing))}")
    fp_field = []
    for name in FIELDS:
        unstated = [r for r in rows if r.labels[name] is None]
        wrong = sum(getattr(got[r.key], name) is not None for r in unstated)
        if wrong:
            fp_field.append(f"{name} {wrong}/{len(unstated)}")
    print("      per field: " + ("  ".join(fp_field) if fp_field else "none"))
    return per["deaths"]


def misses(rows: list[Row], got: dict[str, Facts]) -> None:
    for r in rows:
        f = got[r.key]
        for name in FIELDS:
            want = r.labels[name]
            value = getattr(f, name)
            if want == UNREADABLE or (want is None and value is None):
                continue
            if want is not None and same(value, float(want)):  # type: ignore[arg-type]
                continue
            d = f.detail(name)
            shown = (r.title + " | " + r.text) if r.title else r.text
            print(f"    {r.corpus}:{r.key} {name}: {want} → {value}  «{d.phrase if d else ''}» [{d.rule if d else ''}]"
                  f"  {shown[:60]!r}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True, help="folder with the shared corpora")
    parser.add_argument("--labels", type=Path, default=LABELS, help="folder with facts_*.tsv (default: labels/)")
    parser.add_argument("--misses", action="store_true", help="list the development misses")
    parser.add_argument("--show-held", action="store_true", help="list the held-apart misses too")
    args = parser.parse_args(argv)

    corpora = load_corpora(args.data, args.labels)
    if not corpora:
        print(f"error: no labelled corpus found in {args.data}", file=sys.stderr)
        return 2
    elapsed = chars = count = 0.0
    pooled: dict[str, list[int]] = {"dev": [0, 0], "held apart": [0, 0]}  # deaths exact: hits, rows
    for corpus in corpora:
        start = time.perf_counter()
        post = corpus.name in POSTS
        got = {r.key: own_facts(r.title, r.text, extract_facts(r.text, r.title or None), post=post or r.post)
               for r in corpus.rows}
        elapsed += time.perf_counter() - start
        chars += sum(len(r.text) + len(r.title) for r in corpus.rows)
        count += len(corpus.rows)
        dev = [r for r in corpus.rows if not r.held]
        held = [r for r in corpus.rows if r.held]
        note = "" if corpus.has_split else " (every row was tuned on)"
        print(f"{corpus.name}: {len(corpus.rows)} rows{note}")
        for part, rows in (("dev", dev), ("held apart", held)):
            hit, stating = report(corpus, part, rows, got)
            pooled[part][0] += hit
            pooled[part][1] += stating
        if args.misses:
            print("  misses, dev:")
            misses(dev, got)
        if args.show_held and held:
            print("  misses, held apart:")
            misses(held, got)
    print("every corpus: deaths exact " + "; ".join(f"{part} {pct(*pooled[part])}" for part in pooled))
    print(f"speed: {count / elapsed:,.0f} texts/s, {chars / elapsed / 1e6:.2f} M chars/s "
          f"({int(count)} texts, {chars / count:.0f} chars on average, one core)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
