"""Commands about what the items mean: analyze, incidents, grade, model."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from sentinel.cli import Context, _echo_json, _local, main, pass_ctx, store
from sentinel.settings import Settings

# ---------------------------------------------------------------------------------------- incidents


@main.group()
def incidents() -> None:
    """Incidents (舆情事件)."""


@incidents.command("list")
@click.option("--state", default="open", show_default=True, type=click.Choice(["open", "closed", "dismissed", "all"]))
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_ctx
def incidents_list(obj: Context, state: str, as_json: bool) -> None:
    """Incidents, most urgent first."""
    from sentinel.incidents import service

    settings = obj.settings
    with store(settings) as database:
        rows = service.list_incidents(database.engine, state=None if state == "all" else state)
    if as_json:
        _echo_json([service.incident_json(row) for row in rows])
        return
    click.echo(f"{'ID':>5}  {'GRADE':5} {'HEAT':>5} {'ITEMS':>5}  {'DEPARTMENT':12} {'EMERGED':16}  TITLE")
    for row in rows:
        click.echo(f"{row.id:>5}  {row.grade or '-':5} {row.heat:5.1f} {row.item_count:>5}  "
                   f"{(row.department or '-')[:12]:12} {_local(row.emerged_at, settings)[:16]:16}  {row.title[:50]}")


@incidents.command("show")
@click.argument("incident_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_ctx
def incidents_show(obj: Context, incident_id: int, as_json: bool) -> None:
    """One incident: grade and why, facts, items and the timeline."""
    from sentinel.incidents import service

    settings = obj.settings
    with store(settings) as database:
        detail = service.get_incident(database.engine, incident_id)
    if as_json:
        _echo_json(service.detail_json(detail))
        return
    i = detail.incident
    click.echo(f"#{i.id} {i.title}")
    click.echo(f"  grade {i.grade or '-'} ({i.grade_source or '-'})   category {i.category or '-'}/{i.subtype or '-'}"
               f"   department {i.department or '-'} ({i.department_source})")
    for reason in i.grade_reasons:
        click.echo(f"    {reason}")
    facts = ", ".join(f"{k}={v}" for k, v in i.facts.items() if v is not None) or "-"
    click.echo(f"  facts {facts}")
    click.echo(f"  emerged {_local(i.emerged_at, settings)}   detected {_local(i.detected_at, settings)}   "
               f"last item {_local(i.last_item_at, settings)}")
    click.echo(f"  heat {i.heat:.2f}   items {i.item_count}   sources {i.source_count}   "
               f"negative {i.negative_share:.0%}   keywords {' '.join(i.keywords[:8])}")
    click.echo("  items:")
    for item, analysis in detail.items:
        mark = "-" if analysis.negative else " "
        click.echo(f"   {mark}{_local(item.published_at, settings)}  [{item.source_id}] {item.title[:60]}")
    click.echo("  timeline:")
    for event in detail.timeline:
        click.echo(f"    {_local(event.at, settings)}  {event.kind:18} {event.actor:10} {event.reason or ''}")


# ------------------------------------------------------------------------------------------ analyze


@main.command()
@click.option("--json", "as_json", is_flag=True, help="JSON lines out (the default; kept for symmetry).")
@pass_ctx
def analyze(obj: Context, as_json: bool) -> None:
    """Read JSON lines {"id", "title", "text"} on stdin; write one JSON line of analysis per input.

    A line that is not such an object gets {"id", "error"} and the rest go on.
    """
    from sentinel.analyse.pipeline import Analyzer

    settings = _settings_or_defaults(obj)
    analyzer = Analyzer(settings)
    failures = 0
    for number, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        item_id: Any = None
        try:
            data = json.loads(line)
            if not isinstance(data, dict):
                raise ValueError("expected a JSON object")
            item_id = data.get("id")
            text = data.get("text")
            title = data.get("title")
            if not isinstance(text, str) or (title is not None and not isinstance(title, str)):
                raise ValueError("text must be a string, and title a string when given")
            out = analyzer.analyze(title, text).to_json(item_id)
        except ValueError as exc:  # json.JSONDecodeError is a ValueError
            failures += 1
            out = {"id": item_id, "line": number, "error": str(exc)}
        click.echo(json.dumps(out, ensure_ascii=False))
    if failures:
        click.echo(f"sentinel analyze: {failures} line(s) could not be analysed", err=True)


def _settings_or_defaults(obj: Context) -> Settings:
    """``analyze`` works without a configuration file (no watch rules then), but not with a bad one."""
    import os
    from pathlib import Path

    from sentinel.settings import DEFAULT_CONFIG

    chosen = obj.config_path or os.environ.get("SENTINEL_CONFIG")
    if chosen is None and not Path(DEFAULT_CONFIG).exists():
        return Settings()
    return obj.settings


@main.group()
def model() -> None:
    """Analysis models."""


@model.command("train-sentiment")
@click.option("--data", "data_dir", required=True, type=click.Path(exists=True, file_okay=False),
              help="Directory with the labelled corpora (see src/sentinel/analyse/models/README.md).")
@click.option("--out", "out_path", default=None, type=click.Path(dir_okay=False),
              help="Where to write the model (default: the bundled model's path).")
def train_sentiment_command(data_dir: str, out_path: str | None) -> None:
    """Train the sentiment model on labelled Weibo and news text, deterministically."""
    from sentinel.analyse.sentiment import DEFAULT_MODEL, train_sentiment

    report = train_sentiment(data_dir, out_path or DEFAULT_MODEL)
    click.echo(str(report))
