#!/usr/bin/env python3
"""How well the words of a hot-list entry alone tell a public-opinion topic from entertainment,
measured against Weibo's own labels.

Usage::

    python scripts/eval_hotlist_topic.py --data DIR [--show 20]

Reads ``weibo_hot_search_2026-08-01_14.jsonl``. Each distinct topic whose Weibo label is a public
one (社会, 时事 …) or an entertainment one (综艺, 明星 …; ``sentinel.analyse.hotlist_topic``'s
lists) is judged by :func:`~sentinel.analyse.hotlist_topic.text_verdict` — the step the gate falls
back on when a platform gives no label (Baidu, Zhihu, Douyin; Weibo's 暂无). The split is by the day
a topic first appeared: days 1–9 are where the word lists were written and adjusted, days 10–14
were not looked at while doing so. Reports accuracy and each side's recall per part.
"""

from __future__ import annotations

import argparse
import collections
import json
from pathlib import Path

from sentinel.analyse.hotlist_topic import label_verdict, text_verdict

FILE = "weibo_hot_search_2026-08-01_14.jsonl"
HELD_OUT_FROM = "2026-08-10"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, type=Path)
    parser.add_argument("--show", type=int, default=0, help="print this many mistakes of the held-out part")
    args = parser.parse_args()
    first: dict[str, dict[str, object]] = {}
    for line in (args.data / FILE).read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            first.setdefault(row["title"], row)
    mistakes = []
    for part, keep in (("days 1-9 (tuned)", lambda d: d < HELD_OUT_FROM), ("days 10-14 (held out)", lambda d: d >= HELD_OUT_FROM)):
        counts: collections.Counter[tuple[bool, bool]] = collections.Counter()
        for title, row in first.items():
            if not keep(str(row["date"])):
                continue
            truth = label_verdict(row["category"])
            if truth is None:
                continue  # 暂无, 其他 or a label on neither list: no ground truth
            said = text_verdict(title, str(row["description"] or ""))
            counts[(truth.public_opinion, said.public_opinion)] += 1
            if part.startswith("days 10") and truth.public_opinion != said.public_opinion:
                mistakes.append((row["category"], title, said.reason))
        public, leisure = counts[(True, True)] + counts[(True, False)], counts[(False, False)] + counts[(False, True)]
        total = public + leisure
        print(f"{part}: {total} labelled topics ({public} public, {leisure} entertainment); "
              f"accuracy {(counts[(True, True)] + counts[(False, False)]) / total:.3f}; "
              f"public kept {counts[(True, True)] / public:.3f}; entertainment set aside {counts[(False, False)] / leisure:.3f}")
    for category, title, reason in mistakes[: args.show]:
        print(f"  [{category}] {title} — {reason}")


if __name__ == "__main__":
    main()
