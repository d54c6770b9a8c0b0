"""The one masker of secrets: a table of URLs and texts, the log filter, and end to end a failing
source whose URL carries a token, with the token in no page, no API answer and no log line."""

from __future__ import annotations

import asyncio
import html
import logging
import re
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from sentinel.clock import SystemClock
from sentinel.collect.fetcher import Fetcher
from sentinel.collect.registry import default_collectors
from sentinel.collect.runner import CollectionRunner
from sentinel.masking import MaskingFilter, install_log_masking, mask_text, mask_url, uninstall_log_masking
from sentinel.metrics import Metrics
from sentinel.settings import Settings
from sentinel.store.db import open_database
from sentinel.web.app import create_app
from tests.support.server import Route


@pytest.mark.parametrize(("url", "shown"), [
    ("https://ops:pa55w0rd@hooks.example.cn/in", "https://ops:***@hooks.example.cn/in"),
    ("https://oapi.dingtalk.com/robot/send?access_token=4c1d", "https://oapi.dingtalk.com/robot/send?access_token=***"),
    ("https://oapi.dingtalk.com/robot/send?access_token=${DING}", "https://oapi.dingtalk.com/robot/send?access_token=${DING}"),
    ("https://open.feishu.cn/open-apis/bot/v2/hook/0f9e", "https://open.feishu.cn/open-apis/bot/v2/hook/***"),
    ("https://x.cn/a?session=s1&ticket=t1&pwd=p1&page=2", "https://x.cn/a?session=***&ticket=***&pwd=***&page=2"),
    ("sqlite:///var/sentinel.db", "sqlite:///var/sentinel.db"),
    ("http://127.0.0.1:9/rss", "http://127.0.0.1:9/rss"),
])
def test_urls_are_masked_where_a_secret_may_sit(url: str, shown: str) -> None:
    assert mask_url(url) == shown
    assert mask_text(f"cannot connect to {url}: refused") == f"cannot connect to {shown}: refused"


@pytest.mark.parametrize(("text", "shown"), [
    ("invalid URL 'http://h/x?access_token=abc'", "invalid URL 'http://h/x?access_token=***'"),
    ("bad query access_token=abc&page=2", "bad query access_token=***&page=2"),
    ("12 items, page=3", "12 items, page=3"),
])
def test_secrets_in_free_text_are_masked(text: str, shown: str) -> None:
    assert mask_text(text) == shown


def test_the_log_filter_masks_a_message_and_its_arguments() -> None:
    records: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(self.format(record))

    handler = Keep()
    handler.addFilter(MaskingFilter())
    logger = logging.getLogger("tests.masking")
    logger.addHandler(handler)
    try:
        logger.warning("HTTP Request: GET %s %r", "http://h/rss?access_token=SECRET-1", "ok")
    finally:
        logger.removeHandler(handler)
    assert records == ["HTTP Request: GET http://h/rss?access_token=*** 'ok'"]


SECRET = "SECRET-ACCESS-77"


def test_a_source_urls_token_is_in_no_page_answer_or_log(sqlite_url, http_server, monkeypatch, caplog) -> None:
    http_server.routes["/rss"] = Route(b"down for maintenance", 500)
    tokens = {"readonly": ("大屏", "T_MASK_READ", "read-token-0123456789abc"),
              "leader": ("钱局长", "T_MASK_LEADER", "leader-token-0123456789ab"),
              "admin": ("管理员", "T_MASK_ADMIN", "admin-token-0123456789abc")}
    for _, env, secret in tokens.values():
        monkeypatch.setenv(env, secret)
    settings = Settings.model_validate({
        "database": {"url": sqlite_url},
        "http": {"listen": "127.0.0.1:0", "tokens": [{"name": name, "role": role, "token_env": env}
                                                     for role, (name, env, _) in tokens.items()]},
        "sources": [{"id": "leaky", "kind": "rss", "url": http_server.url(f"/rss?access_token={SECRET}")}],
        "channels": [{"id": "feishu", "kind": "feishu", "url": "https://open.feishu.cn/open-apis/bot/v2/hook/HOOK-9"},
                     {"id": "hook", "kind": "webhook", "url": "https://h.example/in?session=S-1&ticket=T-1&pwd=P-1"}],
        "collect": {"jitter": 0, "read_timeout": "1s", "connect_timeout": "1s"},
    })
    install_log_masking()  # as the command line does before anything else
    try:
        with caplog.at_level(logging.INFO):
            reports = _poll_once(settings)
    finally:
        uninstall_log_masking()
    assert reports[0].outcome == "http_5xx" and SECRET not in (reports[0].error or "")
    assert http_server.requests_to("/rss")  # the source was really asked, with its token
    assert "source leaky failed" in caplog.text and "HTTP Request: GET" in caplog.text  # httpx's own line too
    assert SECRET not in caplog.text

    database = open_database(sqlite_url)
    try:
        app = create_app(settings, database, Metrics(process=False), SystemClock())
        with TestClient(app, base_url="http://127.0.0.1") as client:
            answer = client.get("/api/sources", headers={"Authorization": f"Bearer {tokens['readonly'][2]}"})
            assert answer.status_code == 200 and SECRET not in answer.text
            for role in ("readonly", "leader"):
                _login(client, tokens[role][2])
                page = client.get("/sources")
                assert page.status_code == 200 and "access_token=***" in page.text and SECRET not in page.text
            _login(client, tokens["admin"][2])
            page = re.search(r'<pre class="config">(.*?)</pre>', client.get("/config").text, re.DOTALL)
            assert page is not None
            console_view = yaml.safe_load(html.unescape(page.group(1)))
            api_view = client.get("/api/config", headers={"Authorization": f"Bearer {tokens['admin'][2]}"}).json()
    finally:
        database.close()
    assert _urls(console_view) == _urls(api_view["config"])  # the same masker: the same keys masked
    shown = " ".join(_urls(api_view["config"]))
    for secret in (SECRET, "HOOK-9", "S-1", "T-1", "P-1"):
        assert secret not in shown


def _poll_once(settings: Settings) -> list[Any]:
    async def go() -> list[Any]:
        database = open_database(settings.database.url)
        fetcher = Fetcher(settings.collect)
        try:
            runner = CollectionRunner(settings, database, fetcher, SystemClock(), Metrics(process=False),
                                      default_collectors())
            await runner.prepare()
            return await runner.collect_once()
        finally:
            await fetcher.aclose()
            database.close()

    return asyncio.run(go())


def _login(client: TestClient, token: str) -> None:
    client.cookies.clear()
    answer = client.post("/login", data={"csrf": _csrf(client, "/login"), "token": token, "next": "/"},
                         follow_redirects=False)
    assert answer.status_code == 303, answer.text[:300]


def _csrf(client: TestClient, path: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', client.get(path).text)
    assert found, path
    return found.group(1)


def _urls(tree: Any) -> list[str]:
    if isinstance(tree, dict):
        return [url for value in tree.values() for url in _urls(value)]
    if isinstance(tree, list):
        return [url for value in tree for url in _urls(value)]
    return [tree] if isinstance(tree, str) and "://" in tree else []
