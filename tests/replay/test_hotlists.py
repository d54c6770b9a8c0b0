"""Hot lists in a replay of real hours of Weibo's list (README.md, "Hot-list scenarios"): an entry
that climbs into the top 10 alerts once, with its rank; one that drops out and returns does not
alert twice; an incident opened by a news item is marked when its topic reaches the list; the heat
formula's components are in ``incidents show --json``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, col, select

from sentinel.analyse.pipeline import Analyzer
from sentinel.incidents.hotlist_heat import ListingWeights, ListStanding, listing_heat
from sentinel.notify.serialisation import stored_message
from sentinel.replay import Replayer, load_scenario
from sentinel.settings import Settings, load_settings
from sentinel.store.db import open_database
from sentinel.store.models import HotlistEntry, HotlistRank, IncidentHotlist, OutboxMessage

HERE = Path(__file__).parent
KNIFE = "男子因噪音狂斩邻居30多刀后坠楼"
ECLIPSE = "日全食"


@pytest.fixture(scope="module")
def settings() -> Settings:
    return load_settings(HERE / "hotlist.yaml")


@pytest.fixture(scope="module")
def analyzer(settings: Settings) -> Analyzer:
    return Analyzer(settings)


def replay(settings: Settings, analyzer: Analyzer, url: str, name: str) -> tuple[dict[str, Any], Any]:
    configured = settings.model_copy(update={"database": settings.database.model_copy(update={"url": url})})
    lines, errors = load_scenario(HERE / f"{name}.jsonl")
    assert errors == []
    database = open_database(url)
    replayer = Replayer(configured, database, analyzer)
    replayer.run(lines)
    return replayer.result(), database


def hotlist_alerts(result: dict[str, Any]) -> list[dict[str, Any]]:
    return [n for n in result["notifications"] if n["kind"] == "hotlist"]


def test_an_entry_climbing_into_the_top_10_alerts_once_with_its_rank(settings, analyzer, database_url) -> None:
    result, database = replay(settings, analyzer, database_url, "hotlist_climb")
    try:
        assert result["errors"] == []
        alerts = hotlist_alerts(result)
        # 17:00 rank 34 (on the list, not in the top 10): no alert; 18:00 rank 8: one; 19:00 rank 15: none
        assert [(a["at"][11:16], a["title"], a["recipient"]) for a in alerts] == [
            ("18:00", f"【上热搜】#{KNIFE}# 进入微博热搜第8位", "张伟")]
        with Session(database.engine) as session:
            message = session.scalars(select(OutboxMessage).where(col(OutboxMessage.kind) == "hotlist")).one()
            text = stored_message(message.message).text_plain  # rendered as the sender renders it
            assert "热度348,769" in text  # the heat with which it entered the top 10
            assert text.index("第34位") < text.rindex("第8位")  # its rank history so far
    finally:
        database.close()


def test_an_incident_opened_by_a_news_item_is_marked_when_its_topic_reaches_the_list(
        settings, analyzer, sqlite_url) -> None:
    result, database = replay(settings, analyzer, sqlite_url, "hotlist_climb")
    try:
        (incident,) = result["incidents"]
        assert [(i["id"], i["source"]) for i in incident["items"]] == [("b-1", "news-city"), (KNIFE, "wb-hot")]
        events = [(e["at"][11:16], e["kind"], e["reason"]) for e in incident["timeline"]]
        assert events[0][:2] == ("16:40", "detected")  # the news item opened it
        assert ("17:00", "hotlist_marked", "上榜：微博热搜第34位，热度241,912 / on the Weibo hot list, rank 34, 241,912") \
            in events
        top = [e for e in events if e[1] in ("hotlist_top", "grade_changed", "marked_needs_response")]
        assert [e[:2] for e in top] == [("16:40", "grade_changed"), ("18:00", "hotlist_top"),
                                        ("18:00", "grade_changed"), ("18:00", "marked_needs_response")]
        # the news item's one death (the attacker's fall) set IV; at 18:00 heat alone reached IV (6.7 ≥ 6) and
        # the top 10 raised it a step, to III, and started the 48 h clock
        assert incident["grade"] == "III"
        assert [(o["kind"], o["due_at"]) for o in incident["obligations"]] == [
            ("response", "2026-08-10T16:30:00+08:00")]  # 48 h from emergence (the news item's 16:30)
    finally:
        database.close()


def test_an_entry_that_drops_out_and_returns_is_not_alerted_twice(settings, analyzer, database_url) -> None:
    result, database = replay(settings, analyzer, database_url, "hotlist_return")
    try:
        assert result["errors"] == []
        alerts = hotlist_alerts(result)
        assert [(a["at"][11:16], a["title"]) for a in alerts] == [("10:00", f"【上热搜】#{ECLIPSE}# 进入微博热搜第6位")]
        (incident,) = result["incidents"]
        marks = [e for e in incident["timeline"] if e["kind"].startswith("hotlist_")]
        assert [(e["at"][11:16], e["kind"]) for e in marks] == [
            ("10:00", "hotlist_marked"), ("10:00", "hotlist_top"), ("10:00", "hotlist_alerted")]
        with Session(database.engine) as session:
            history = session.scalars(select(HotlistRank).where(col(HotlistRank.external_id) == ECLIPSE)
                                      .order_by(col(HotlistRank.at), col(HotlistRank.id))).all()
            # on at 10:00 (6th), gone at 12:00, back at 18:00 (7th), 21st at 19:00: the archive's top 20 and
            # the watched topic, so 21st is still on this list
            assert [(row.at.hour, row.rank, row.gone) for row in history] == [
                (2, 6, False), (4, None, True), (10, 7, False), (11, 21, False)]
            entry = session.get(HotlistEntry, ("wb-hot", ECLIPSE))
            assert entry is not None and entry.best_rank == 6 and entry.on_list
            # time on the list: 10:00 only (it was gone at 12:00, time unseen is not counted), then 18:00 → 19:00
            assert entry.listed_seconds == 3600
            (mark,) = session.scalars(select(IncidentHotlist)).all()
            assert (mark.top_rank, mark.alert_pending, mark.alerted_at is not None) == (6, False, True)
    finally:
        database.close()


def test_the_heat_formulas_components_are_in_incidents_show_json(settings, tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'hot.db'}"
    config = tmp_path / "hotlist.yaml"
    config.write_text((HERE / "hotlist.yaml").read_text(encoding="utf-8").replace(
        "sqlite:///var/replay-hotlist.db", url), encoding="utf-8")
    command = [sys.executable, "-m", "sentinel", "--config", str(config)]
    subprocess.run([*command, "replay", str(HERE / "hotlist_return.jsonl")], check=True, capture_output=True)
    shown = json.loads(subprocess.run([*command, "incidents", "show", "1", "--json"], check=True,
                                      capture_output=True, text=True).stdout)
    parts = shown["heat_components"]
    assert {"engagement", "volume", "breadth", "momentum", "listing", "listing_terms"} <= set(parts)
    assert parts["total"] == pytest.approx(parts["engagement"] + parts["volume"] + parts["breadth"] + parts["momentum"]
                                           + parts["listing"], abs=1e-3)
    assert shown["heat"] == parts["total"]
    weibo = shown["listing"]["lists"]["weibo"]
    assert (weibo["best_rank"], weibo["rank"], weibo["on"], weibo["hours"]) == (6, 21, True, 1.0)
    # the listing component recomputed by hand from what the incident shows
    expected, _ = listing_heat([ListStanding("weibo", 6, weibo["heat_share"], 1.0)], ["weibo"], ListingWeights())
    assert parts["listing"] == pytest.approx(expected, abs=1e-3)
    assert shown["listing"]["top"]["rank"] == 6
