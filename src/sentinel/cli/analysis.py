"""Commands about what the items mean: analyze, incidents, grade, model."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from sentinel.cli import Context, _echo_json, _local, main, pass_ctx, store
from sentinel.clock import SystemClock
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
    if i.kind == "incident":
        place = i.place or {}
        click.echo(f"  place {place.get('label') or '不明'}   jurisdiction {i.jurisdiction or '-'}   {place.get('why') or ''}")
    if i.verification:
        v = i.verification
        by = f" by {v['by']}" if v.get("by") and v["by"] != "sentinel" else ""
        click.echo(f"  verification {v.get('state')}{by}: {v.get('reason') or ''}")
    facts = ", ".join(f"{k}={v}" for k, v in i.facts.items() if v is not None) or "-"
    click.echo(f"  facts {facts}")
    click.echo(f"  emerged {_local(i.emerged_at, settings)}   detected {_local(i.detected_at, settings)}   "
               f"last item {_local(i.last_item_at, settings)}")
    click.echo(f"  heat {i.heat:.2f}   items {i.item_count}   sources {i.source_count}   "
               f"negative {i.negative_share:.0%}   keywords {' '.join(i.keywords[:8])}")
    if i.acknowledged_at:
        click.echo(f"  acknowledged {_local(i.acknowledged_at, settings)} by {i.acknowledged_by}")
    if detail.obligations:
        click.echo("  deadlines:")
        now = SystemClock().now()
        for row in detail.obligations:
            click.echo(f"    {_obligation_line(row, now, settings)}")
    if detail.responses:
        click.echo("  releases (信息发布登记):")
        for release in detail.responses:
            register = "  ".join(f"{label} {value}" for label, value in (
                ("channel", release.channel), ("reviewer", release.reviewer), ("publisher", release.publisher),
                ("unit", release.unit)) if value)
            click.echo(f"    {_local(release.at, settings)}  {release.kind:20} [{release.state}] {release.url or ''}  "
                       f"{register}")
    click.echo("  items:")
    for item, analysis in detail.items:
        mark = "-" if analysis.negative else " "
        click.echo(f"   {mark}{_local(item.published_at, settings)}  [{item.source_id}] {item.title[:60]}")
    if detail.notifications:
        click.echo("  notifications:")
        for message in detail.notifications:
            names = "、".join(r.get("name", "") for r in message.recipients)
            status = message.state
            if message.state == "delivered" and message.delivered_at:
                status = f"delivered {_local(message.delivered_at, settings)[11:]}"
            elif message.last_error:
                status = f"{message.state} ({message.last_error[:60]})"
            click.echo(f"    {_local(message.created_at, settings)}  {message.kind:13} {message.channel:12} "
                       f"{names:16} {status}")
    click.echo("  timeline:")
    for event in detail.timeline:
        click.echo(f"    {_local(event.at, settings)}  {event.kind:20} {event.actor:10} {_event_text(event)}")


def _obligation_line(row: Any, now: Any, settings: Settings) -> str:
    from sentinel.escalation.obligations import ObligationKind
    from sentinel.escalation.reminders import format_time_left

    name = ObligationKind(row.kind).name_zh + (f" #{row.sequence}" if row.kind == "sustained_release" else "")
    due = _local(row.due_at, settings)
    if row.state == "open":
        left = row.due_at - now
        status = f"open, {format_time_left(left)}" if left.total_seconds() < 0 else f"open, {format_time_left(left)} left"
    elif row.met_at is not None:
        margin = row.due_at - row.met_at
        spare = format_time_left(abs(margin))
        status = (f"{row.state} at {_local(row.met_at, settings)}, "
                  + (f"{spare} early" if margin.total_seconds() >= 0 else f"late by {spare}"))
    elif row.state == "breached":
        status = "breached: no release on record"
    else:
        status = f"{row.state}: {row.reason or ''}"
    return f"{name:10} due {due}  {status}"


def _event_text(event: Any) -> str:
    data = event.data or {}
    parts = [event.reason or ""]
    if event.kind in ("announced", "reminder", "escalated", "reescalated", "evidence_requested",
                      "verification_requested"):
        told = "; ".join(f"{n['channel']}: {'、'.join(n['recipients'])}" for n in data.get("notifications", []))
        parts.append(f"→ {told}" if told else "")
    if "kind" in data and event.kind.startswith("obligation"):
        parts.append(str(data["kind"]))
    if data.get("margin_seconds") is not None:
        margin = float(data["margin_seconds"])
        parts.append(f"{'early' if margin >= 0 else 'late'} by {abs(margin) / 3600:.1f}h")
    if event.kind == "grade_changed":
        parts.append(f"{data.get('from') or '-'} → {data.get('to')}")
    return " ".join(part for part in parts if part)


# ------------------------------------------------------------------------------------------ analyze


@main.command()
@click.option("--json", "as_json", is_flag=True, help="JSON lines out (the default; kept for symmetry).")
@pass_ctx
def analyze(obj: Context, as_json: bool) -> None:
    """Read JSON lines {"id", "title", "text"} on stdin; write one JSON line of analysis per input.

    An optional "register" ("news" or "post") says who wrote the text; without it, a text with a
    title is read as news and one without as a post. A line that is not such an object gets
    {"id", "error"} and the rest go on.
    """
    from sentinel.analyse.pipeline import Analyzer
    from sentinel.analyse.sentiment import Register

    settings = obj.settings_or_defaults()
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
            register = data.get("register")
            if register is not None and register not in set(Register):
                raise ValueError(f"register must be one of {', '.join(Register)}, got {register!r}")
            out = analyzer.analyze(title, text, register=Register(register) if register else None,
                                   judge=True).to_json(item_id)
        except ValueError as exc:  # json.JSONDecodeError is a ValueError
            failures += 1
            out = {"id": item_id, "line": number, "error": str(exc)}
        click.echo(json.dumps(out, ensure_ascii=False))
    if failures:
        click.echo(f"sentinel analyze: {failures} line(s) could not be analysed", err=True)


@main.group()
def model() -> None:
    """Analysis models."""


@model.command("train-sentiment")
@click.option("--data", "data_dir", required=True, type=click.Path(exists=True, file_okay=False),
              help="Directory with the labelled corpora (see src/sentinel/analyse/models/README.md).")
@click.option("--out", "out_path", default=None, type=click.Path(dir_okay=False),
              help="Where to write the model (default: the bundled model's path).")
def train_sentiment_command(data_dir: str, out_path: str | None) -> None:
    """Train the sentiment model on labelled news and Weibo text, deterministically (needs scikit-learn)."""
    from sentinel.analyse.sentiment import DEFAULT_MODEL

    try:
        from sentinel.analyse.sentiment_train import train_sentiment

        report = train_sentiment(data_dir, out_path or DEFAULT_MODEL, log=lambda line: click.echo(line, err=True))
    except ModuleNotFoundError as exc:
        raise click.ClickException(f"training needs {exc.name}: pip install 'sentinel-gov[train]'") from None
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(str(report))


@model.command("train-events")
@click.option("--data", "data_dir", required=True, type=click.Path(exists=True, file_okay=False),
              help="Directory with the corpora the labels are keyed to (see labels/README.md).")
@click.option("--labels", "labels_dir", default="labels", show_default=True,
              type=click.Path(exists=True, file_okay=False), help="Directory with the label files.")
@click.option("--out", "out_path", default=None, type=click.Path(dir_okay=False),
              help="Where to write the model (default: the bundled model's path).")
def train_events_command(data_dir: str, labels_dir: str, out_path: str | None) -> None:
    """Train the event-report model (event report, complaint or chatter) on the labels' dev part."""
    from sentinel.analyse.event_report import DEFAULT_MODEL
    from sentinel.analyse.event_report_train import train_event_model

    try:
        report = train_event_model(Path(data_dir), Path(labels_dir), Path(out_path or DEFAULT_MODEL))
    except ImportError as exc:
        raise click.ClickException(f"training needs scikit-learn ({exc}): pip install 'sentinel-gov[train]'") from None
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    for line in report.lines():
        click.echo(line)
