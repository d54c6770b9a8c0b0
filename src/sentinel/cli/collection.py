"""Commands about sources and what they publish: run, collect-once, sources, items, config, demo."""

from __future__ import annotations

import asyncio
import logging
import sys
from datetime import datetime
from typing import Any

import click

from sentinel.cli import Context, _echo_json, _local, main, pass_ctx, store
from sentinel.clock import SystemClock
from sentinel.configtypes import parse_duration
from sentinel.errors import ConfigError, SentinelError
from sentinel.settings import Settings

log = logging.getLogger("sentinel.run")
# ---------------------------------------------------------------------------------------------- run


@main.command()
@pass_ctx
def run(obj: Context) -> None:
    """Run the daemon: scheduled collection, the HTTP server (/metrics, /healthz, /api)."""
    from sentinel.app import Daemon
    from sentinel.reports.fonts import warn_missing_font
    from sentinel.web.exposure import exposure_warnings

    if obj.log_level.upper() == "WARNING":
        logging.getLogger().setLevel(logging.INFO)
        # APScheduler logs two INFO lines for every run of every job: the outbox's look each second
        # alone would write 7,200 lines an hour saying nothing; its warnings and errors still show
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
    settings = obj.settings
    for warning in exposure_warnings(settings) + _phone_warnings(settings):  # once (config check prints the same)
        log.warning("%s", warning)
    warn_missing_font(lambda line: log.warning("%s", line))  # the daily briefing's PDF needs one
    asyncio.run(Daemon(settings).run())


def _phone_warnings(settings: Settings) -> list[str]:
    from sentinel.escalation.phone import setup_problems

    return setup_problems(settings.policy.phone, [channel.kind for channel in settings.channels], settings.roster)


@main.command("collect-once")
@click.option("--source", "source_ids", multiple=True, metavar="ID", help="Only this source (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_ctx
def collect_once(obj: Context, source_ids: tuple[str, ...], as_json: bool) -> None:
    """Fetch every (or one) source once, process what is new as the daemon would (analysis,
    incidents, one engine tick, delivery of the alerts), and exit."""
    from sentinel.app import Daemon

    settings = obj.settings
    for source_id in source_ids:
        settings.source(source_id)  # unknown ids are a clear error

    from sentinel.notify.console import ConsoleSender

    # console alerts go to stderr here, so that --json output stays parseable
    quiet = {c.id: ConsoleSender(c.id, stream=sys.stderr) for c in settings.effective_channels if c.kind == "console"}

    async def go() -> list[Any]:
        daemon = Daemon(settings, serve_http=False, senders=dict(quiet))
        runner = daemon.build_runner()
        try:
            await runner.prepare()
            analysis = await daemon.start_analysis()
            reports = await runner.collect_once(source_ids or None)
            await analysis.drain()  # everything the daemon would do with the new items:
            daemon.build_escalation()
            await daemon.engine_tick()  # their clocks and alerts, and what else fell due,
            await daemon.deliver()  # sent through the configured channels
            return reports
        finally:
            await daemon._close()

    reports = asyncio.run(go())
    if as_json:
        _echo_json([{"source": r.source_id, "outcome": r.outcome, "new": r.new, "duplicates": r.duplicates,
                     "problems": [list(p) for p in r.problems], "error": r.error} for r in reports])
    else:
        for r in reports:
            line = f"{r.source_id:24} {r.outcome:14} new={r.new:<5} duplicates={r.duplicates}"
            if r.error:
                line += f"  {r.error}"
            click.echo(line)
            for reason, message in r.problems:
                click.echo(f"    {reason}: {message}")
    if reports and all(r.outcome not in ("ok", "not_modified") for r in reports):
        sys.exit(1)


# ------------------------------------------------------------------------------------------ sources


@main.group()
def sources() -> None:
    """Inspect and test sources."""


@sources.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_ctx
def sources_list(obj: Context, as_json: bool) -> None:
    """Each source's state, last success, last error and items in the last 24 h."""
    from sentinel.collect.runner import is_blind
    from sentinel.store import sources as source_store

    settings = obj.settings
    now = SystemClock().now()
    with store(settings) as database:
        rows = {row.source_id: row for row in source_store.summarize(database.engine, now=now)}
        states = source_store.all_states(database.engine)
    out = []
    for source in settings.sources:
        row = rows.get(source.id)
        state = states.get(source.id)
        health = row.health if row else "unknown"
        if state is not None and health == "up" and is_blind(state, now, settings.collect.blind_after):
            health = "blind"
        out.append({
            "id": source.id, "kind": source.kind.value, "enabled": source.enabled, "state": health,
            "last_success_at": row.last_success_at if row else None,
            "last_error_at": row.last_error_at if row else None,
            "last_error": row.last_error if row else None,
            "last_error_reason": row.last_error_reason if row else None,
            "consecutive_failures": row.consecutive_failures if row else 0,
            "next_check_at": row.next_check_at if row else None,
            "items_24h": row.items_24h if row else 0,
            "items_total": row.items_total if row else 0,
        })
    if as_json:
        _echo_json(out)
        return
    click.echo(f"{'SOURCE':24} {'KIND':9} {'STATE':8} {'LAST SUCCESS':20} {'24H':>5}  LAST ERROR")
    for r in out:
        last_error, last_success = r["last_error_at"], r["last_success_at"]
        assert last_error is None or isinstance(last_error, datetime)
        assert last_success is None or isinstance(last_success, datetime)
        error = f"{_local(last_error, settings)} {r['last_error_reason']}" if last_error else "-"
        click.echo(f"{r['id']:24} {r['kind']:9} {r['state']:8} {_local(last_success, settings):20} "
                   f"{r['items_24h']:>5}  {error}")


@sources.command("test")
@click.argument("source_id")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_ctx
def sources_test(obj: Context, source_id: str, as_json: bool) -> None:
    """Fetch one source and print what was parsed; stores nothing."""
    from sentinel.collect.base import CollectContext
    from sentinel.collect.fetcher import Fetcher
    from sentinel.collect.registry import default_collectors
    from sentinel.errors import CollectError
    from sentinel.normalise.item import normalise
    from sentinel.settings import SourceKind, env_secret

    settings = obj.settings
    source = settings.source(source_id)
    if source.kind is SourceKind.PUSH:
        raise SentinelError(f"source {source_id!r} is of kind push: its items arrive on POST /api/items")
    now = SystemClock().now()
    zone = settings.source_zone(source)

    async def nothing_known(ids: Any) -> set[str]:
        return set()

    async def go() -> Any:
        async with Fetcher(settings.collect) as fetcher:
            deadline = asyncio.get_running_loop().time() + settings.collect.poll_deadline.total_seconds()
            ctx = CollectContext(source=source, fetcher=fetcher, now=now, zone=zone,
                                 cookie=env_secret(source.cookie_env), known=nothing_known, deadline=deadline)
            return await default_collectors()[source.kind.value].collect(ctx)

    try:
        outcome = asyncio.run(go())
    except CollectError as exc:
        if as_json:
            _echo_json({"source": source_id, "outcome": exc.reason, "error": str(exc), "items": []})
        else:
            click.echo(f"{source_id}: failed: {exc}", err=True)
        sys.exit(1)
    items = [normalise(raw, zone=zone, fetched_at=now) for raw in outcome.items]
    if as_json:
        _echo_json({"source": source_id, "outcome": "ok", "problems": [list(p) for p in outcome.problems],
                    "items": [_item_json(item) for item in items]})
        return
    click.echo(f"{source_id}: {len(items)} items, {len(outcome.problems)} problems")
    for reason, message in outcome.problems:
        click.echo(f"  problem {reason}: {message}")
    for item in items:
        listed = item.extra.get("hotlist") if isinstance(item.extra.get("hotlist"), dict) else None
        if listed is not None:  # a hot list: rank, heat and badge rather than a time
            rank = listed.get("rank") or "置顶"
            heat = f"  {listed['heat']:,}" if isinstance(listed.get("heat"), int) else ""
            click.echo(f"  {rank:>4}  {item.title[:60]}{heat}  {listed.get('label') or ''}".rstrip())
        else:
            click.echo(f"  {_local(item.published_at, settings)}  {item.title[:60]}")
        if item.url:
            click.echo(f"      {item.url}")


def _item_json(item: Any) -> dict[str, Any]:
    return {
        "id": item.external_id, "title": item.title, "text": item.text, "url": item.url,
        "canonical_url": item.canonical_url, "author": item.author, "published_at": item.published_at,
        "published_at_estimated": item.published_at_estimated, "reposts": item.reposts,
        "comments": item.comments, "likes": item.likes, "author_verified_type": item.author_verified_type,
        "content_hash": item.content_hash, "extra": item.extra,
    }


# -------------------------------------------------------------------------------------------- items


@main.group()
def items() -> None:
    """Collected items."""


@items.command("list")
@click.option("--since", default="24h", show_default=True, help="Fetched within this duration (90s, 5m, 2h, 3d).")
@click.option("--source", "source_id", default=None, metavar="ID")
@click.option("--limit", default=200, show_default=True, type=click.IntRange(1, 100000))
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_ctx
def items_list(obj: Context, since: str, source_id: str | None, limit: int, as_json: bool) -> None:
    """Items fetched recently, newest first."""
    from sentinel.store import items as item_store

    try:
        window = parse_duration(since)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--since") from None
    settings = obj.settings
    with store(settings) as database:
        rows = item_store.list_items(database.engine, since=SystemClock().now() - window, source_id=source_id,
                                     limit=limit)
    if as_json:
        _echo_json([{
            "id": row.external_id, "source": row.source_id, "title": row.title, "text": row.text, "url": row.url,
            "author": row.author, "published_at": row.published_at, "fetched_at": row.fetched_at,
            "reposts": row.reposts, "comments": row.comments, "likes": row.likes,
            "author_verified_type": row.author_verified_type, "content_hash": row.content_hash,
        } for row in rows])
        return
    for row in rows:
        click.echo(f"{_local(row.published_at, settings)}  {row.source_id:16} {row.title[:70]}")


# ------------------------------------------------------------------------------------------- config


@main.group()
def config() -> None:
    """Configuration."""


@config.command("check")
@click.option("--against-store", is_flag=True,
              help="Also warn about watch-rule groups none of whose words occurred in the last week's items.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def config_check(click_ctx: click.Context, against_store: bool, as_json: bool) -> None:
    """Validate the configuration; on error name the file, key and problem, and exit 2."""
    import os

    from sentinel.analyse.pipeline import Analyzer
    from sentinel.web.auth import weak_token
    from sentinel.web.exposure import exposure_warnings

    obj: Context = click_ctx.obj
    settings = obj.settings
    from sentinel.incidents.cluster import ClusterConfig
    from sentinel.incidents.heat import HeatWeights

    Analyzer(settings)  # dictionaries, model, lexicon and grade tables named in the file must load
    ClusterConfig.from_config(settings.incidents.cluster)
    HeatWeights.from_config(settings.incidents.heat)
    missing = []
    for source in settings.sources:
        if source.cookie_env and not os.environ.get(source.cookie_env):
            missing.append(f"sources[{source.id}].cookie_env: ${source.cookie_env} is not set")
    for token in settings.http.tokens:
        secret = os.environ.get(token.token_env)
        if not secret:
            missing.append(f"http.tokens[{token.name}].token_env: ${token.token_env} is not set")
            continue
        refusal, _ = weak_token(secret)  # a guessable one is among the exposure warnings below
        if refusal:
            raise ConfigError(f"${token.token_env} {refusal}", key=f"http.tokens[{token.name}]")
    missing += exposure_warnings(settings) + _phone_warnings(settings)
    for channel in settings.channels:
        for key in ("secret_env", "username_env", "password_env", "access_key_id_env", "access_key_secret_env",
                    "secret_id_env", "secret_key_env"):
            name = getattr(channel, key)
            if name and not os.environ.get(name):
                missing.append(f"channels[{channel.id}].{key}: ${name} is not set")
    if against_store:
        missing += _unused_rule_groups(settings)
    summary = {"ok": True, "sources": len(settings.sources), "watch_rules": len(settings.watch),
               "channels": len(settings.channels), "warnings": missing}
    if as_json:
        _echo_json(summary)
        return
    click.echo(f"configuration OK: {summary['sources']} sources, {summary['watch_rules']} watch rules, "
               f"{summary['channels']} channels")
    for line in missing:
        click.echo(f"warning: {line}")



def _unused_rule_groups(settings: Settings, window: str = "7d") -> list[str]:
    """Watch-rule groups none of whose words (or their aliases) appear in a week of items."""
    from sentinel.analyse.tokenize import load_aliases
    from sentinel.store import items as item_store

    aliases = load_aliases()
    with store(settings) as database:
        since = SystemClock().now() - parse_duration(window)
        groups = {(rule.id, name): {w for word in words for w in (word, *aliases.get(word, ()))}
                  for rule in settings.watch for name, words in rule.groups.items()}
        unseen = set(groups)
        seen_items = 0
        for batch in item_store.iter_texts(database.engine, since=since):
            for text in batch:
                seen_items += 1
                for key in [k for k in unseen if any(word in text for word in groups[k])]:
                    unseen.discard(key)
            if not unseen:
                break
    return [f"watch[{rule}].groups.{name}: none of its words occurred in the {seen_items} items "
            f"collected in the last {window}" for rule, name in sorted(unseen)]


# --------------------------------------------------------------------------------------------- demo


@main.command()
@click.option("--for", "duration", default=None, help="Stop after this long (default: until Ctrl-C).")
@click.option("--port", default=8470, show_default=True, type=int, help="Port of the console and /metrics.")
def demo(duration: str | None, port: int) -> None:
    """A first run: serves bundled feeds on 127.0.0.1 and runs the daemon against them."""
    from sentinel.demo import run_demo

    seconds = parse_duration(duration).total_seconds() if duration else None
    asyncio.run(run_demo(seconds=seconds, port=port))
