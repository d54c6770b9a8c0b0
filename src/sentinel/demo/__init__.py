"""``sentinel demo``: a newcomer's first run, entirely on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import shlex
import shutil
import socket
import sys
import tempfile
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click
import yaml

from sentinel.app import Daemon, Timing
from sentinel.clock import CatchUpClock, SystemClock
from sentinel.demo.server import WEIBO_CONTAINER, DemoFeedServer
from sentinel.notify.console import ConsoleSender
from sentinel.settings import Settings
from sentinel.store import items as item_store
from sentinel.web.console import labels

#: Demo time runs this many times faster than wall time: a 5-hour deadline passes in 30 seconds.
SPEED = 600.0
#: The story starts at this local time of day (its explosion at 9:40, as its official report says) ...
STORY_START = time(9, 0)
#: ... on the latest day that puts all of it, and its 24-hour deadline, in the past: demo time runs
#: at SPEED until it reaches the present (2½ to 5 minutes), then at wall-clock speed.
STORY_LEAD = timedelta(hours=26)
#: The leaders' daily digest (舆情日报) at noon, three hours into the story: its day, from yesterday
#: noon, holds the demo's incident (at the default 08:30 the first digest would fire at once, for a
#: day that ended before the story began).
DIGEST_AT = "12:00"
#: The people who may log in to the demo's console: (name, role, the environment variable of their token)
DEMO_PEOPLE = (("张伟", "duty", "SENTINEL_DEMO_DUTY_TOKEN"), ("钱局长", "leader", "SENTINEL_DEMO_LEADER_TOKEN"),
               ("管理员", "admin", "SENTINEL_DEMO_ADMIN_TOKEN"))


def story_start(now: datetime, zone: ZoneInfo) -> datetime:
    """When the demo's story begins: STORY_START on the latest day at least STORY_LEAD before ``now``."""
    latest = (now - STORY_LEAD).astimezone(zone)
    start = datetime.combine(latest.date(), STORY_START, tzinfo=zone)
    return start if start <= latest else start - timedelta(days=1)


def demo_config(base: str, workdir: Path, port: int) -> dict[str, Any]:
    """The demo's configuration, as a configuration file holds it. Durations are in demo time
    (SPEED × wall time while the story replays): sources are polled every 30 demo minutes, i.e.
    every 3 real seconds. Everything it writes is under ``workdir``."""
    return {
        "timezone": "Asia/Shanghai",
        "database": {"url": f"sqlite:///{workdir / 'demo.db'}"},
        "reports": {"archive_dir": str(workdir / "reports")},
        "delivery": {"digest_at": DIGEST_AT},
        "http": {"listen": f"127.0.0.1:{port}", "public_url": f"http://127.0.0.1:{port}",
                 "tokens": [{"name": name, "role": role, "token_env": env} for name, role, env in DEMO_PEOPLE]},
        "engine": {"tick": "1m", "lease": "10m", "late_after": "30m"},
        "roster": {
            "duty": [{"name": "张伟", "phone": "13800000001", "weekdays": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                      "start": "00:00", "end": "24:00"}],
            "section_chiefs": [{"name": "赵科长", "phone": "13800000010"}],
            "leaders": [{"name": "钱局长", "phone": "13800000020"}],
            "departments": {"郑州市应急管理局": [{"name": "孙主任", "phone": "13800000030"}]},
        },
        "sources": [
            {"id": "city-news", "kind": "rss", "url": f"{base}/rss/city-news.xml", "interval": "30m",
             "authority": "local", "official": True},
            {"id": "hn-daily", "kind": "jsonfeed", "url": f"{base}/json/hn-daily.json", "interval": "30m",
             "authority": "provincial"},
            {"id": "city-weibo", "kind": "weibo", "interval": "30m", "authority": "self_media",
             "url": f"{base}/api/container/getIndex?containerid={WEIBO_CONTAINER}"},
            {"id": "gov-site", "kind": "html", "url": f"{base}/gov/list.html", "interval": "30m",
             "authority": "local", "official": True,
             "selectors": {"item": "li.news", "link": "a", "date": "span.date", "body": "div.content"}},
        ],
        "collect": {"jitter": 0.0, "blind_after": "30d", "backoff_max": "2h", "blocked_backoff": "2h"},
        "watch": [
            {"id": "safety", "department": "郑州市应急管理局",
             "groups": {"region": ["郑州", "中原区"], "event": ["爆炸", "坍塌", "火灾", "死亡", "伤亡"]},
             "exclude": ["演练", "演习"]},
        ],
    }


def write_config(config: dict[str, Any], path: Path) -> None:
    """The demo's configuration as a file, so that the command line can be pointed at its database."""
    header = ("# Written by `sentinel demo`: its configuration, for the command line on its database, e.g.\n"
              f"#   sentinel --config {path} incidents list\n"
              "# The feeds it names were served by the demo and stopped with it; the console's tokens were\n"
              "# made up for that run (SENTINEL_DEMO_*_TOKEN).\n")
    path.write_text(header + yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")


def cli_command() -> str:
    """How to run this sentinel from the same shell: ``sentinel`` when that is on the PATH, else the
    program that runs now (``make demo`` runs ``.venv/bin/sentinel``)."""
    program = sys.argv[0]
    if Path(program).name == "__main__.py":  # python -m sentinel
        return f"{shlex.quote(sys.executable)} -m sentinel"
    found = shutil.which("sentinel")
    if found and Path(program).exists() and Path(found).resolve() == Path(program).resolve():
        return "sentinel"
    return shlex.quote(program) if Path(program).exists() else "sentinel"


async def _show_incidents(daemon: Daemon, settings: Settings, clock: CatchUpClock) -> None:
    """Print each incident as it opens, each grade change, the clocks counting down, and each alert
    the engine sends (in demo time), from the store; and when the replay reaches the present."""
    from sentinel.incidents import service

    seen: dict[int, str | None] = {}
    alerts_seen = 0
    last_countdown = 0.0
    caught_up = False
    while True:
        await asyncio.sleep(0.25)
        if not caught_up and clock.caught_up:
            caught_up = True
            click.echo(f"  ⏵ {clock.now().astimezone(settings.zone):%H:%M} demo time has reached the present: "
                       "from now on it runs at wall-clock speed")
        if daemon.database is None:
            continue
        rows = await daemon.database.read(service.list_incidents, daemon.database.engine)
        for row in sorted(rows, key=lambda r: r.id or 0):
            assert row.id is not None
            if row.id not in seen:
                click.echo(f"  ▶ 新舆情事件 incident #{row.id} opened: {row.title[:40]}  "
                           f"[{row.department}] grade {row.grade or '-'}")
            elif seen[row.id] != row.grade:
                reason = (row.grade_reasons or [""])[0].split(" / ")[0]
                click.echo(f"  ▲ incident #{row.id} graded {row.grade}: {reason}")
            seen[row.id] = row.grade
        alerts = await daemon.database.read(_alerts_since, daemon.database.engine, alerts_seen)
        for alert_id, kind, created_at, channel, names, title in alerts:
            alerts_seen = max(alerts_seen, alert_id)
            when = created_at.astimezone(settings.zone).strftime("%H:%M")
            click.echo(f"  🔔 {when} {labels.NOTIFICATION.get(kind, kind)} → {names or channel}: {title}")
        real = asyncio.get_running_loop().time()
        if real - last_countdown >= 6:
            last_countdown = real
            for line in await daemon.database.read(_countdowns, daemon.database.engine, daemon.clock.now()):
                click.echo(line)




def _alerts_since(engine: Any, last_id: int) -> list[tuple[int, str, datetime, str, str, str]]:
    from sqlalchemy import select
    from sqlmodel import Session, col

    from sentinel.notify.serialisation import message_title
    from sentinel.store.models import OutboxMessage

    with Session(engine) as session:
        rows = session.scalars(select(OutboxMessage).where(col(OutboxMessage.id) > last_id)
                               .order_by(col(OutboxMessage.id))).all()
        return [(row.id or 0, row.kind, row.created_at, row.channel, "、".join(r["name"] for r in row.recipients),
                 message_title(row.message)) for row in rows]


def _countdowns(engine: Any, now: datetime) -> list[str]:
    """One line per open deadline: ``⏳ #1 权威信息发布 剩余1小时02分``."""
    from sqlalchemy import select
    from sqlmodel import Session, col

    from sentinel.escalation.obligations import ObligationKind
    from sentinel.escalation.reminders import format_time_left
    from sentinel.store.models import Obligation

    with Session(engine) as session:
        rows = session.scalars(select(Obligation).where(col(Obligation.state) == "open")
                               .order_by(col(Obligation.due_at))).all()
        return [f"  ⏳ incident #{row.incident_id} {ObligationKind(row.kind).name_zh}："
                f"{'剩余' + format_time_left(row.due_at - now) if row.due_at > now else format_time_left(row.due_at - now)}"
                for row in rows]


def _free(port: int) -> int:
    """``port`` if it is free, else one the system picks (so the printed URLs and links are true)."""
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
            return port
        except OSError:
            pass
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def demo_tokens() -> dict[str, str]:
    """A token per demo person, from their environment variable or made up now (and put there)."""
    tokens = {}
    for _, role, env in DEMO_PEOPLE:
        tokens[role] = os.environ.setdefault(env, secrets.token_urlsafe(24))  # 32 characters: config check wants 24
    return tokens


async def run_demo(*, seconds: float | None = None, port: int = 8470) -> None:
    logging.getLogger("sentinel").setLevel(logging.ERROR)  # the demo prints its own account
    # at 600x a tick that overruns its 0.1 s interval is skipped by design; not worth a warning here
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
    from sentinel.reports.fonts import warn_missing_font

    tokens = demo_tokens()
    # the story stands still while the daemon starts (loading its models takes seconds: minutes of
    # demo time), so that its first look at the feeds comes as the story begins
    clock = CatchUpClock(story_start(SystemClock().now(), ZoneInfo("Asia/Shanghai")), SPEED, paused=True)
    feeds = DemoFeedServer(clock, speed=SPEED).start()
    workdir = Path(tempfile.mkdtemp(prefix="sentinel-demo-"))
    config = demo_config(feeds.base, workdir, _free(port))
    settings = Settings.model_validate(config)
    write_config(config, workdir / "sentinel.yaml")
    use = f"{cli_command()} --config {shlex.quote(str(workdir / 'sentinel.yaml'))}"
    daemon: Daemon

    async def show(source_id: str, ids: list[int]) -> None:
        assert daemon.database is not None
        rows = await daemon.database.read(item_store.items_by_ids, daemon.database.engine, ids)
        for row in rows:
            when = row.published_at.astimezone(settings.zone).strftime("%H:%M:%S")
            click.echo(f"  {when}  [{source_id:10}] {row.title[:60]}")

    # the alerts are delivered for real, through the console channel, into a file: the terminal gets
    # one line per alert (below), the file their full text
    alerts = (workdir / "alerts.txt").open("a", encoding="utf-8")
    daemon = Daemon(settings, clock=clock, timing=Timing(collect_tick=0.5, health_tick=5, engine_tick=0.1,
                                                         deliver_tick=0.5), on_new_items=show,
                    senders={"console": ConsoleSender("console", stream=alerts)})
    task = asyncio.create_task(daemon.run())
    ready = asyncio.create_task(daemon.wait_ready())
    await asyncio.wait({task, ready}, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        task.result()
        return
    clock.resume()
    watcher = asyncio.create_task(_show_incidents(daemon, settings, clock))
    url = f"http://127.0.0.1:{daemon.http_port}"
    started = feeds.started.astimezone(settings.zone)
    click.echo("sentinel demo: four bundled feeds (RSS, JSON Feed, Weibo, a GBK government site) on "
               f"{feeds.base}\n  console  {url}/  (令牌 tokens: 值班员 duty {tokens['duty']}, 领导 leader "
               f"{tokens['leader']}, 管理员 admin {tokens['admin']})\n"
               f"  metrics  {url}/metrics\n  health   {url}/healthz\n  API      {url}/api/docs\n"
               f"  database {workdir / 'demo.db'}\n  alerts   {workdir / 'alerts.txt'} (their full text)\n"
               f"  reports  {workdir / 'reports'} (the daily briefing at {DIGEST_AT})\n"
               f"  CLI      {use} incidents list   (its configuration, for any sentinel command)\n"
               f"The story is replayed from {started:%Y-%m-%d %H:%M} up to now, {SPEED:g}× faster: a 5-hour "
               f"deadline passes in {5 * 3600 / SPEED:g} seconds.\nNew items, incidents, deadlines and alerts as "
               "they happen (Ctrl-C to stop):")
    warn_missing_font(lambda line: click.echo(f"  ⚠ {line}"))
    try:
        if seconds is None:
            await task
        else:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(task), timeout=seconds)
    finally:
        watcher.cancel()
        daemon.request_stop()
        await task
        feeds.stop()
        alerts.close()
        click.echo(f"sentinel demo: stopped. Its database stays in {workdir}; to look at it:\n"
                   f"  {use} incidents list")
