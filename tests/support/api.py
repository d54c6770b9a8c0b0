"""The API over a real store, in process: the daemon's own FastAPI app on a fresh database, with
one token per role, and a seeded case of each kind for the routes to act on."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import Session, SQLModel

from sentinel.clock import FakeClock
from sentinel.disclosure import flows
from sentinel.escalation import actions
from sentinel.escalation.clocks import Rules
from sentinel.metrics import Metrics
from sentinel.settings import Settings
from sentinel.store.db import Database, open_database
from sentinel.store.models import Incident, Response
from sentinel.store.sources import ensure_sources
from sentinel.web.app import create_app

NOW = datetime(2026, 5, 20, 2, 0, tzinfo=UTC)  # a 40-working-day extension stays within the calendar
EMERGED = NOW - timedelta(hours=1)
# role -> (token name, secret); the names are the actors the timeline must show
PEOPLE = {
    "duty": ("张伟", "duty-secret"),
    "leader": ("钱局长", "leader-secret"),
    "admin": ("管理员", "admin-secret"),
    "readonly": ("dashboard", "read-secret"),
    "ingest": ("crawler", "ingest-secret"),
}
ROLES = tuple(PEOPLE)


def bearer(role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {PEOPLE[role][1]}"}


def api_settings(database_url: str, http: dict[str, Any] | None = None, **extra: Any) -> Settings:
    """``http`` adds keys to the ``http:`` section (limits, allowed hosts); ``extra``, other sections."""
    return Settings.model_validate({
        "database": {"url": database_url},
        "http": {"listen": "127.0.0.1:0", "tokens": [
            {"name": name, "role": role, "token_env": f"T_{role.upper()}", **({"sources": ["crawler"]} if role == "ingest" else {})}
            for role, (name, _) in PEOPLE.items()]
            + [{"name": "nobody", "role": "admin", "token_env": "T_UNSET"}], **(http or {})},
        "sources": [{"id": "crawler", "kind": "push", "authority": "provincial"},
                    {"id": "gov-city", "kind": "rss", "url": "http://127.0.0.1:9/rss", "official": True}],
        **extra,
    })


@dataclass
class Api:
    client: TestClient
    database: Database
    settings: Settings
    clock: FakeClock
    metrics: Metrics
    incident: int = 0
    evidence: int = 0  # an official item awaiting confirmation
    other_evidence: int = 0  # another, to be rejected
    request: int = 0  # a disclosure request whose clock runs
    unconfirmed: int = 0  # one submitted online, its receipt not yet confirmed
    correcting: int = 0  # one awaiting its correction (补正)
    consulting: int = 0  # one awaiting a third party's opinion
    outside: int = 0  # an incident abroad: no clocks until adopted
    pending: int = 0  # a grade II incident awaiting verification (待研判)

    def snapshot(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of every table: what a refused request must leave exactly as it was."""
        with self.database.engine.connect() as connection:
            return {table.name: sorted(tuple(map(repr, row)) for row in connection.execute(select(table)).all())
                    for table in SQLModel.metadata.sorted_tables}


@contextmanager
def running_api(database_url: str, monkeypatch: pytest.MonkeyPatch, **extra: Any) -> Iterator[Api]:
    for role, (_, secret) in PEOPLE.items():
        monkeypatch.setenv(f"T_{role.upper()}", secret)
    monkeypatch.delenv("T_UNSET", raising=False)
    settings = api_settings(database_url, **extra)
    database = open_database(database_url)
    ensure_sources(database.engine, settings.sources, now=NOW)  # as the daemon does before serving
    clock = FakeClock(NOW)
    metrics = Metrics(process=False)
    try:
        # 127.0.0.1: a host the daemon serves by default (TestClient's own "testserver" is not one)
        with TestClient(create_app(settings, database, metrics, clock), base_url="http://127.0.0.1",
                        raise_server_exceptions=False) as client:
            yield Api(client, database, settings, clock, metrics)
    finally:
        database.close()


def seed(api: Api) -> Api:
    """A grade II incident with open clocks, an official item awaiting confirmation as its release,
    and a disclosure request: one of each thing the routes act on."""
    rules = Rules.from_settings(api.settings)
    engine = api.database.engine
    with Session(engine) as session:
        incident = Incident(title="郑州中原区一居民楼发生燃气爆炸", department="郑州市应急管理局", department_source="rule",
                            category="accident", grade_reasons=[], facts={"deaths": 12}, keywords=[], rules=["safety"],
                            regions=["郑州"], emerged_at=EMERGED, detected_at=EMERGED + timedelta(minutes=5),
                            last_item_at=EMERGED, updated_at=EMERGED, heat_components={})
        session.add(incident)
        session.commit()
        assert incident.id is not None
        api.incident = incident.id
    actions.set_grade(engine, rules, api.incident, grade="II", reason="12人死亡", by="值班员", now=EMERGED)
    with Session(engine) as session:  # what the incidents stage records for an official source's items
        candidates = [Response(incident_id=api.incident, kind="authoritative_info", state="candidate",
                               at=EMERGED + timedelta(minutes=minutes), url=f"https://www.example.gov.cn/{minutes}.html",
                               channel="gov-city", content=content, recorded_by="sentinel",
                               recorded_at=EMERGED + timedelta(minutes=minutes + 1))
                      for minutes, content in ((30, "关于燃气爆炸事故的情况通报"), (40, "全市开展燃气安全大检查"))]
        session.add_all(candidates)
        session.commit()
        assert candidates[0].id is not None and candidates[1].id is not None
        api.evidence, api.other_evidence = candidates[0].id, candidates[1].id
    request = flows.add_request(engine, rules, flows.NewRequest(
        content="申请公开燃气管网巡检记录", applicant_type="natural_person", channel="in_person", applicant="王某",
        submitted_on=EMERGED.astimezone(api.settings.zone).date()), by="值班员", now=EMERGED)
    assert request.id is not None
    api.request = request.id
    day = EMERGED.astimezone(api.settings.zone).date()

    def another(content: str, channel: str = "in_person") -> int:
        made = flows.add_request(engine, rules, flows.NewRequest(content=content, applicant_type="commercial",
                                                                 channel=channel, submitted_on=day), by="值班员",
                                 now=EMERGED)
        assert made.id is not None
        return made.id

    api.unconfirmed = another("申请公开燃气公司年度检查报告", "online")
    api.correcting = another("申请公开有关文件")
    flows.ask_correction(engine, rules, api.correcting, on=day, until=day + timedelta(days=30), by="值班员", now=EMERGED)
    api.consulting = another("申请公开某企业整改报告")
    flows.start_consultation(engine, rules, api.consulting, party="third_party", on=day, by="值班员", now=EMERGED)

    with Session(engine) as session:  # what the incidents stage records for an event abroad, and for a
        # grade II on one self-media post
        abroad = Incident(title="尼日利亚发生宗教暴力冲突致5人死亡", category="social_safety", grade="IV",
                          grade_reasons=[], facts={"deaths": 5}, keywords=[], rules=["safety"], regions=[],
                          emerged_at=EMERGED, detected_at=EMERGED, last_item_at=EMERGED, updated_at=EMERGED,
                          heat_components={}, jurisdiction="outside",
                          place={"name": "尼日利亚", "level": "country", "code": "NG", "country": "尼日利亚",
                                 "inside": False, "why": "标题“尼日利亚”：境外", "label": "尼日利亚"})
        weak = Incident(title="#中原区爆炸# 现场12人遇难", category="accident", grade="II", grade_source="facts",
                        grade_reasons=[], facts={"deaths": 12}, keywords=[], rules=["safety"], regions=["中原区"],
                        emerged_at=EMERGED, detected_at=EMERGED, last_item_at=EMERGED, updated_at=EMERGED,
                        heat_components={}, jurisdiction="inside",
                        verification={"state": "pending", "since": EMERGED.isoformat(), "at": None,
                                      "reason": "仅有自媒体来源", "evidence": {"tiers": ["self_media"]}, "by": None})
        session.add_all([abroad, weak])
        session.commit()
        assert abroad.id is not None and weak.id is not None
        api.outside, api.pending = abroad.id, weak.id
    return api


def assert_refused(api: Api, method: str, path: str, payload: dict[str, Any] | None, loc: list[Any]) -> None:
    """``method path`` with ``payload`` (the query of a GET, else the JSON body) as an admin, who may
    do everything, so that a refusal is the input's: a 422 naming ``loc``, and nothing changed."""
    before = api.snapshot()
    if method == "GET":
        answer = api.client.get(path, params=payload, headers=bearer("admin"))
    else:
        answer = api.client.post(path, json=payload, headers=bearer("admin"))
    assert answer.status_code == 422, answer.text
    assert loc in [error["loc"][: len(loc)] for error in answer.json()["detail"]], answer.json()
    assert api.snapshot() == before
