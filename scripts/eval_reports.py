#!/usr/bin/env python3
"""Measure the event-report judgement, as the daemon uses it, on Weibo posts of another corpus.

Usage::

    python scripts/eval_reports.py --data DIR [--labels DIR] [--model FILE]

The posts are the original posts of the Chinese Rumor Dataset's CED part (2010–2014) with a casualty,
incident or complaint word, read by hand into ``labels/events_ced.tsv`` (see ``labels/README.md``; the
posts are read from ``DIR/CED_Dataset/original-microblog``): another time and other writers than the
corpora most of the model's labels come from. Then, when ``labels/events_cedrepost.tsv`` and the
release's repost folders are there, the same for a sample of their reposts: a reposter's comment with
a watched word, without the post it reposts (the reactions a story draws). Then, when
``labels/events_toutiao.tsv`` and ``DIR/toutiao_test.txt`` are there, Toutiao news headlines of 2018
with a casualty or incident word, each judged as a news item (its headline as title and text). Then, when
``labels/events_weibo21.tsv`` and the Weibo21 frames (``DIR/weibo21/*.pkl``, pandas reads them) are there,
Weibo21 posts with a watched word: news and rumours of 2010–2020, never trained on, both parts a measure.
The rows are split as every ``events_*.tsv`` is
(``part_of``: a quarter held); the model is trained on the dev rows, so the held rows are the figure
to read, the dev rows show how well it fits what it was trained on.

Each post is analysed as a watched Weibo post (``Analyzer.analyze(..., register=POST, judge=True)``)
and sorted into the incidents stage's tiers (``incidents.reports``, default thresholds): **report**
opens an incident on its own, **candidate** waits for a second report, **chatter** opens nothing.
Printed per hand label (event, complaint, and each kind of other): how many posts fell in each tier,
then the figures that matter to a duty office: events that can open an incident (report or
candidate), and other posts that open one on their own.
"""

from __future__ import annotations

import argparse
import collections
import sys
from pathlib import Path

from factlabels import LABELS, weibo21_posts

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from sentinel.analyse.event_report_train import (  # noqa: E402
    CED_POSTS,
    ced_posts,
    ced_reposts,
    part_of,
    toutiao_headlines,
)
from sentinel.analyse.pipeline import Analyzer  # noqa: E402
from sentinel.analyse.sentiment import Register  # noqa: E402
from sentinel.incidents.admission import Admission, Tier  # noqa: E402
from sentinel.settings import ReportThresholds, Settings  # noqa: E402


def read_events(path: Path) -> dict[str, tuple[str, str]]:
    """key → (label, kind) of an ``events_*.tsv`` file."""
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    header = lines[0].split("\t")
    rows = (dict(zip(header, line.split("\t"), strict=False)) for line in lines[1:])
    return {row["key"]: (row["label"], row.get("kind", "") or "") for row in rows}


def pct(n: int, d: int) -> str:
    return f"{n}/{d} = {100 * n / d:.1f}%" if d else "n/a"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True, help="folder holding CED_Dataset/original-microblog")
    parser.add_argument("--labels", type=Path, default=LABELS, help="folder with events_ced.tsv (default: labels/)")
    parser.add_argument("--model", type=Path, help="an event-report model file (default: the bundled one)")
    args = parser.parse_args(argv)

    posts = {f"ced:{name}": text for name, text in ced_posts(args.data)}
    if not posts:
        print(f"error: no CED posts in {args.data / CED_POSTS}", file=sys.stderr)
        return 2
    options = {"event_model": str(args.model)} if args.model else {}
    analyzer = Analyzer(Settings.model_validate({"analysis": options}))  # every post is judged as watched
    admission = Admission.from_config(ReportThresholds(), model_threshold=analyzer.event_model.threshold)
    sets = [("CED posts with a casualty or complaint word", "events_ced.tsv", posts, False)]
    reposts = args.labels / "events_cedrepost.tsv"
    if reposts.is_file():
        keys = read_events(reposts)
        sets.append(("CED reposts with a watched word, without the post they repost", "events_cedrepost.tsv",
                     dict(ced_reposts(args.data, keys)), False))
    headlines = {key: headline for key, headline, _ in toutiao_headlines(args.data)
                 } if (args.labels / "events_toutiao.tsv").is_file() else {}
    if headlines:
        sets.append(("Toutiao headlines (2018) with a casualty or incident word, each read alone", "events_toutiao.tsv",
                     headlines, True))
    if (args.labels / "events_weibo21.tsv").is_file():
        weibo21 = dict(weibo21_posts(args.data))
        if weibo21:
            sets.append(("Weibo21 posts (news and rumours, 2010-2020) with a watched word, never trained on",
                         "events_weibo21.tsv", weibo21, False))
    for title, name, texts, news in sets:
        labels = read_events(args.labels / name)
        unknown = sorted(set(labels) - set(texts))
        if unknown:
            print(f"error: {name}: {len(unknown)} keys not in the data, e.g. {unknown[0]}", file=sys.stderr)
            return 2
        tiers: dict[str, dict[str, collections.Counter[Tier]]] = {
            "dev": collections.defaultdict(collections.Counter), "held": collections.defaultdict(collections.Counter)}
        for key, (label, kind) in labels.items():
            if news:  # a portal's headline: a news item with its title
                analysis = analyzer.analyze(texts[key], texts[key], register=Register.NEWS, judge=True)
            else:
                analysis = analyzer.analyze(None, texts[key], register=Register.POST, judge=True)
            tier = admission.tier(analysis.report.score, post=not news)
            tiers[part_of(key)][label if label != "other" else f"other/{kind or 'other'}"][tier] += 1
        for part in ("held", "dev"):
            report(f"{title}, read by hand", part, tiers[part])
    return 0


def report(title: str, part: str, tiers: dict[str, collections.Counter[Tier]]) -> None:
    total = sum(sum(counts.values()) for counts in tiers.values())
    print(f"## {title}: {part} ({total} items)\n")
    print(f"| hand label | posts | {' | '.join(t.value for t in Tier)} |")
    print("|---|---|" + "---|" * len(Tier))
    for name in sorted(tiers, key=lambda n: (n.startswith("other"), n)):
        counts = tiers[name]
        print(f"| {name} | {sum(counts.values())} | {' | '.join(str(counts[t]) for t in Tier)} |")
    events, complaints = tiers.get("event", collections.Counter()), tiers.get("complaint", collections.Counter())
    others = sum((c for n, c in tiers.items() if n.startswith("other")), collections.Counter())
    print()
    print(f"events that can open an incident (report or candidate): "
          f"{pct(events[Tier.REPORT] + events[Tier.CANDIDATE], sum(events.values()))}; "
          f"on their own: {pct(events[Tier.REPORT], sum(events.values()))}")
    print(f"complaints that can open an incident: "
          f"{pct(complaints[Tier.REPORT] + complaints[Tier.CANDIDATE], sum(complaints.values()))}")
    print(f"other posts that open an incident on their own: {pct(others[Tier.REPORT], sum(others.values()))}; "
          f"held as candidates: {pct(others[Tier.CANDIDATE], sum(others.values()))}\n")


if __name__ == "__main__":
    raise SystemExit(main())
