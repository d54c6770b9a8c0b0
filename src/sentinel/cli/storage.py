"""Commands about what the store keeps: items search and reindex, store prune."""

from __future__ import annotations

from datetime import datetime

import click

from sentinel.cli import Context, _echo_json, _local, main, pass_ctx, store
from sentinel.cli.collection import items
from sentinel.clock import SystemClock
from sentinel.errors import SentinelError


def _aware(value: datetime | None, option: str) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise click.BadParameter("give a time with its offset, e.g. 2026-11-20T08:00:00+08:00", param_hint=option)
    return value


@items.command("search")
@click.argument("query", required=False, default=None)
@click.option("--source", "source_id", default=None, metavar="ID")
@click.option("--since", default=None, type=click.DateTime(["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d %H:%M:%S%z"]),
              help="Published at or after (with its offset).")
@click.option("--until", default=None, type=click.DateTime(["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d %H:%M:%S%z"]),
              help="Published before (with its offset).")
@click.option("--incident", "incident_id", default=None, type=click.IntRange(1), help="Items of this incident only.")
@click.option("--before", "before_id", default=None, type=click.IntRange(1), help="The last id of the previous page.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 500))
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_ctx
def items_search(obj: Context, query: str | None, source_id: str | None, since: datetime | None,
                 until: datetime | None, incident_id: int | None, before_id: int | None, limit: int,
                 as_json: bool) -> None:
    """Items holding QUERY, newest publication first, through the full-text index: words must all
    appear (Chinese words of any length), OR or | for alternatives, -word or NOT word to exclude,
    "quoted words" for a phrase, parentheses to group: '(郑州 OR 郑州市) 燃气爆炸 -演习'."""
    from sentinel.store import search as item_search

    settings = obj.settings
    with store(settings) as database:
        try:
            rows = item_search.search_items(database.engine, query=query, source_id=source_id,
                                            since=_aware(since, "--since"), until=_aware(until, "--until"),
                                            incident_id=incident_id, before_id=before_id, limit=limit)
        except item_search.QueryError as exc:
            raise SentinelError(f"cannot search {query!r}: {exc}") from None
    if as_json:
        _echo_json([{"id": f.item.id, "source": f.item.source_id, "external_id": f.item.external_id,
                     "title": f.item.title, "url": f.item.url, "published_at": f.item.published_at,
                     "incident": f.analysis.incident_id if f.analysis else None, "matched": f.matched,
                     "snippet": f.snippet} for f in rows])
        return
    for f in rows:
        why = f"  [{', '.join(f.matched)}]" if f.matched else ""
        click.echo(f"{f.item.id:>8}  {_local(f.item.published_at, settings)}  {f.item.source_id:16} "
                   f"{f.item.title[:60]}{why}")
        if f.snippet:
            click.echo(f"{'':10}{f.snippet}")


@items.command("reindex")
@pass_ctx
def items_reindex(obj: Context) -> None:
    """Rebuild the items' full-text index from the items (after a change of how text is indexed)."""
    from sentinel.store import search as item_search

    with store(obj.settings) as database:
        count = item_search.reindex(database.engine)
    click.echo(f"indexed {count} items")


@main.group("store")
def store_group() -> None:
    """What the store keeps."""


@store_group.command("prune")
@click.option("--dry-run", is_flag=True, help="Count what would be deleted; delete nothing.")
@pass_ctx
def store_prune(obj: Context, dry_run: bool) -> None:
    """Delete the items in no incident older than store.retention.items (500 per transaction)."""
    from sentinel.store import retention

    settings = obj.settings
    keep = settings.store.retention.items
    if keep is None:
        click.echo("store.retention.items is not set: every item is kept")
        return
    before = SystemClock().now() - keep
    with store(settings) as database:
        if dry_run:
            count = retention.count_prunable(database.engine, before=before)
            click.echo(f"would delete {count} items fetched before {_local(before, settings)} (in no incident)")
            return
        count = retention.prune(database.engine, before=before)
    click.echo(f"deleted {count} items fetched before {_local(before, settings)} (in no incident)")
