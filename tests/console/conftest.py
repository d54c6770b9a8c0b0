"""Fixtures for the web console: a store filled by the real pipeline (a replayed scenario whose
first post carries ``<script>``), and the daemon's app over it with tokens for each role."""

from __future__ import annotations

import contextlib
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from sentinel.clock import FakeClock
from sentinel.metrics import Metrics
from sentinel.replay import Replayer, load_scenario
from sentinel.settings import Settings, load_settings
from sentinel.store.db import Database, open_database
from sentinel.web.app import create_app

HERE = Path(__file__).parent
REPLAY_CONFIG = HERE.parent / "replay" / "sentinel.yaml"
#: name, role and token of each person (the tokens are set as environment variables by the fixtures)
PEOPLE = {"duty": ("张伟", "duty-token-1"), "leader": ("钱局长", "leader-token-1"),
          "admin": ("管理员", "admin-token-1"), "readonly": ("大屏", "read-token-1"),
          "ingest": ("crawler", "ingest-token-1")}


def console_settings(database_url: str) -> Settings:
    """The replay scenarios' configuration with a token for each role."""
    base = load_settings(REPLAY_CONFIG)
    data = base.model_dump(mode="json", by_alias=True, exclude_none=True)
    data["database"] = {"url": database_url}
    data["http"] = {"listen": "127.0.0.1:0", "tokens": console_tokens(data["sources"])}
    return Settings.model_validate(data)


def console_tokens(sources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A token for each person in PEOPLE; the ingest token may push into every push source."""
    pushed_into = [source["id"] for source in sources if source["kind"] == "push"]
    return [{"name": name, "role": role, "token_env": f"T_CONSOLE_{role.upper()}",
             **({"sources": pushed_into} if role == "ingest" else {})}
            for role, (name, _) in PEOPLE.items() if role != "ingest" or pushed_into]


def set_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    for role, (_, token) in PEOPLE.items():
        monkeypatch.setenv(f"T_CONSOLE_{role.upper()}", token)


@dataclass(frozen=True)
class Replayed:
    path: Path
    now: datetime  # the replay's clock when it stopped: the 5h deadline is still open then


@pytest.fixture(scope="session")
def replayed(tmp_path_factory: pytest.TempPathFactory) -> Replayed:
    """The scenario replayed once through the real pipeline; tests work on copies of the file."""
    path = tmp_path_factory.mktemp("console") / "replayed.db"
    settings = console_settings(f"sqlite:///{path}")
    lines, errors = load_scenario(HERE / "scenario.jsonl")
    assert errors == []
    database = open_database(settings.database.url)
    try:
        replayer = Replayer(settings, database)
        replayer.run(lines, until=timedelta(minutes=30))
        assert replayer.clock is not None
        now = replayer.clock.now()
    finally:
        database.close()
    return Replayed(path, now)


@dataclass
class Console:
    client: TestClient
    clock: FakeClock
    settings: Settings
    database: Database

    def csrf(self, path: str = "/login") -> str:
        page = self.client.get(path)
        found = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert found, f"no CSRF field on {path}: {page.status_code} {page.text[:300]}"
        return found.group(1)

    def login(self, role: str) -> None:
        response = self.client.post("/login", data={"csrf": self.csrf(), "token": PEOPLE[role][1], "next": "/"},
                                    follow_redirects=False)
        assert response.status_code == 303, response.text[:500]


@contextlib.contextmanager
def serve(settings: Settings, database: Database, now: datetime) -> Iterator[Console]:
    """The daemon's app over ``database`` with its clock stopped at ``now``; closes the database after."""
    clock = FakeClock(now)
    app = create_app(settings, database, Metrics(process=False), clock)
    try:
        with TestClient(app, base_url="http://127.0.0.1") as client:
            yield Console(client, clock, settings, database)
    finally:
        database.close()


@pytest.fixture
def console(replayed: Replayed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Console]:
    set_tokens(monkeypatch)
    path = tmp_path / "console.db"
    shutil.copy(replayed.path, path)
    settings = console_settings(f"sqlite:///{path}")
    with serve(settings, open_database(settings.database.url), replayed.now) as console:
        yield console
