"""Commands a duty officer uses on an incident (docs/architecture.md#command-line), and replay.

Each prints one line saying what changed (or, with ``--json``, the incident or the record), and
exits 1 with the reason when the action cannot be applied (unknown incident, a response before the
incident emerged, a kind it has no deadline for); nothing is half-applied.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import click

from sentinel.cli import Context, _echo_json, _local, main, pass_ctx, store
from sentinel.clock import SystemClock
from sentinel.settings import Settings

T = TypeVar("T")
KINDS = ["authoritative_info", "press_conference", "response", "policy_interpretation", "disclosure_reply"]


def _rules(settings: Settings) -> Any:
    from sentinel.escalation.clocks import Rules

    return Rules.from_settings(settings)


def _time(value: str | None, settings: Settings, *, option: str) -> datetime:
    """``--at``: ISO 8601; without an offset it is read in the configured zone. Default: now."""
    from sentinel.normalise.times import parse_iso

    if value is None:
        return SystemClock().now()
    try:
        return parse_iso(value, zone=settings.zone)
    except ValueError as exc:
        raise click.BadParameter(f"{exc} (e.g. 2026-03-10T09:40 or 2026-03-10T09:40+08:00)", param_hint=option) from None


def _act(obj: Context, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    with store(obj.settings) as database:
        return fn(database.engine, *args, **kwargs)


def _show_incident(obj: Context, incident: Any, as_json: bool, line: str) -> None:
    from sentinel.incidents import service

    if as_json:
        _echo_json(service.incident_json(incident))
    else:
        click.echo(line)


_json = click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
_by = click.option("--by", "by", required=True, help="Who acts (recorded on the timeline).")


@main.command()
@click.argument("incident_id", type=int)
@_by
@_json
@pass_ctx
def ack(obj: Context, incident_id: int, by: str, as_json: bool) -> None:
    """Acknowledge (签收) an incident: the escalation chain stops climbing."""
    from sentinel.escalation import actions

    incident = _act(obj, actions.acknowledge, _rules(obj.settings), incident_id, by=by, now=SystemClock().now())
    _show_incident(obj, incident, as_json,
                   f"incident {incident_id}: acknowledged by {incident.acknowledged_by} at "
                   f"{_local(incident.acknowledged_at, obj.settings)}")


@main.command()
@click.argument("incident_id", type=int)
@click.option("--kind", required=True, type=click.Choice(KINDS))
@click.option("--at", "at", default=None, help="When it was published (ISO 8601; default now; no offset = local).")
@click.option("--url", default=None, help="Where it was published.")
@click.option("--channel", default=None, help="发布渠道: website, Weibo account, press conference venue ...")
@click.option("--reviewer", default=None, help="审核人 (信息发布登记).")
@click.option("--publisher", default=None, help="发布人 (信息发布登记).")
@click.option("--unit", default=None, help="发布单位 (default: the incident's department).")
@click.option("--content", default=None, help="What was released (a summary).")
@_by
@_json
@pass_ctx
def respond(obj: Context, incident_id: int, kind: str, at: str | None, url: str | None, channel: str | None,
            reviewer: str | None, publisher: str | None, unit: str | None, content: str | None, by: str,
            as_json: bool) -> None:
    """Record a release or reply; the deadlines it answers are met (or stay breached, by how much)."""
    from sentinel.escalation import actions
    from sentinel.incidents import service

    settings = obj.settings
    result = _act(obj, actions.respond, _rules(settings), incident_id, kind=kind, at=_time(at, settings, option="--at"),
                  by=by, now=SystemClock().now(), url=url, channel=channel, reviewer=reviewer, publisher=publisher,
                  content=content, unit=unit)
    if as_json:
        _echo_json({"response": service.response_json(result.response),
                    "met": [service.obligation_json(row) for row in result.met],
                    "late": [service.obligation_json(row) for row in result.late]})
        return
    click.echo(f"incident {incident_id}: {kind} recorded at {_local(result.response.at, settings)}")
    for row in result.met + result.late:
        click.echo(f"  {row.kind}: {_margin(row)}")


def _margin(row: Any) -> str:
    from sentinel.escalation.reminders import format_time_left

    if row.met_at is None:
        return row.state
    margin = row.due_at - row.met_at
    if margin.total_seconds() >= 0:
        return f"met, {format_time_left(margin)} before the deadline / 提前{format_time_left(margin)}"
    return f"late by {format_time_left(-margin)} / 超时{format_time_left(-margin)}"


@main.command()
@click.argument("incident_id", type=int)
@click.option("--grade", "grade", required=True, type=click.Choice(["I", "II", "III", "IV"]))
@click.option("--reason", required=True)
@_by
@_json
@pass_ctx
def grade(obj: Context, incident_id: int, grade: str, reason: str, by: str, as_json: bool) -> None:
    """Grade an incident by hand; clocks start or are waived, and the reason goes on the timeline."""
    from sentinel.escalation import actions

    incident = _act(obj, actions.set_grade, _rules(obj.settings), incident_id, grade=grade, reason=reason, by=by,
                    now=SystemClock().now())
    _show_incident(obj, incident, as_json, f"incident {incident_id}: grade {incident.grade}")


@main.command()
@click.argument("incident_id", type=int)
@click.option("--reason", required=True)
@_by
@_json
@pass_ctx
def dismiss(obj: Context, incident_id: int, reason: str, by: str, as_json: bool) -> None:
    """Dismiss an incident (误报 / not ours): its open deadlines are waived with the reason."""
    from sentinel.escalation import actions

    incident = _act(obj, actions.dismiss, _rules(obj.settings), incident_id, reason=reason, by=by,
                    now=SystemClock().now())
    _show_incident(obj, incident, as_json, f"incident {incident_id}: dismissed")


@main.command()
@click.argument("incident_id", type=int)
@click.option("--reason", required=True)
@_by
@_json
@pass_ctx
def close(obj: Context, incident_id: int, reason: str, by: str, as_json: bool) -> None:
    """Close an incident (处置完毕): sustained release ends; deadlines still open keep running."""
    from sentinel.escalation import actions

    incident = _act(obj, actions.close, _rules(obj.settings), incident_id, reason=reason, by=by,
                    now=SystemClock().now())
    _show_incident(obj, incident, as_json, f"incident {incident_id}: closed")


@main.command()
@click.argument("incident_id", type=int)
@click.option("--department", required=True)
@_by
@_json
@pass_ctx
def assign(obj: Context, incident_id: int, department: str, by: str, as_json: bool) -> None:
    """Assign an incident to a department; its contacts hear the next alerts."""
    from sentinel.escalation import actions

    incident = _act(obj, actions.assign, _rules(obj.settings), incident_id, department=department, by=by,
                    now=SystemClock().now())
    _show_incident(obj, incident, as_json, f"incident {incident_id}: assigned to {incident.department}")


@main.command()
@click.argument("incident_id", type=int)
@click.argument("text")
@_by
@pass_ctx
def note(obj: Context, incident_id: int, text: str, by: str) -> None:
    """Add a note to an incident's timeline."""
    from sentinel.escalation import actions

    _act(obj, actions.note, incident_id, text=text, by=by, now=SystemClock().now())
    click.echo(f"incident {incident_id}: note added")


@main.command()
@click.argument("incident_id", type=int)
@click.option("--reason", required=True)
@_by
@_json
@pass_ctx
def mark(obj: Context, incident_id: int, reason: str, by: str, as_json: bool) -> None:
    """Mark a grade III/IV incident as needing a response: the 48h clock starts."""
    from sentinel.escalation import actions

    incident = _act(obj, actions.mark_needs_response, _rules(obj.settings), incident_id, reason=reason, by=by,
                    now=SystemClock().now())
    _show_incident(obj, incident, as_json, f"incident {incident_id}: marked as needing a response")


@main.command()
@click.argument("incident_id", type=int)
@click.option("--reason", default=None, help="Why it is the office's after all (on the timeline).")
@_by
@_json
@pass_ctx
def adopt(obj: Context, incident_id: int, reason: str | None, by: str, as_json: bool) -> None:
    """Adopt (纳入本辖区) an incident outside the jurisdiction: its clocks start and it is announced."""
    from sentinel.escalation import judgement

    incident = _act(obj, judgement.adopt, _rules(obj.settings), incident_id, by=by, reason=reason,
                    now=SystemClock().now())
    _show_incident(obj, incident, as_json, f"incident {incident_id}: adopted by {by}; "
                                           f"clocks from {_local(incident.clock_start, obj.settings) or '-'}")


@main.command()
@click.argument("incident_id", type=int)
@click.option("--reason", default=None, help="What the verification found (on the timeline).")
@_by
@_json
@pass_ctx
def verify(obj: Context, incident_id: int, reason: str | None, by: str, as_json: bool) -> None:
    """Confirm (研判属实) an incident awaiting verification: the escalation held for it goes on.
    To say it is not real, dismiss it."""
    from sentinel.escalation import judgement

    incident = _act(obj, judgement.verify, _rules(obj.settings), incident_id, by=by, reason=reason,
                    now=SystemClock().now())
    _show_incident(obj, incident, as_json, f"incident {incident_id}: verified by {by}")


@main.group()
def evidence() -> None:
    """Releases found on official sources, awaiting the duty officer's confirmation."""


@evidence.command("list")
@_json
@pass_ctx
def evidence_list(obj: Context, as_json: bool) -> None:
    """Candidates not yet confirmed or rejected."""
    from sqlalchemy import select
    from sqlmodel import Session, col

    from sentinel.incidents import service
    from sentinel.store.models import Response

    with store(obj.settings) as database, Session(database.engine) as session:
        rows = session.scalars(select(Response).where(col(Response.state) == "candidate")
                               .order_by(col(Response.at))).all()
    if as_json:
        _echo_json([{**service.response_json(row), "incident": row.incident_id} for row in rows])
        return
    for row in rows:
        click.echo(f"{row.id:>5}  incident {row.incident_id:<5} {row.kind:18} {_local(row.at, obj.settings)}  "
                   f"{row.channel or '-'}  {(row.content or '')[:50]}")


@evidence.command("confirm")
@click.argument("evidence_id", type=int)
@click.option("--kind", default=None, type=click.Choice(KINDS), help="Confirm as another kind than proposed.")
@_by
@pass_ctx
def evidence_confirm(obj: Context, evidence_id: int, kind: str | None, by: str) -> None:
    """Confirm a candidate: it is recorded as the release and meets the deadlines it answers."""
    from sentinel.escalation import actions

    result = _act(obj, actions.confirm_evidence, _rules(obj.settings), evidence_id, by=by, now=SystemClock().now(),
                  kind=kind)
    click.echo(f"evidence {evidence_id}: recorded as {result.response.kind}")
    for row in result.met + result.late:
        click.echo(f"  {row.kind}: {_margin(row)}")


@evidence.command("reject")
@click.argument("evidence_id", type=int)
@click.option("--reason", required=True)
@_by
@pass_ctx
def evidence_reject(obj: Context, evidence_id: int, reason: str, by: str) -> None:
    """Reject a candidate: it is not the release (kept on the timeline with the reason)."""
    from sentinel.escalation import actions

    _act(obj, actions.reject_evidence, evidence_id, reason=reason, by=by, now=SystemClock().now())
    click.echo(f"evidence {evidence_id}: rejected")


# ------------------------------------------------------------------------------------------- replay


@main.command()
@click.argument("scenario", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--until", "until", default=None, metavar="DURATION",
              help="Run the clock this long past the last line (default: until no deadline is open, at most 72h).")
@_json
@pass_ctx
def replay(obj: Context, scenario: Path, until: str | None, as_json: bool) -> None:
    """Run the whole pipeline on a recorded scenario under a virtual clock; print what happened.

    Notifications are recorded, never sent. Run it on an empty database (database.url).
    """
    import sys

    from sentinel.configtypes import parse_duration
    from sentinel.replay import Replayer, load_scenario, text_report

    span = None
    if until is not None:
        try:
            span = parse_duration(until)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--until") from None
    lines, errors = load_scenario(scenario)
    settings = obj.settings
    with store(settings) as database:
        replayer = Replayer(settings, database)
        replayer.errors.extend(errors)
        replayer.run(lines, until=span)
        result = replayer.result()
    if as_json:
        _echo_json({"incidents": result["incidents"], "notifications": result["notifications"]})
    else:
        for line in text_report(result):
            click.echo(line)
    for error in result["errors"]:
        click.echo(f"sentinel replay: {scenario}: {error}", err=True)
    if result["errors"]:
        sys.exit(1)
