"""Retention on SQLite and a real PostgreSQL: items older than the cut-off that no incident holds
are deleted in batches with their analysis and search rows; an incident's items, a response's and
a hot-list entry's are kept, whatever their age. The command line counts, then deletes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select
from sqlmodel import Session

from sentinel.cli import main
from sentinel.normalise.item import NormalItem
from sentinel.settings import SourceConfig
from sentinel.store import db as store_db
from sentinel.store import items as item_store
from sentinel.store import retention
from sentinel.store import search as item_search
from sentinel.store import sources as source_store
from sentinel.store.models import HotlistEntry, Incident, Item, ItemAnalysis, Response

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
OLD = NOW - timedelta(days=200)


def normal(external_id: str) -> NormalItem:
    return NormalItem(external_id=external_id, title=f"旧闻{external_id}", text="燃气爆炸", url=None, canonical_url=None,
                      author=None, published_at=OLD, published_at_estimated=False, content_hash="0" * 32)


def fill(engine) -> dict[str, int]:
    """Ten old items (o0..o9) and one new (n0); o0 in an incident, o1 cited by a response, o2 on a
    hot list; every old one analysed."""
    source_store.ensure_sources(engine, [SourceConfig(id="news", kind="rss", url="http://127.0.0.1/f")], now=OLD)
    item_store.save_pushed(engine, "news", [normal(f"o{i}") for i in range(10)], now=OLD)
    item_store.save_pushed(engine, "news", [normal("n0")], now=NOW)
    with Session(engine) as session:
        ids = {item.external_id: int(item.id or 0) for item in session.scalars(select(Item))}
        incident = Incident(title="燃气爆炸", emerged_at=OLD, detected_at=OLD, last_item_at=OLD, updated_at=OLD)
        session.add(incident)
        session.flush()
        for i in range(10):
            session.add(ItemAnalysis(item_id=ids[f"o{i}"], analysed_at=OLD, incident_id=incident.id if i == 0 else None))
        session.add(Response(incident_id=incident.id, kind="statement", at=OLD, recorded_by="值班员", recorded_at=OLD,
                             item_id=ids["o1"]))
        session.add(HotlistEntry(source_id="hot", external_id="h", list_name="weibo", item_id=ids["o2"],
                                 first_seen_at=OLD, last_seen_at=OLD))
        session.commit()
    return ids


def kept(engine) -> list[str]:
    with Session(engine) as session:
        return sorted(session.scalars(select(Item.external_id)))  # type: ignore[arg-type]


@pytest.fixture
def engine(database_url: str):
    database = store_db.open_database(database_url)
    yield database.engine
    database.close()


def test_items_in_no_incident_go_in_batches_and_the_cited_ones_stay(engine) -> None:
    fill(engine)
    before = NOW - timedelta(days=180)
    assert retention.count_prunable(engine, before=before) == 7
    assert retention.prune_batch(engine, before=before, batch=3) == 3  # one transaction's worth, oldest first
    assert retention.count_prunable(engine, before=before) == 4
    assert retention.prune(engine, before=before, batch=3) == 4
    assert kept(engine) == ["n0", "o0", "o1", "o2"]
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(ItemAnalysis)) == 3  # o0..o2's
    assert sorted(f.item.external_id for f in item_search.search_items(engine, query="燃气爆炸")) == kept(engine)
    assert retention.prune(engine, before=before) == 0  # nothing left to do


def test_the_search_index_loses_the_pruned_items_words(engine) -> None:
    fill(engine)
    assert [f.item.external_id for f in item_search.search_items(engine, query="旧闻o5")] == ["o5"]
    retention.prune(engine, before=NOW - timedelta(days=1))
    assert item_search.search_items(engine, query="旧闻o5") == []
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT count(*) FROM item_search").scalar() == 4


def test_store_prune_counts_on_a_dry_run_then_deletes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'sentinel.db'}"
    database = store_db.open_database(url)
    fill(database.engine)  # the old ones are 200 days before 2026-11-20: past 180 days today too
    database.close()
    expected = 7 + (datetime.now(UTC) - NOW > timedelta(days=180))  # n0 too, once it is old enough
    config = tmp_path / "sentinel.yaml"
    config.write_text(f'database: {{url: "{url}"}}\nstore: {{retention: {{items: 180d}}}}\n', encoding="utf-8")
    runner = CliRunner()
    dry = runner.invoke(main, ["--config", str(config), "store", "prune", "--dry-run"], catch_exceptions=False)
    assert dry.exit_code == 0 and dry.output.startswith(f"would delete {expected} items"), dry.output
    done = runner.invoke(main, ["--config", str(config), "store", "prune"], catch_exceptions=False)
    assert done.exit_code == 0 and done.output.startswith(f"deleted {expected} items"), done.output
    search = runner.invoke(main, ["--config", str(config), "items", "search", "燃气爆炸", "--json"])
    assert search.exit_code == 0 and '"matched": ["燃气爆炸"]' in search.output
    refused = runner.invoke(main, ["--config", str(config), "items", "search", "--", "-演习"])
    assert refused.exit_code == 1 and "cannot only exclude" in refused.output
