"""The console's part in 属地管理 and 研判: the board flags an incident outside the jurisdiction or
awaiting verification; its page says where it happened and why, and offers the one step that
pulls it in or confirms it. Stores filled by the real pipeline (replayed scenarios)."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest

from sentinel.replay import Replayer, read_scenario
from sentinel.settings import Settings, load_settings
from sentinel.store.db import open_database
from tests.console.conftest import console_settings, console_tokens, serve, set_tokens

REPLAY = Path(__file__).parent.parent / "replay"


def _with_tokens(settings: Settings, url: str) -> Settings:
    data = settings.model_dump(mode="json", by_alias=True, exclude_none=True)
    data["database"] = {"url": url}
    data["http"] = {"listen": "127.0.0.1:0", "tokens": console_tokens(data["sources"])}
    return Settings.model_validate(data)


def _replayed(settings: Settings, scenario: list[str], until: timedelta):
    database = open_database(settings.database.url)
    lines, errors = read_scenario(scenario)
    assert errors == []
    replayer = Replayer(settings, database)
    replayer.run(lines, until=until)
    assert replayer.clock is not None
    return database, replayer.clock.now()


def test_an_incident_awaiting_verification_is_flagged_and_confirmed_in_one_step(tmp_path, monkeypatch) -> None:
    set_tokens(monkeypatch)
    settings = console_settings(f"sqlite:///{tmp_path / 'verify.db'}")
    text = (REPLAY / "verify_expired.jsonl").read_text(encoding="utf-8").splitlines()
    database, now = _replayed(settings, text, timedelta(minutes=10))  # 15:40: still pending
    with serve(settings, database, now) as console:
        console.login("duty")
        board = console.client.get("/").text
        assert "待研判" in board and "山西省晋城市" in board
        page = console.client.get("/incidents/1").text
        assert 'id="verification"' in page and "仅有自媒体来源" in page
        assert 'action="/incidents/1/verify"' in page and 'href="#dismiss-form"' in page
        done = console.client.post("/incidents/1/verify", data={"csrf": console.csrf("/incidents/1"),
                                                                 "reason": "晋城市应急局电话确认"},
                                   follow_redirects=False)
        assert done.status_code == 303 and done.headers["location"] == "/incidents/1?done=verify#timeline"
        page = console.client.get("/incidents/1?done=verify").text
        assert "已研判属实，按规定升级" in page and 'id="verification"' not in page
        assert "研判：已确认属实（晋城市应急局电话确认）" in page
        assert "待研判" not in console.client.get("/").text
        # once more: refused, and the reason stands at the top of the page since the form is gone
        again = console.client.post("/incidents/1/verify", data={"csrf": console.csrf("/incidents/1")})
        assert again.status_code == 409 and "不在待研判状态" in again.text


def test_an_incident_outside_the_jurisdiction_is_on_the_board_and_adopted_from_its_page(tmp_path, monkeypatch) -> None:
    set_tokens(monkeypatch)
    settings = _with_tokens(load_settings(REPLAY / "jurisdiction.yaml"), f"sqlite:///{tmp_path / 'j.db'}")
    lines = (REPLAY / "jurisdiction.jsonl").read_text(encoding="utf-8").splitlines()[:3]  # not adopted
    database, now = _replayed(settings, lines, timedelta(minutes=10))
    ids = {json.loads(line)["item"]["id"]: n for n, line in enumerate(lines, 1)}
    algeria = ids["j-3"]
    with serve(settings, database, now) as console:
        console.login("duty")
        board = console.client.get("/").text
        card = re.search(rf'data-incident="{algeria}".*?</li>', board, re.S)
        assert card and "辖区外 · 不计时" in card.group(0) and "阿尔及利亚阿尔及尔" in card.group(0)
        page = console.client.get(f"/incidents/{algeria}").text
        assert "阿尔及利亚阿尔及尔（辖区外）" in page and "境外" in page
        assert f'action="/incidents/{algeria}/adopt"' in page
        assert "此事件没有处置时限" in page
        console.login("readonly")
        assert 'id="adopt"' not in console.client.get(f"/incidents/{algeria}").text  # reading is not deciding
        console.login("duty")
        done = console.client.post(f"/incidents/{algeria}/adopt",
                                   data={"csrf": console.csrf(f"/incidents/{algeria}"), "reason": "我省援外人员受伤"},
                                   follow_redirects=False)
        assert done.status_code == 303
        page = console.client.get(f"/incidents/{algeria}?done=adopt").text
        assert "已纳入本辖区，开始计时" in page and "（已纳入本辖区）" in page and 'id="outside"' not in page
        assert "权威信息发布" in page and "新闻发布会" in page  # its clocks run now


@pytest.mark.parametrize("role", ["leader", "readonly"])
def test_only_those_who_act_may_adopt_or_verify(tmp_path, monkeypatch, role) -> None:
    set_tokens(monkeypatch)
    settings = console_settings(f"sqlite:///{tmp_path / 'roles.db'}")
    text = (REPLAY / "verify_expired.jsonl").read_text(encoding="utf-8").splitlines()
    database, now = _replayed(settings, text, timedelta(minutes=10))
    with serve(settings, database, now) as console:
        console.login(role)
        csrf = console.csrf("/incidents/1")
        for action in ("verify", "adopt"):
            assert console.client.post(f"/incidents/1/{action}", data={"csrf": csrf}).status_code == 403
