"""The feed corpus end to end: every file served from 127.0.0.1 with the headers its comments name,
polled by the real runner into a real store, and compared entry for entry with what feedparser
finds in the same bytes under the same headers. Provenance: ``corpus/README.md``.

Anchor: sentinel keeps every entry feedparser finds that has an id, a link or a title, and stores
no mojibake: the derived Chinese cases carry the titles a correct reader finds in them.
"""

from __future__ import annotations

import asyncio
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import feedparser
import pytest

from sentinel.clock import SystemClock
from sentinel.collect.fetcher import Fetcher
from sentinel.collect.registry import default_collectors
from sentinel.collect.rss import bounded_id
from sentinel.collect.runner import CollectionRunner
from sentinel.metrics import Metrics
from sentinel.normalise.text import clean_text
from sentinel.normalise.urls import resolve
from sentinel.settings import Settings
from sentinel.store import items as item_store
from sentinel.store.db import open_database
from tests.collect.corpus.build import HEADER, comment_text
from tests.support.server import LoopbackServer, Route

CORPUS = Path(__file__).parent / "corpus"
EXPECTED = json.loads((CORPUS / "derived" / "expected.json").read_text(encoding="utf-8"))
# characters a CJK text read in the wrong charset turns into (Latin-1, Cyrillic, Greek, box drawing)
MOJIBAKE = re.compile("[\u00c0-\u00ff\u0370-\u04ff\u2500-\u257f]")


@dataclass
class Case:
    path: str  # under corpus/, also the URL path
    data: bytes
    headers: dict[str, str]


def cases() -> list[Case]:
    found = []
    for file in sorted([*CORPUS.glob("feedparser/**/*.xml"), *CORPUS.glob("derived/*.xml")]):
        data = file.read_bytes()
        headers = {key.strip().lower(): value.strip() for key, value in HEADER.findall(comment_text(data))}
        headers.setdefault("content-type", "application/xml")  # no charset: the document decides
        found.append(Case(str(file.relative_to(CORPUS)), data, headers))
    return found


def reference(case: Case) -> list[Any]:
    """The entries feedparser finds in the bytes that have an id, a link or a title.

    Without ``Content-Location``: feedparser would resolve relative ids and links against it, and
    sentinel does not (ids must not depend on where a feed was fetched; links resolve against the
    URL fetched). The entries are the same; only what identifies them differs."""
    headers = {key: value for key, value in case.headers.items() if key != "content-location"}
    parsed = feedparser.parse(io.BytesIO(case.data), response_headers=headers)
    return [entry for entry in parsed.entries if entry.get("id") or entry.get("link") or entry.get("title")]


@pytest.fixture(scope="module")
def polled(tmp_path_factory) -> tuple[dict[str, Case], dict[str, str], dict[str, list[Any]], dict[str, str]]:
    """Every case polled once: (case by source id, URL by source id, stored items by source id, outcomes)."""
    server = LoopbackServer().start()
    database_url = f"sqlite:///{tmp_path_factory.mktemp('corpus') / 'corpus.db'}"
    by_source: dict[str, Case] = {}
    for number, case in enumerate(cases()):
        served = {("Content-Type" if key == "content-type" else key): value for key, value in case.headers.items()}
        server.routes[f"/{case.path}"] = Route(case.data, headers=served)
        by_source[f"c{number:04d}"] = case
    urls = {source: server.url(f"/{case.path}") for source, case in by_source.items()}
    settings = Settings.model_validate({
        "database": {"url": database_url},
        "sources": [{"id": source, "kind": "rss", "url": url} for source, url in urls.items()],
        "collect": {"jitter": 0, "per_host": 16},
    })

    async def go() -> dict[str, str]:
        database = open_database(database_url)
        fetcher = Fetcher(settings.collect)
        try:
            runner = CollectionRunner(settings, database, fetcher, SystemClock(), Metrics(process=False),
                                      default_collectors())
            await runner.prepare()
            return {report.source_id: report.outcome for report in await runner.collect_once()}
        finally:
            await fetcher.aclose()
            database.close()

    try:
        outcomes = asyncio.run(go())
    finally:
        server.stop()
    database = open_database(database_url)
    try:
        rows = item_store.list_items(database.engine, limit=1_000_000)
    finally:
        database.close()
    stored: dict[str, list[Any]] = {source: [] for source in by_source}
    for row in sorted(rows, key=lambda row: row.id):
        stored[row.source_id].append(row)
    return by_source, urls, stored, outcomes


def expected_id(entry: Any, url: str) -> str | None:
    """The external id sentinel gives a feedparser entry (rss._item): its id, else its link."""
    raw_id = (entry.get("id") or "").strip()
    link = resolve(url, entry.get("link"))
    return bounded_id(raw_id or link) if raw_id or link else None


def missing_entries(case: Case, url: str, rows: list[Any]) -> list[str]:
    """The reference entries with no stored item: matched by id (or link); entries with only a
    title are matched by items whose id is a hash of title and content (entries identical in both
    are one item, as the same entry twice is)."""
    ids = {row.external_id for row in rows}
    missing = []
    title_only = set()
    for entry in reference(case):
        key = expected_id(entry, url)
        if key is None:
            title_only.add((entry.get("title"), entry.get("summary"), str(entry.get("content"))))
        elif key not in ids:
            missing.append(key)
    hashed = [row for row in rows if row.external_id.startswith("sha1:")]
    return missing + [str(title) for title, _, _ in sorted(title_only, key=str)[len(hashed):]]


def test_sentinel_keeps_every_entry_feedparser_finds(polled) -> None:
    by_source, urls, stored, _outcomes = polled
    total = kept = 0
    lost: dict[str, list[str]] = {}
    for source, case in by_source.items():
        found = len(reference(case))  # two identical title-only entries are kept as the one item they are
        missing = missing_entries(case, urls[source], stored[source])
        total += found
        kept += found - len(missing)
        if missing:
            lost[case.path] = missing
    print(f"\ncorpus: {len(by_source)} files; sentinel keeps {kept} of the {total} entries feedparser finds "
          "with an id, link or title")
    assert lost == {}
    assert total > 300


def test_no_poll_of_the_corpus_fails(polled) -> None:
    by_source, _urls, _stored, outcomes = polled
    failed = {by_source[source].path: outcome for source, outcome in outcomes.items() if outcome != "ok"}
    assert failed == {}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_derived_cases_are_stored_without_mojibake(polled, name: str) -> None:
    by_source, _urls, stored, _outcomes = polled
    (source,) = [source for source, case in by_source.items() if case.path == f"derived/{name}"]
    titles = [row.title for row in stored[source]]
    assert titles == [clean_text(title) for title in EXPECTED[name]["titles"]]
    for row in stored[source]:
        assert not MOJIBAKE.search(row.title + row.text), row.title


def test_feedparser_titles_read_the_same(polled) -> None:
    """Where feedparser reads a plain-text title, sentinel stores the same text."""
    by_source, urls, stored, _outcomes = polled
    different = {}
    for source, case in by_source.items():
        if not case.path.startswith("feedparser/"):
            continue
        rows = {row.external_id: row for row in stored[source]}
        for entry in reference(case):
            key = expected_id(entry, urls[source])
            detail = entry.get("title_detail") or {}
            if key not in rows or detail.get("type") != "text/plain" or not (entry.get("title") or "").strip():
                continue
            title = clean_text(entry["title"]).replace("\n", " ")[:500]
            if rows[key].title != title:
                different[case.path] = (title, rows[key].title)
    assert different == {}
