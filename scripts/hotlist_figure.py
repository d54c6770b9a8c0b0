#!/usr/bin/env python3
"""What the watch rules make of two weeks of Weibo's hot search: topics matched, set aside as
entertainment, incidents opened, top-10 alerts — and a sample of the matched topics to read.

Usage::

    python scripts/hotlist_figure.py --data DIR [--config config/sentinel.example.yaml] [--sample 20]

Reads ``weibo_hot_search_2026-08-01_14.jsonl`` (the hourly archive of Weibo's list, see the data's
README) and replays every snapshot, in time order, through the real pipeline (store, analysis, the
public-opinion gate, incidents, hot-list signals, engine) on a temporary SQLite database, under the
configuration's watch rules, incidents and policy settings, with one ``hotlist`` source in place of
its sources. It does so twice: with the rules as written (an office's rules name its region) and
with their ``region`` groups removed (the same subjects watched nationally, as a provincial or
national office would). Figures are given for the whole fortnight and for its two parts, days 1–9
(on which the gate's word lists were tuned) and days 10–14 (never tuned on).
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import json
import logging
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlmodel import Session, col

from sentinel.analyse.pipeline import Analyzer
from sentinel.replay import Line, Replayer
from sentinel.settings import Settings, load_settings
from sentinel.store.db import open_database
from sentinel.store.models import Incident, IncidentHotlist, Item, ItemAnalysis

FILE = "weibo_hot_search_2026-08-01_14.jsonl"
SH = ZoneInfo("Asia/Shanghai")
HELD_OUT_FROM = "2026-08-10"


def snapshots(data: Path) -> list[Line]:
    rows = [json.loads(line) for line in (data / FILE).read_text(encoding="utf-8").splitlines() if line.strip()]
    by_hour: dict[tuple[str, int], list[dict[str, Any]]] = collections.defaultdict(list)
    for row in rows:
        by_hour[(row["date"], row["hour"])].append(row)
    lines = []
    for number, ((day, hour), found) in enumerate(sorted(by_hour.items()), 1):
        at = datetime.fromisoformat(day).replace(hour=hour, tzinfo=SH)
        entries = [{key: row[key] for key in ("rank", "title", "category", "description", "hot", "ads", "url")}
                   for row in found]
        lines.append(Line(number, at, "hotlist", {"source": "wb-hot", "entries": entries}))
    return lines


def settings_for(config: Settings, url: str, *, regional: bool) -> Settings:
    data = config.model_dump(mode="json", by_alias=True, exclude_none=True)
    data["database"] = {"url": url}
    data["sources"] = [{"id": "wb-hot", "kind": "hotlist", "platform": "weibo", "interval": "1h",
                        "authority": "commercial"}]
    data["channels"] = [{"id": "console", "kind": "console"}]
    data["roster"] = {}
    data.pop("http", None)
    if not regional:
        for rule in data["watch"]:
            rule["groups"] = {name: words for name, words in rule["groups"].items() if name != "region"}
        data["watch"] = [rule for rule in data["watch"] if rule["groups"] or rule.get("require") or rule.get("regex")]
    return Settings.model_validate(data)


def run(config: Settings, lines: list[Line], *, regional: bool, sample: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        settings = settings_for(config, f"sqlite:///{folder}/figure.db", regional=regional)
        rules = "; ".join(f"{r.id}: " + " × ".join(f"{k}[{len(v)}]" for k, v in r.groups.items()) for r in settings.watch)
        print(f"\n== rules {'as written' if regional else 'without their region groups'}: {rules}")
        database = open_database(settings.database.url)
        started = time.monotonic()
        try:
            replayer = Replayer(settings, database, Analyzer(settings))
            replayer.run(lines, until=timedelta(hours=1))
            report(database, sample, time.monotonic() - started)
        finally:
            database.close()


def report(database: Any, sample: int, seconds: float) -> None:
    with Session(database.engine) as session:
        rows = session.execute(select(Item, ItemAnalysis).join(ItemAnalysis, col(ItemAnalysis.item_id) == col(Item.id))
                               .where(col(Item.source_id) == "wb-hot")).all()
        incidents = {i.id: i for i in session.scalars(select(Incident)).all()}
        tops = {m.incident_id for m in session.scalars(select(IncidentHotlist).where(
            col(IncidentHotlist.top_at).is_not(None))).all()}
        alerted = {m.incident_id for m in session.scalars(select(IncidentHotlist).where(
            col(IncidentHotlist.alerted_at).is_not(None))).all()}
    first_day = {item.external_id: item.fetched_at.astimezone(SH).date().isoformat() for item, _ in rows}
    print(f"replayed in {seconds:.0f} s")
    for part, keep in (("fortnight", lambda d: True), ("days 1-9", lambda d: d < HELD_OUT_FROM),
                       ("days 10-14", lambda d: d >= HELD_OUT_FROM)):
        mine = [(item, analysis) for item, analysis in rows if keep(first_day[item.external_id])]
        matched = [(item, analysis) for item, analysis in mine if analysis.relevant]
        placed = [(item, analysis) for item, analysis in matched if analysis.incident_id is not None]
        opened = {a.incident_id for _, a in placed if a.incident_id is not None
                  and keep(incidents[a.incident_id].detected_at.astimezone(SH).date().isoformat())}
        print(f"{part:>10}: {len(mine)} topics; matched {len(matched)}; set aside as entertainment "
              f"{len(matched) - len(placed)}; in incidents {len(placed)}; incidents opened {len(opened)}, of which "
              f"{len(opened & tops)} reached the top 10 ({len(opened & alerted)} alerted)")
    matched = [(item, analysis) for item, analysis in rows if analysis.relevant]
    chosen = sorted(matched, key=lambda pair: hashlib.sha1(pair[0].external_id.encode()).hexdigest())[:sample]
    print(f"a sample of {len(chosen)} matched topics (chosen by a hash of the title):")
    for item, analysis in sorted(chosen, key=lambda pair: pair[0].fetched_at):
        facts = item.extra.get("hotlist", {})
        words = "；".join(f"{m['rule']}:" + "/".join(w for ws in m["groups"].values() for w in ws) for m in analysis.rules)
        where = f"#{analysis.incident_id}" if analysis.incident_id else "set aside"
        print(f"  {item.fetched_at.astimezone(SH):%m-%d %H} [{facts.get('category') or '-'}] {item.title} "
              f"| {words} | {where}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, type=Path, help="folder of the shared corpora")
    parser.add_argument("--config", type=Path, default=Path("config/sentinel.example.yaml"))
    parser.add_argument("--sample", type=int, default=20)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    config = load_settings(args.config)
    lines = snapshots(args.data)
    print(f"{FILE}: {len(lines)} hourly snapshots, {lines[0].at:%Y-%m-%d %H:%M} to {lines[-1].at:%Y-%m-%d %H:%M}")
    for regional in (True, False):
        run(config, lines, regional=regional, sample=args.sample)


if __name__ == "__main__":
    main()
