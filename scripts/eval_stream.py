#!/usr/bin/env python3
"""Measure sentinel's judgement on a replayed week of real text: what becomes an incident, whose
it is, how grave, and who is paged.

Usage::

    python scripts/eval_stream.py --data DIR [--part dev|held|both] [--labels labels]
        [--headlines 3000] [--posts 2000] [--seed 1] [--show chatter,mixed,grades,missed,foreign]
        [--scenario-out week.jsonl] [--json] [--model FILE] [--folds K] [--portal thucnews|toutiao]
        [--posts-from smp|weibo21]

The protocol (the same as the one the alarm-quality issue was measured with):

- **Events**: every CEC article (``cec_emergency_dev.jsonl``) of the chosen part is a real emergency.
  Articles that report one real event (``labels/cec_events.tsv``, column ``event``) are one event.
  Each event appears as a first report on Weibo (its first sentences, a self-media source), then the
  news report (title and text, a local news source) 20–120 minutes later, then a follow-up from a
  provincial news source (the title and the second half of the text) 3–10 hours later; further
  articles of the same event follow within a day from the provincial source.
- **Background**: ``--headlines`` THUCNews headlines (``thucnews_titles_dev.csv``, all ten
  categories, from a commercial portal; with ``--portal toutiao``, Toutiao headlines of 2018 from
  ``DIR/toutiao_test.txt``, ``labels/events_toutiao.tsv``, a second portal) and ``--posts`` SMP2020-EWECT posts (a self-media source),
  at random moments of the week. With ``--posts-from weibo21``, the posts are Weibo21's instead
  (``DIR/weibo21/*.pkl``, never trained on): every post of the part read for ``labels/events_weibo21.tsv``,
  and posts without a watched word to make up ``--posts`` (a post with a watched word that was not
  read would count as chatter whatever it is, so none is taken).
- **Configuration**: one broad watch rule (``event: [死亡, 遇难, 身亡, 事故, 火灾, 爆炸, 受伤, 伤亡, 地震,
  中毒, 袭击, 坍塌]``, exclude 演练/演习), the regulations' default policy, a roster of one duty
  officer, one section chief and one leader; jurisdiction the whole of China (the default).

The scenario is replayed with ``sentinel replay``'s own machinery on a fresh SQLite database, and
the script prints, per part:

- events found (an item of the event is in an incident), events split (its items are in several
  incidents), incidents mixing two events (as a share of events), grade exact (the grade of the
  incident holding most of the event's items against ``labels/cec_events.tsv``; ungraded counts as
  IV), over-graded events and grade I/II from facts of another event;
- chatter incidents: incidents holding background items only, none of them labelled a real event
  (``labels/events_*.tsv``); those graded I or II; obligations they started; pages to leaders;
- foreign events that started a clock or paged anyone beyond the duty officer.

**Parts.** Every key (a CEC event's key, ``thucnews:<row>``, ``smp:<subset>:<split>:<id>``) belongs
to ``held`` when the first byte of its SHA-1 is below 64 (a quarter), else to ``dev``
(:func:`sentinel.analyse.event_report_train.part_of`). Rules and models
are tuned on ``dev`` only; ``held`` is the part kept apart and never tuned on.

**Folds.** The bundled event-report model was trained on every dev label, so on the dev part it
judges texts it has seen, and chatter comes out near 0 whatever the model is worth. ``--folds 5``
judges each dev text with a model trained without the fold that holds it (``scripts/fold_models.py``),
which gives dev figures for new text: the ones to tune the configuration (``--config``) on.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import random
import re
import sys
import tempfile
import time
from collections import Counter, defaultdict
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from factlabels import weibo21_posts  # scripts/, next to this one
from fold_models import judged_by_folds

from sentinel.analyse.event_report_train import TOUTIAO, part_of, toutiao_headlines

ZONE = ZoneInfo("Asia/Shanghai")
WEEK_START = datetime(2026, 3, 2, tzinfo=ZONE)  # a Monday
LEADER, CHIEF, DUTY = "钱局长", "赵科长", "张伟"
LABELS = Path(__file__).resolve().parent.parent / "labels"
#: The words of the week's one watch rule (CONFIG); a post with none of them can open no incident.
WATCH_WORDS = ("死亡", "遇难", "身亡", "事故", "火灾", "爆炸", "受伤", "伤亡", "地震", "中毒", "袭击", "坍塌")
WATCHED = re.compile("|".join(WATCH_WORDS))

CONFIG = f"""
timezone: Asia/Shanghai
database: {{url: "sqlite:///{{db}}"}}
sources:
  - {{id: wb, kind: push, authority: self_media}}
  - {{id: news-local, kind: push, authority: local}}
  - {{id: news-prov, kind: push, authority: provincial}}
  - {{id: portal, kind: push, authority: commercial}}
watch:
  - id: broad
    department: 应急管理局
    groups: {{event: [{", ".join(WATCH_WORDS)}]}}
    exclude: [演练, 演习]
channels:
  - {{id: console, kind: console}}
roster:
  duty:
    - {{name: {DUTY}, weekdays: [mon, tue, wed, thu, fri, sat, sun], start: "00:00", end: "24:00"}}
  section_chiefs: [{{name: {CHIEF}}}]
  leaders: [{{name: {LEADER}}}]
"""

_SENTENCE = re.compile(r"[^。！？!?\n]+[。！？!?]?")


# ------------------------------------------------------------------------------------- labels


def read_tsv(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        return []
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))


@dataclass
class Gold:
    """What the labels say of the CEC articles and of the background texts."""

    event_of: dict[str, str] = field(default_factory=dict)  # CEC file -> event key
    grade_of: dict[str, str] = field(default_factory=dict)  # event key -> I..IV
    scope_of: dict[str, str] = field(default_factory=dict)  # event key -> china/foreign/unknown
    background: dict[str, str] = field(default_factory=dict)  # key -> event/complaint/other:kind

    @classmethod
    def read(cls, folder: Path) -> Gold:
        gold = cls()
        for row in read_tsv(folder / "cec_events.tsv"):
            event = row.get("event") or row["file"]
            gold.event_of[row["file"]] = event
            if row.get("grade"):
                gold.grade_of[event] = _max_grade(gold.grade_of.get(event), row["grade"])
            if row.get("scope"):
                gold.scope_of.setdefault(event, row["scope"])
        for name in ("events_news.tsv", "events_weibo.tsv", "events_senti100k.tsv", "events_toutiao.tsv",
                     "events_weibo21.tsv"):
            for row in read_tsv(folder / name):
                label = row.get("label", "")
                gold.background[row["key"]] = label if label != "other" else f"other:{row.get('kind') or 'other'}"
        return gold


_SEVERITY = {"I": 4, "II": 3, "III": 2, "IV": 1, None: 1}


def _max_grade(a: str | None, b: str) -> str:
    return b if a is None or _SEVERITY.get(b, 0) > _SEVERITY.get(a, 0) else a


# ------------------------------------------------------------------------------------- stream


@dataclass(frozen=True)
class Piece:
    at: datetime
    source: str
    item: dict[str, Any]
    truth: str  # "event:<key>" or "bg:<key>"


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.findall(text) if s.strip()]


def _dateline_free(text: str) -> str:
    # "2014-04-18 15:26:01　来源: 中国网" heads some CEC texts: a page header, not the report.
    return re.sub(r"^\s*\d{4}-\d{2}-\d{2}\s+\d{2}:\d{2}(:\d{2})?\s*来源[:：]\s*\S+\s*", "", text)


def event_pieces(articles: list[dict[str, Any]], t0: datetime, rng: random.Random, event: str) -> list[Piece]:
    """One event's items: Weibo first report, local news, provincial follow-up, further reports."""
    first, *others = articles
    text = _dateline_free(first["text"]).strip()
    parts = sentences(text)
    lead = ""
    for sentence in parts:
        if len(lead) + len(sentence) > 140 and lead:
            break
        lead += sentence
    truth = f"event:{event}"
    tag = hashlib.sha1(first["file"].encode("utf-8")).hexdigest()[:10]
    engagement = {"reposts": rng.randint(5, 3000), "comments": rng.randint(2, 800), "likes": rng.randint(10, 5000)}
    pieces = [Piece(t0, "wb", {"id": f"e{tag}-wb", "text": lead or first["title"], **engagement}, truth)]
    t1 = t0 + timedelta(minutes=rng.randint(20, 120))
    pieces.append(Piece(t1, "news-local", {"id": f"e{tag}-news", "title": first["title"], "text": text}, truth))
    half = parts[len(parts) // 2:] if len(parts) > 1 else parts
    t2 = t0 + timedelta(minutes=rng.randint(180, 600))
    pieces.append(Piece(t2, "news-prov", {"id": f"e{tag}-follow", "title": first["title"], "text": "".join(half)},
                        truth))
    for number, article in enumerate(others, 1):
        at = t0 + timedelta(minutes=rng.randint(60, 24 * 60))
        other_tag = hashlib.sha1(article["file"].encode("utf-8")).hexdigest()[:10]
        pieces.append(Piece(at, "news-prov", {"id": f"e{other_tag}-more{number}", "title": article["title"],
                                              "text": _dateline_free(article["text"]).strip()}, truth))
    return pieces


def portal_headlines(data: Path, portal: str, part: str) -> list[tuple[str, str]]:
    """(key, headline) of the part's background headlines: THUCNews's, or Toutiao's of 2018."""
    if portal == "toutiao":
        found = [(key, headline) for key, headline, _ in toutiao_headlines(data) if part_of(key) == part]
        if not found:
            raise SystemExit(f"no Toutiao headlines: {data / TOUTIAO} is missing (see labels/README.md)")
        return found
    titles = []
    with (data / "thucnews_titles_dev.csv").open(encoding="utf-8", newline="") as handle:
        for number, row in enumerate(csv.DictReader(handle)):
            key = f"thucnews:{number}"
            if part_of(key) == part:
                titles.append((key, row["title"]))
    return titles


def stream_posts(data: Path, gold: Gold, part: str, source: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(key, text) of the part's posts: those that must be in the week, and those to draw from."""
    if source == "weibo21":
        posts = [(key, text) for key, text in weibo21_posts(data) if part_of(key) == part and text.strip()]
        if not posts:
            raise SystemExit(f"no Weibo21 posts: {data / 'weibo21'} is missing (see labels/README.md)")
        read = [(key, text) for key, text in posts if key in gold.background]
        return read, [(key, text) for key, text in posts if key not in gold.background and not WATCHED.search(text)]
    weibo = []
    for line in (data / "smp2020_ewect_train_eval.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            key = f"smp:{row['subset']}:{row['split']}:{row['id']}"
            if part_of(key) == part and row["content"].strip():
                weibo.append((key, row["content"]))
    return [], weibo


def build_stream(data: Path, gold: Gold, part: str, *, headlines: int, posts: int, seed: int,
                 portal: str = "thucnews", posts_from: str = "smp") -> tuple[list[Piece], dict[str, list[str]]]:
    """The week's items in time order, and each event's CEC files."""
    rng = random.Random(seed)
    week = timedelta(days=7)
    articles = [json.loads(line) for line in (data / "cec_emergency_dev.jsonl").read_text(encoding="utf-8").splitlines()
                if line.strip()]
    events: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for article in articles:
        event = gold.event_of.get(article["file"], article["file"])
        if part_of(event) == part:  # by event: two reports of one event are never in both parts
            events[event].append(article)
    pieces: list[Piece] = []
    for event, group in sorted(events.items()):
        t0 = WEEK_START + timedelta(seconds=rng.randrange(int((week - timedelta(days=1)).total_seconds())))
        pieces.extend(event_pieces(group, t0, rng, event))

    titles = portal_headlines(data, portal, part)
    for key, title in rng.sample(titles, min(headlines, len(titles))):
        at = WEEK_START + timedelta(seconds=rng.randrange(int(week.total_seconds())))
        pieces.append(Piece(at, "portal", {"id": key, "title": title, "text": title}, f"bg:{key}"))

    read, weibo = stream_posts(data, gold, part, posts_from)
    for key, content in read + rng.sample(weibo, min(max(posts - len(read), 0), len(weibo))):
        at = WEEK_START + timedelta(seconds=rng.randrange(int(week.total_seconds())))
        engagement = {"reposts": rng.randint(0, 50), "comments": rng.randint(0, 50), "likes": rng.randint(0, 200)}
        pieces.append(Piece(at, "wb", {"id": key, "text": content, **engagement}, f"bg:{key}"))
    pieces.sort(key=lambda p: (p.at, p.item["id"]))
    return pieces, {event: [a["file"] for a in group] for event, group in events.items()}


def scenario_lines(pieces: list[Piece]) -> list[str]:
    lines = []
    for piece in pieces:
        item = {**piece.item, "published_at": piece.at.isoformat()}
        lines.append(json.dumps({"at": piece.at.isoformat(), "type": "item", "source": piece.source, "item": item},
                                ensure_ascii=False))
    return lines


# ------------------------------------------------------------------------------------- replay


def replay(lines: list[str], workdir: Path, extra: str = "") -> dict[str, Any]:
    from sentinel.replay import Replayer, read_scenario
    from sentinel.settings import parse_settings
    from sentinel.store.db import open_database

    settings = parse_settings(CONFIG.replace("{db}", str(workdir / "week.db")) + extra)
    parsed, errors = read_scenario(lines)
    if errors:
        raise SystemExit(f"scenario errors: {errors[:3]}")
    database = open_database(settings.database.url)
    try:
        replayer = Replayer(settings, database)
        replayer.run(parsed, until=timedelta(hours=72))
        return replayer.result()
    finally:
        database.close()


# ------------------------------------------------------------------------------------ figures


def measure(result: dict[str, Any], pieces: list[Piece], gold: Gold) -> dict[str, Any]:
    truth = {p.item["id"]: p.truth for p in pieces}
    events = sorted({t[6:] for t in truth.values() if t.startswith("event:")})
    holders: dict[str, Counter[int]] = defaultdict(Counter)  # event -> incident -> items
    incidents = {incident["id"]: incident for incident in result["incidents"]}
    contents: dict[int, set[str]] = defaultdict(set)
    for incident in result["incidents"]:
        for item in incident["items"]:
            label = truth.get(item["id"], "")
            contents[incident["id"]].add(label)
            if label.startswith("event:"):
                holders[label[6:]][incident["id"]] += 1
    pages: dict[int, Counter[str]] = defaultdict(Counter)
    for note in result["notifications"]:
        if note["incident"] is None:
            continue
        for person in (LEADER, CHIEF, DUTY):
            if person in note["recipient"]:
                pages[note["incident"]][person] += 1

    found = [e for e in events if holders[e]]
    split = [e for e in events if len(holders[e]) > 1]
    mixing = [i for i, labels in contents.items() if len({x for x in labels if x.startswith("event:")}) > 1]
    exact, over, under, wrong_major = [], [], [], []
    for event in found:
        incident = incidents[min(holders[event], key=lambda k: (-holders[event][k], k))]
        predicted = incident["grade"] or "IV"
        expected = gold.grade_of.get(event) or "IV"
        if predicted == expected:
            exact.append(event)
        elif _SEVERITY[predicted] > _SEVERITY[expected]:
            over.append((event, expected, predicted, incident["id"]))
            if predicted in ("I", "II") and incident["id"] in mixing:
                wrong_major.append((event, expected, predicted, incident["id"]))
        else:
            under.append((event, expected, predicted, incident["id"]))

    def background_label(item_id: str) -> str:
        return gold.background.get(item_id, "unlabelled")

    chatter, background_events = [], []
    for incident_id, labels in contents.items():
        if any(x.startswith("event:") for x in labels):
            continue
        kinds = {background_label(x[3:]) for x in labels}
        (background_events if kinds & {"event", "complaint"} else chatter).append(incident_id)
    foreign = [e for e in found if gold.scope_of.get(e) == "foreign"]
    foreign_clocks = [e for e in foreign if any(incidents[i]["obligations"] for i in holders[e])]
    foreign_paged = [e for e in foreign if any(pages[i][LEADER] or pages[i][CHIEF] for i in holders[e])]
    return {
        "events": len(events), "found": len(found), "split": len(split), "mixing": len(mixing),
        "grade_exact": len(exact), "over_graded": len(over), "under_graded": len(under),
        "major_from_other_event": len(wrong_major),
        "incidents": len(incidents), "chatter_incidents": len(chatter),
        "chatter_major": sum(1 for i in chatter if incidents[i]["grade"] in ("I", "II")),
        "chatter_obligations": sum(len(incidents[i]["obligations"]) for i in chatter),
        "chatter_leader_pages": sum(pages[i][LEADER] for i in chatter),
        "chatter_pages": sum(sum(pages[i].values()) for i in chatter),
        "background_event_incidents": len(background_events),
        "foreign_events": len(foreign), "foreign_with_clocks": len(foreign_clocks),
        "foreign_paged_beyond_duty": len(foreign_paged),
        "_detail": {"chatter": chatter, "mixing": mixing, "over": over, "under": under,
                    "missed": [e for e in events if not holders[e]], "split": split,
                    "foreign": foreign_clocks, "background_events": background_events},
    }


def show(kind: str, figures: dict[str, Any], result: dict[str, Any], pieces: list[Piece], gold: Gold) -> None:
    incidents = {incident["id"]: incident for incident in result["incidents"]}
    texts = {p.item["id"]: (p.item.get("title") or p.item["text"])[:70] for p in pieces}
    truth = {p.item["id"]: p.truth for p in pieces}
    detail = figures["_detail"]

    def describe(incident_id: int) -> None:
        incident = incidents[incident_id]
        print(f"  #{incident_id} [{incident['grade'] or '-'}] {incident['category'] or '-'} "
              f"obligations={len(incident['obligations'])} {incident['title'][:60]}")
        for item in incident["items"][:6]:
            label = truth.get(item["id"], "?")
            label = label if label.startswith("event:") else gold.background.get(label[3:], "unlabelled")
            print(f"      {item['source']:<10} {label[:40]:<40} {texts.get(item['id'], '')}")

    if kind == "chatter":
        for incident_id in detail["chatter"]:
            describe(incident_id)
    elif kind == "mixed":
        for incident_id in detail["mixing"]:
            describe(incident_id)
    elif kind == "grades":
        for event, expected, predicted, incident_id in detail["over"] + detail["under"]:
            print(f"  {event}: expected {expected}, got {predicted}")
            describe(incident_id)
    elif kind == "missed":
        for event in detail["missed"] + detail["split"]:
            print(f"  {event}")
    elif kind == "foreign":
        for event in detail["foreign"]:
            print(f"  {event}")
    elif kind == "background":
        for incident_id in detail["background_events"]:
            describe(incident_id)


def report(part: str, figures: dict[str, Any], seconds: float) -> None:
    events = max(figures["events"], 1)
    print(f"== part {part}: {figures['events']} events, {figures['incidents']} incidents, replay {seconds:.0f} s")
    print(f"events found            {figures['found']}/{figures['events']} ({figures['found'] / events:.1%})")
    print(f"events split            {figures['split']}")
    print(f"incidents mixing events {figures['mixing']} ({figures['mixing'] / events:.1%} of events)")
    found = max(figures["found"], 1)
    print(f"grade exact             {figures['grade_exact']}/{figures['found']} ({figures['grade_exact'] / found:.1%});"
          f" over {figures['over_graded']}, under {figures['under_graded']},"
          f" I/II from another event {figures['major_from_other_event']}")
    print(f"chatter incidents       {figures['chatter_incidents']} (graded I/II {figures['chatter_major']}, "
          f"obligations {figures['chatter_obligations']}, pages {figures['chatter_pages']}, "
          f"to leaders {figures['chatter_leader_pages']})")
    print(f"background real events  {figures['background_event_incidents']} incidents")
    print(f"foreign events          {figures['foreign_events']} (with clocks {figures['foreign_with_clocks']}, "
          f"paged beyond duty {figures['foreign_paged_beyond_duty']})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True, help="folder with the corpora")
    parser.add_argument("--labels", type=Path, default=LABELS, help="folder with the label files")
    parser.add_argument("--part", choices=["dev", "held", "both"], default="both")
    parser.add_argument("--headlines", type=int, default=3000)
    parser.add_argument("--portal", choices=["thucnews", "toutiao"], default="thucnews",
                        help="where the background headlines come from (toutiao: DIR/toutiao_test.txt)")
    parser.add_argument("--posts", type=int, default=2000)
    parser.add_argument("--posts-from", choices=["smp", "weibo21"], default="smp",
                        help="where the posts come from (weibo21: DIR/weibo21/*.pkl, the posts read by hand)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--show", default="", help="comma-separated: chatter, mixed, grades, missed, foreign, background")
    parser.add_argument("--scenario-out", type=Path, help="also write the scenario (JSON lines) here")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--config", default="", help="YAML appended to the configuration, e.g. "
                        "'incidents: {reports: {open_post: 0.8}}' (for tuning on dev)")
    parser.add_argument("--model", type=Path, help="an event-report model file (default: the bundled one); "
                        "with --folds, the C and threshold the fold models take")
    parser.add_argument("--folds", type=int, default=0, help="judge the dev part with K models, each trained "
                        "without the fold of the texts it judges (scripts/fold_models.py): dev figures for new text")
    args = parser.parse_args(argv)
    if not (args.data / "cec_emergency_dev.jsonl").is_file():
        print(f"error: {args.data} holds no cec_emergency_dev.jsonl", file=sys.stderr)
        return 2
    gold = Gold.read(args.labels)
    if not gold.grade_of:
        print(f"warning: no grade labels in {args.labels}/cec_events.tsv: every event is expected at IV",
              file=sys.stderr)
    out: dict[str, Any] = {}
    for part in (["dev", "held"] if args.part == "both" else [args.part]):
        pieces, _files = build_stream(args.data, gold, part, headlines=args.headlines, posts=args.posts,
                                      seed=args.seed, portal=args.portal, posts_from=args.posts_from)
        lines = scenario_lines(pieces)
        if args.scenario_out:
            target = args.scenario_out.with_name(f"{args.scenario_out.stem}-{part}{args.scenario_out.suffix}")
            target.write_text("\n".join(lines) + "\n", encoding="utf-8")
        start = time.perf_counter()
        with tempfile.TemporaryDirectory() as folder, ExitStack() as stack:
            if args.folds and part == "dev":
                texts = {piece.item["text"]: piece.truth.split(":", 1)[1] for piece in pieces}
                router = stack.enter_context(judged_by_folds(args.data, args.labels, texts, args.folds, args.model))
            model = f"\nanalysis: {{event_model: {json.dumps(str(args.model))}}}" if args.model else ""
            result = replay(lines, Path(folder), model + "\n" + args.config)
            if args.folds and part == "dev" and not args.json:
                print(f"judged by {args.folds} fold models ({router.unrouted} judgements of texts not in the stream)")
        seconds = time.perf_counter() - start
        figures = measure(result, pieces, gold)
        out[part] = {k: v for k, v in figures.items() if not k.startswith("_")}
        if not args.json:
            report(part, figures, seconds)
            for kind in filter(None, args.show.split(",")):
                print(f"-- {kind}")
                show(kind, figures, result, pieces, gold)
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
