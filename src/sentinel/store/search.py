"""The items' full-text index and the search over it.

The index is the table ``item_search``, outside the models (:data:`INDEX_TABLES`), one row per
item, holding the tokens of :mod:`sentinel.store.search_query`:

* SQLite: a contentless FTS5 table (rowid = item id) over the space-joined tokens. Triggers on
  ``item`` keep it in step on insert, update and delete; they call ``sentinel_search_doc``, which
  every connection of :func:`sentinel.store.db.create_db_engine` registers (an item written by
  another program, such as the ``sqlite3`` shell, fails with "no such function").
* PostgreSQL: ``item_search(item_id, doc tsvector)`` with a GIN index; the write path
  (:func:`index_items`, called by :mod:`sentinel.store.items` with the insert) adds the rows and
  ``ON DELETE CASCADE`` removes them with their item.

``sentinel items reindex`` (:func:`reindex`) rebuilds it, needed only after a change of tokens.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, and_, false, or_, select, text
from sqlmodel import Session, col

from sentinel.store import search_query
from sentinel.store.models import Item, ItemAnalysis
from sentinel.store.search_query import QueryError

__all__ = ["QueryError", "Found", "search_items", "index_items", "unindex_items", "reindex", "INDEX_TABLES", "SQL_FUNCTION"]

#: the index's tables (FTS5 adds its shadow tables): not in the models, ignored when comparing them
INDEX_TABLES = frozenset({"item_search", "item_search_data", "item_search_idx", "item_search_content",
                          "item_search_docsize", "item_search_config"})
SQL_FUNCTION = "sentinel_search_doc"


def register_sqlite_function(dbapi_connection: Any) -> None:
    dbapi_connection.create_function(SQL_FUNCTION, 2, search_query.doc_text, deterministic=True)


SQLITE_DDL = [
    "CREATE VIRTUAL TABLE item_search USING fts5(doc, content='', columnsize=0, tokenize='ascii')",
    f"""CREATE TRIGGER item_search_insert AFTER INSERT ON item BEGIN
        INSERT INTO item_search(rowid, doc) VALUES (new.id, {SQL_FUNCTION}(new.title, new.text)); END""",
    f"""CREATE TRIGGER item_search_delete AFTER DELETE ON item BEGIN
        INSERT INTO item_search(item_search, rowid, doc)
        VALUES ('delete', old.id, {SQL_FUNCTION}(old.title, old.text)); END""",
    f"""CREATE TRIGGER item_search_update AFTER UPDATE OF title, text ON item BEGIN
        INSERT INTO item_search(item_search, rowid, doc)
        VALUES ('delete', old.id, {SQL_FUNCTION}(old.title, old.text));
        INSERT INTO item_search(rowid, doc) VALUES (new.id, {SQL_FUNCTION}(new.title, new.text)); END""",
]
SQLITE_DROP = ["DROP TRIGGER IF EXISTS item_search_update", "DROP TRIGGER IF EXISTS item_search_delete",
               "DROP TRIGGER IF EXISTS item_search_insert", "DROP TABLE IF EXISTS item_search"]
POSTGRES_DDL = [
    """CREATE TABLE item_search (
        item_id BIGINT PRIMARY KEY REFERENCES item(id) ON DELETE CASCADE,
        doc TSVECTOR NOT NULL)""",
    "CREATE INDEX ix_item_search_doc ON item_search USING gin (doc)",
]
POSTGRES_DROP = ["DROP TABLE IF EXISTS item_search"]


def tsvector_literal(title: str | None, body: str | None) -> str:
    """The item's tokens in tsvector input syntax, with positions (tokens hold no quotes)."""
    return " ".join(f"'{token}':{i}" for i, token in enumerate(search_query.doc_tokens(title, body), start=1))


def index_items(connection: Connection | Session, rows: Sequence[tuple[int, str, str]]) -> None:
    """Index (id, title, text) rows on PostgreSQL (SQLite's triggers do it there)."""
    dialect = connection.get_bind().dialect if isinstance(connection, Session) else connection.dialect
    if not rows or dialect.name != "postgresql":
        return
    statement = text("INSERT INTO item_search (item_id, doc) VALUES (:id, CAST(:doc AS tsvector)) "
                     "ON CONFLICT (item_id) DO UPDATE SET doc = excluded.doc")
    connection.execute(statement, [{"id": id_, "doc": tsvector_literal(title, body)} for id_, title, body in rows])


def unindex_items(connection: Connection | Session, ids: Sequence[int]) -> None:
    """Remove items' rows from the index before the items are deleted, on PostgreSQL (SQLite's
    trigger does it there): with the item table partitioned by month no cascade does it."""
    dialect = connection.get_bind().dialect if isinstance(connection, Session) else connection.dialect
    if ids and dialect.name == "postgresql":
        connection.execute(text("DELETE FROM item_search WHERE item_id = ANY(:ids)"), {"ids": list(ids)})


def reindex(engine: Engine, *, batch: int = 2000) -> int:
    """Rebuild the index from the items, in batches; the number of items indexed."""
    total = 0
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql("INSERT INTO item_search(item_search) VALUES ('delete-all')")
        else:
            connection.exec_driver_sql("DELETE FROM item_search")
    last = 0
    while True:
        with engine.begin() as connection:
            rows = connection.execute(select(col(Item.id), col(Item.title), col(Item.text))
                                      .where(col(Item.id) > last).order_by(col(Item.id)).limit(batch)).all()
            if not rows:
                return total
            if engine.dialect.name == "sqlite":
                connection.execute(text(f"INSERT INTO item_search(rowid, doc) VALUES (:id, {SQL_FUNCTION}(:t, :x))"),
                                   [{"id": r[0], "t": r[1], "x": r[2]} for r in rows])
            else:
                index_items(connection, [(int(r[0] or 0), r[1], r[2]) for r in rows])
        last = int(rows[-1][0] or 0)
        total += len(rows)


@dataclass(frozen=True, slots=True)
class Found:
    """An item a search found, its analysis (None until analysed) and why it matched."""

    item: Item
    analysis: ItemAnalysis | None
    matched: list[str]  # the searched words it holds, as typed
    snippet: str | None  # text around the first one found in the text


#: a query matching at most this many items is searched by their ids; one matching more, newest first
FEW_MATCHES = 2000


#: per store, the ids of the items matching ``:match``, as the index holds them
_MATCHING = {"sqlite": "SELECT rowid FROM item_search WHERE item_search MATCH :match",
             "postgresql": "SELECT item_id FROM item_search WHERE doc @@ CAST(:match AS tsquery)"}


def _few_matching(engine: Engine, match: str) -> list[int] | None:
    """The ids of the items matching ``match`` when they are at most :data:`FEW_MATCHES` (an index
    lookup, milliseconds); None when there are more."""
    probe = text(f"{_MATCHING[engine.dialect.name]} LIMIT :few")
    with engine.connect() as connection:
        ids = list(connection.scalars(probe, {"match": match, "few": FEW_MATCHES + 1}))
    return ids if len(ids) <= FEW_MATCHES else None


def _postgres_match(engine: Engine, match: str) -> Any:
    """The condition for items matching ``match``. PostgreSQL misjudges how many rows a tsquery of
    bigrams matches: for a rare or absent word it walks the whole ``published_at`` index newest first,
    testing each row (1.2-1.4 s at 1M items, against 10 ms with a source filter). So the index is
    asked first for the ids (:func:`_few_matching`); when they are few the items are fetched by id,
    and only a common word, which the newest-first walk finds at once, is left to the planner."""
    ids = _few_matching(engine, match)
    if ids is not None:
        return col(Item.id).in_(ids) if ids else false()
    return text(f"item.id IN ({_MATCHING['postgresql']})").bindparams(match=match)


def _sqlite_match(engine: Engine, match: str) -> Any:
    """The condition for items matching ``match``. SQLite reads the ids the index holds for it and
    fetches and sorts every item of them: milliseconds for a rare word, but a common one ("爆炸", in
    one item of ten) made it read 100,000 items at 1M to show 100 (0.74 s). So the index is asked
    first (:func:`_few_matching`); for more than a few, the ``+`` keeps SQLite from looking the ids up
    one by one, and it walks the items newest first on the ``published_at`` index instead, testing
    each against the ids (a common word fills the page within a few thousand). (The few are named by
    the subquery, not as bound values: SQLite before 3.32 takes at most 999.)"""
    lookup = "item.id" if _few_matching(engine, match) is not None else "+item.id"
    return text(f"{lookup} IN ({_MATCHING['sqlite']})").bindparams(match=match)


def search_items(
    engine: Engine,
    *,
    query: str | None = None,
    source_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    incident_id: int | None = None,
    before_id: int | None = None,
    limit: int = 100,
) -> list[Found]:
    """Items matching ``query`` (see :mod:`sentinel.store.search_query`) through the index, newest
    publication first, by source, publication time and incident. ``before_id`` pages on: pass the
    last id of the previous page. QueryError for a query that cannot be searched."""
    tree = search_query.parse(query or "")
    statement = (select(Item, ItemAnalysis).outerjoin(ItemAnalysis, col(ItemAnalysis.item_id) == col(Item.id))
                 .order_by(col(Item.published_at).desc(), col(Item.id).desc()).limit(limit))
    if tree is not None:
        if engine.dialect.name == "sqlite":
            statement = statement.where(_sqlite_match(engine, search_query.fts5(tree)))
        else:
            statement = statement.where(_postgres_match(engine, search_query.tsquery(tree)))
    if source_id is not None:
        statement = statement.where(col(Item.source_id) == source_id)
    if since is not None:
        statement = statement.where(col(Item.published_at) >= since)
    if until is not None:
        statement = statement.where(col(Item.published_at) < until)
    if incident_id is not None:
        statement = statement.where(col(ItemAnalysis.incident_id) == incident_id)
    if before_id is not None:
        # keyset paging on (published_at, id): the rows after the given one in this order
        anchor = select(col(Item.published_at)).where(col(Item.id) == before_id).scalar_subquery()
        statement = statement.where(or_(col(Item.published_at) < anchor,
                                        and_(col(Item.published_at) == anchor, col(Item.id) < before_id)))
    terms = search_query.wanted_terms(tree)
    with Session(engine) as session:
        rows = session.execute(statement).all()
    found = []
    for item, analysis in rows:
        words = search_query.matched(item.title, item.text, terms)
        found.append(Found(item, analysis, words, search_query.snippet(item.title, item.text, words)))
    return found
