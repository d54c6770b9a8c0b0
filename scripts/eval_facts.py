#!/usr/bin/env python3
"""Evaluate death-count extraction against hand labels.

Usage::

    python scripts/eval_facts.py --data ../shared/data/cec_emergency_dev.jsonl \\
        --labels bench/data/cec_deaths.tsv [--show-all]

``--data`` is JSON lines with ``file``, ``title`` and ``text`` (the CEC dev set); ``--labels`` is a TSV
``file<TAB>deaths<TAB>note`` written by a person reading each article (deaths empty when the article
states no death count, 0 when it says nobody died). Prints exact-match accuracy on the articles that
state a count (all, positive, zero), the false-positive rate on articles that state none, the misses,
and the extraction speed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from sentinel.analyse.facts import extract_facts


def read_labels(path: Path) -> dict[str, int | None]:
    labels: dict[str, int | None] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#") or line.startswith("file\t"):
            continue
        file, deaths, *_ = line.split("\t") + [""]
        labels[file] = int(deaths) if deaths.strip() else None
    return labels


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--labels", type=Path, required=True)
    parser.add_argument("--show-all", action="store_true", help="print every article's result")
    args = parser.parse_args(argv)

    labels = read_labels(args.labels)
    rows = [json.loads(line) for line in args.data.read_text(encoding="utf-8").splitlines() if line.strip()]
    missing = [r["file"] for r in rows if r["file"] not in labels]
    if missing:
        print(f"error: {len(missing)} articles have no label, e.g. {missing[0]}", file=sys.stderr)
        return 2

    start = time.perf_counter()
    predicted = {r["file"]: extract_facts(r["text"], r.get("title")) for r in rows}
    elapsed = time.perf_counter() - start

    stated = [r for r in rows if labels[r["file"]] is not None]
    positive = [r for r in stated if labels[r["file"]]]
    zero = [r for r in stated if labels[r["file"]] == 0]
    unstated = [r for r in rows if labels[r["file"]] is None]

    def hits(subset: list[dict]) -> int:
        return sum(predicted[r["file"]].deaths == labels[r["file"]] for r in subset)

    def pct(n: int, d: int) -> str:
        return f"{n}/{d} = {100 * n / d:.1f}%" if d else "n/a"

    print(f"articles: {len(rows)}; stating a death count: {len(stated)} "
          f"({len(positive)} positive, {len(zero)} zero); stating none: {len(unstated)}")
    print(f"accuracy, articles stating a count: {pct(hits(stated), len(stated))}")
    print(f"  positive counts:                  {pct(hits(positive), len(positive))}")
    print(f"  stated zero (no deaths):          {pct(hits(zero), len(zero))}")
    fp = [r for r in unstated if predicted[r["file"]].deaths is not None]
    fp_pos = [r for r in fp if predicted[r["file"]].deaths]
    print(f"false positives, articles stating none: any value {pct(len(fp), len(unstated))}; "
          f"a positive count {pct(len(fp_pos), len(unstated))}")
    print(f"speed: {len(rows) / elapsed:,.0f} articles/s ({sum(len(r['text']) for r in rows) / elapsed / 1e6:.2f} M chars/s)")

    print("\nmisses (file: expected → got, phrase, rule):")
    for r in stated + fp:
        f = predicted[r["file"]]
        if f.deaths == labels[r["file"]]:
            continue
        d = f.detail("deaths")
        print(f"  {r['file']}: {labels[r['file']]} → {f.deaths}  {d.phrase if d else ''} [{d.rule if d else ''}]")
    if args.show_all:
        print("\nall:")
        for r in rows:
            print(f"  {r['file']}\t{labels[r['file']]}\t{predicted[r['file']].deaths}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
