"""Hot lists in the store (SQLite and PostgreSQL): each poll's ranks, entries entering and leaving,
time on the list, the history rows written and the ones that are not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, col, select

from sentinel.collect.types import Listing, ListingRow
from sentinel.normalise.item import NormalItem
from sentinel.settings import SourceConfig
from sentinel.store import hotlists
from sentinel.store import sources as source_store
from sentinel.store.db import open_database
from sentinel.store.models import HotlistEntry, HotlistRank, ItemAnalysis

NOW = datetime(2026, 8, 8, 10, 0, tzinfo=UTC)
GAP = timedelta(minutes=30)


@pytest.fixture
def db(database_url: str):
    database = open_database(database_url)
    source_store.ensure_sources(database.engine, [SourceConfig(id="wb-hot", kind="hotlist", platform="weibo")], now=NOW)
    yield database
    database.close()


def item(key: str) -> NormalItem:
    return NormalItem(external_id=key, title=f"{key} 的标题", text=key, url=None, canonical_url=None, author=None,
                      published_at=NOW, published_at_estimated=True, content_hash=key.encode().hex()[:32])


def poll(db, at: datetime, rows: list[tuple[str, int, int | None]], *, pinned: tuple[str, ...] = (),
         max_gap: timedelta = GAP, label: dict[str, str] | None = None):
    listing = Listing("weibo", tuple(ListingRow(key, rank, heat, (label or {}).get(key)) for key, rank, heat in rows),
                      pinned)
    items = [item(key) for key, _, _ in rows] + [item(key) for key in pinned]
    return hotlists.save_listing_poll(db.engine, "wb-hot", items, listing, now=at, etag=None, last_modified=None,
                                      cursor=None, next_check_at=at + timedelta(minutes=2), max_gap=max_gap)


def entries(db) -> dict[str, HotlistEntry]:
    with Session(db.engine) as session:
        return {e.external_id: e for e in session.scalars(select(HotlistEntry)).all()}


def history(db, key: str) -> list[tuple[int, int | None, int | None, bool]]:
    with Session(db.engine) as session:
        return [(int((row.at - NOW).total_seconds() // 60), row.rank, row.heat, row.gone) for row in session.scalars(
            select(HotlistRank).where(col(HotlistRank.external_id) == key).order_by(col(HotlistRank.at))).all()]


def test_a_first_poll_stores_items_entries_and_a_row_each(db) -> None:
    saved, change = poll(db, NOW, [("a", 1, 900), ("b", 2, 500), ("c", 3, 100)], pinned=("gov",))
    assert saved.new == 4 and change.entered == ["a", "b", "c"] and change.gone == [] and change.on_list == 3
    found = entries(db)
    assert {k: (e.on_list, e.rank, e.best_rank, e.pinned) for k, e in found.items()} == {
        "a": (True, 1, 1, False), "b": (True, 2, 2, False), "c": (True, 3, 3, False), "gov": (False, None, None, True)}
    assert all(e.item_id is not None for e in found.values()) and found["a"].title == "a 的标题"
    # heat share against the list's median (500): 900/1400, 500/1000, 100/600
    assert [found[k].heat_share for k in "abc"] == [0.6429, 0.5, 0.1667]
    assert history(db, "a") == [(0, 1, 900, False)] and history(db, "gov") == []


def test_later_polls_record_changes_gone_entries_and_time_on_the_list(db) -> None:
    poll(db, NOW, [("a", 1, 900), ("b", 2, 500), ("c", 3, 100)])
    _, change = poll(db, NOW + timedelta(minutes=2), [("b", 1, 950), ("a", 2, 900), ("d", 3, 80)])
    assert change.entered == ["d"] and change.gone == ["c"]
    found = entries(db)
    assert (found["a"].rank, found["a"].previous_rank, found["a"].best_rank) == (2, 1, 1)
    assert (found["b"].rank, found["b"].previous_rank, found["b"].best_rank) == (1, 2, 1)
    assert found["d"].previous_rank is None  # new on the list: no arrow, "new"
    assert (found["c"].on_list, found["c"].rank, found["c"].previous_rank) == (False, None, 3)
    assert found["c"].left_at == NOW + timedelta(minutes=2)
    assert found["a"].listed_seconds == 120 and found["d"].listed_seconds == 0
    assert history(db, "c") == [(0, 3, 100, False), (2, None, None, True)]
    # a kept rank with a new heat is not a row until SAMPLE_EVERY has passed since the last one
    poll(db, NOW + timedelta(minutes=4), [("b", 1, 990), ("a", 2, 910), ("d", 3, 85)])
    assert history(db, "b") == [(0, 2, 500, False), (2, 1, 950, False)]
    poll(db, NOW + timedelta(minutes=12), [("b", 1, 1200), ("a", 2, 920), ("d", 3, 90)])
    assert history(db, "b")[-1] == (12, 1, 1200, False)  # ten minutes since its last row: sampled
    assert entries(db)["b"].listed_seconds == 720 and entries(db)["b"].peak_heat == 1200


def test_a_badge_change_is_a_row(db) -> None:
    poll(db, NOW, [("a", 1, 900)])
    poll(db, NOW + timedelta(minutes=2), [("a", 1, 905)], label={"a": "爆"})
    assert [row[1:] for row in history(db, "a")] == [(1, 900, False), (1, 905, False)]


def test_an_entry_that_returns_starts_a_new_stint(db) -> None:
    poll(db, NOW, [("a", 1, 900), ("b", 2, 500)])
    poll(db, NOW + timedelta(minutes=2), [("b", 1, 500)])
    poll(db, NOW + timedelta(minutes=20), [("a", 2, 600), ("b", 1, 500)])
    found = entries(db)["a"]
    assert found.on_list and found.on_since == NOW + timedelta(minutes=20) and found.listed_seconds == 0
    assert found.best_rank == 1 and found.best_rank_at == NOW
    assert history(db, "a") == [(0, 1, 900, False), (2, None, None, True), (20, 2, 600, False)]


def test_time_across_a_long_gap_is_not_counted(db) -> None:
    poll(db, NOW, [("a", 1, 900)])
    poll(db, NOW + timedelta(hours=2), [("a", 1, 900)])  # the source was failing meanwhile
    assert entries(db)["a"].listed_seconds == 0
    poll(db, NOW + timedelta(hours=2, minutes=5), [("a", 1, 900)])
    assert entries(db)["a"].listed_seconds == 300


def test_a_ranked_entry_that_becomes_pinned_leaves_the_ranking(db) -> None:
    poll(db, NOW, [("a", 1, 900), ("b", 2, 500)])
    _, change = poll(db, NOW + timedelta(minutes=2), [("b", 1, 500)], pinned=("a",))
    assert change.gone == ["a"]
    found = entries(db)["a"]
    assert (found.pinned, found.on_list, found.rank) == (True, False, None)


def test_the_current_lists_put_each_sources_entries_in_rank_order_with_what_matched(db) -> None:
    poll(db, NOW, [("a", 1, 900), ("b", 2, 500), ("c", 3, 100)], pinned=("gov",))
    poll(db, NOW + timedelta(minutes=2), [("c", 1, 950), ("a", 2, 900)], pinned=("gov",))
    with Session(db.engine) as session:
        c_item = entries(db)["c"].item_id
        assert c_item is not None
        session.add(ItemAnalysis(item_id=c_item, analysed_at=NOW, relevant=True,
                                 rules=[{"rule": "safety", "groups": {}}], simhash=0))
        session.commit()
    (rows,) = hotlists.current_lists(db.engine, ["wb-hot"]).values()
    assert [(r.entry.external_id, r.entry.rank, r.relevant, r.rules) for r in rows] == [
        ("c", 1, True, ["safety"]), ("a", 2, False, []), ("gov", None, False, [])]
