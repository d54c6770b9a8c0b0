"""The console's hot lists, on a store filled by replaying real hours of Weibo's list
(``tests/replay/hotlist_climb.jsonl``): the hot-list page, the incident's entries and rank chart,
the shaded hours on the list, the board's badge."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from sentinel.replay import Replayer, load_scenario
from sentinel.settings import Settings, load_settings
from sentinel.store.db import open_database
from tests.console.conftest import Console, console_tokens, serve, set_tokens

REPLAY = Path(__file__).parent.parent / "replay"
KNIFE = "男子因噪音狂斩邻居30多刀后坠楼"


def hotlist_settings(url: str) -> Settings:
    data = load_settings(REPLAY / "hotlist.yaml").model_dump(mode="json", by_alias=True, exclude_none=True)
    data["database"] = {"url": url}
    data["http"] = {"listen": "127.0.0.1:0", "tokens": console_tokens(data["sources"])}
    return Settings.model_validate(data)


@pytest.fixture
def console(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Console]:
    set_tokens(monkeypatch)
    settings = hotlist_settings(f"sqlite:///{tmp_path / 'hot.db'}")
    lines, errors = load_scenario(REPLAY / "hotlist_climb.jsonl")
    assert errors == []
    database = open_database(settings.database.url)
    replayer = Replayer(settings, database)
    replayer.run(lines, until=timedelta(minutes=5))
    assert replayer.clock is not None
    with serve(settings, database, replayer.clock.now()) as served:
        served.login("readonly")
        yield served


def rows_of(html: str, table: int) -> list[str]:
    tables = re.findall(r'<table class="hotlist-table">(.*?)</table>', html, re.DOTALL)
    return re.findall(r"<tr[^>]*>(.*?)</tr>", tables[table], re.DOTALL)[1:]


def text(fragment: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", fragment).split())


def test_the_hot_list_page_shows_the_list_now_matched_entries_first(console) -> None:
    page = console.client.get("/hotlists")
    assert page.status_code == 200 and "微博热搜" in page.text
    matched = [text(row) for row in rows_of(page.text, 0)]
    # 19:00: the watched topic is 15th (8th at 18:00: it fell 7 places), in incident #1 by rule public-safety
    assert matched == [f"15 ↓7 {KNIFE} 320,125 2小时 public-safety #1"]
    full = [text(row) for row in rows_of(page.text, 1)]
    assert full[0].startswith("1 – 台风白海豚") and len(full) == 20  # the archive's top 20 (the watched topic among them)
    by_title = {row.split()[2]: row for row in full}
    assert by_title["虞书欣古子成大婚路透"].split()[1] == "↓6"  # 6th at 18:00, 12th at 19:00
    # new at 19:00: no time on the list yet; back at 19:00 after one sighting at 17:00 (22nd, off this top 20, at
    # 18:00): time counts only between two polls that both saw it
    assert by_title["18岁女孩遭强奸案被挂案五年"].split()[1:2] == ["新"] and by_title["18岁女孩遭强奸案被挂案五年"].endswith(" 0分")
    assert by_title["孙红雷艾特错王玉雯"].split()[1] == "新" and by_title["孙红雷艾特错王玉雯"].endswith(" 0分")


def test_the_incident_page_shows_its_entries_rank_chart_and_hours_on_the_list(console) -> None:
    page = console.client.get("/incidents/1")
    assert page.status_code == 200
    (row,) = rows_of(page.text, 0)
    assert text(row).startswith(f"微博热搜 {KNIFE} 已提醒") and "第8位" in text(row) and "第15位，热度320,125" in text(row)
    chart = re.search(r'<svg class="rank-chart".*?</svg>', row, re.DOTALL)
    assert chart is not None
    assert re.findall(r"<title>([^<]*)</title>", chart.group(0)) == [
        "08-08 17:00 第34位，热度241,912", "08-08 18:00 第8位，热度348,769", "08-08 19:00 第15位，热度320,125"]
    # the charts of the incident shade the hours it was on the list: 17:00 to 19:00
    bands = re.findall(r'<rect class="listed"[^>]*><title>([^<]*)</title>', page.text)
    assert bands and set(bands) == {"在微博热搜 08-08 17:00 – 08-08 19:00"}
    assert "上榜" in page.text and "第34位" in page.text  # the timeline's mark


def test_the_board_shows_the_incidents_place_on_the_list(console) -> None:
    board = console.client.get("/")
    assert re.search(r'<span class="hotlist-badge on">微博热搜 第15位</span>', board.text)
