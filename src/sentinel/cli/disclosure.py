"""``sentinel requests …``: the disclosure-request register (依申请公开), and ``sentinel calendar show``.

Every change is a flow of :mod:`sentinel.disclosure.flows` (the API and the console call the same);
a refused one exits 1 with the reason and changes nothing. Days are ``YYYY-MM-DD`` in the configured
zone. A provisional deadline (a year whose holiday notice is not known yet) is printed with ``*`` and
its reason.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import click

from sentinel.cli import Context, _echo_json, _local, main, pass_ctx, store
from sentinel.cli.actions import _rules, _time
from sentinel.clock import SystemClock

_json = click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
_by = click.option("--by", "by", required=True, help="Who acts (recorded on the timeline).")


def _date(value: str | None, option: str, obj: Context) -> date:
    """``YYYY-MM-DD``; default today in the configured zone."""
    if value is None:
        return SystemClock().now().astimezone(obj.settings.zone).date()
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise click.BadParameter(f"expected YYYY-MM-DD, got {value!r}", param_hint=option) from None


def _run(obj: Context, fn: Any, *args: Any, **kwargs: Any) -> Any:
    with store(obj.settings) as database:
        return fn(database.engine, *args, **kwargs)


def _due(obj: Context, deadline: dict[str, Any] | None) -> str:
    if deadline is None:
        return "-"
    from datetime import datetime

    text = _local(datetime.fromisoformat(deadline["due_at"]), obj.settings)[:10]
    return text + ("*" if deadline.get("provisional") else "")


def _say(obj: Context, request_id: int | None, line: str, as_json: bool = False) -> None:
    from sentinel.disclosure import service

    assert request_id is not None
    detail = _run(obj, service.get_request, request_id)
    data = service.detail_json(detail)
    if as_json:
        _echo_json(data)
        return
    deadline = data["deadline"]
    due = f"; reply due {_due(obj, deadline)}" if deadline and deadline["state"] == "open" else ""
    click.echo(f"request {request_id}: {line}{due}")
    if deadline and deadline.get("provisional") and deadline["state"] == "open":
        click.echo(f"  * {deadline['provisional']}")


@main.group()
def requests() -> None:
    """Disclosure requests (依申请公开): the register, its clocks and replies."""


@requests.command("add")
@click.option("--content", "--subject", "content", required=True, help="The information asked for.")
@click.option("--applicant-type", default="natural_person", show_default=True,
              type=click.Choice(["natural_person", "commercial", "research", "public_interest", "legal_service",
                                 "other_org"]))
@click.option("--channel", default="in_person", show_default=True,
              type=click.Choice(["in_person", "post_signed", "post_unsigned", "online", "fax"]))
@click.option("--applicant", "--requester", "applicant", default=None, help="姓名或者名称.")
@click.option("--reference", default=None, help="The office's number for it.")
@click.option("--form", default=None, help="形式要求 (纸质, 电子, …).")
@click.option("--unit", "--department", "unit", default=None, help="The responsible unit (承办单位).")
@click.option("--submitted", default=None, help="Day handed in, signed for or submitted (default today).")
@click.option("--received", default=None, help="Same as --submitted, as an ISO 8601 time.")
@click.option("--confirmed", default=None, help="Confirmation day (ordinary post, online, fax).")
@_by
@_json
@pass_ctx
def requests_add(obj: Context, content: str, applicant_type: str, channel: str, applicant: str | None,
                 reference: str | None, form: str | None, unit: str | None, submitted: str | None,
                 received: str | None, confirmed: str | None, by: str, as_json: bool) -> None:
    """Enter a request; its clock starts on its receipt day (第三十一条)."""
    from sentinel.disclosure.flows import NewRequest, add_request

    settings = obj.settings
    if received is not None:
        day = _time(received, settings, option="--received").astimezone(settings.zone).date()
    else:
        day = _date(submitted, "--submitted", obj)
    new = NewRequest(content=content, applicant_type=applicant_type, channel=channel, applicant=applicant,
                     reference=reference, form=form, unit=unit, submitted_on=day,
                     confirmed_on=_date(confirmed, "--confirmed", obj) if confirmed else None)
    request = _run(obj, add_request, _rules(settings), new, by=by, now=SystemClock().now())
    _say(obj, request.id, "entered" if request.received_on else "entered, awaiting confirmation of receipt", as_json)


@requests.command("list")
@click.option("--state", default="open", show_default=True,
              type=click.Choice(["open", "all", "awaiting_confirmation", "awaiting_correction", "replied"]))
@click.option("--unit", default=None)
@click.option("--applicant-type", default=None)
@click.option("--outcome", default=None, help="A row (denied.third_party) or a group (denied).")
@click.option("--year", type=int, default=None, help="Received in this year.")
@click.option("--search", default=None, help="Text in the content, applicant or reference.")
@_json
@pass_ctx
def requests_list(obj: Context, state: str, unit: str | None, applicant_type: str | None, outcome: str | None,
                  year: int | None, search: str | None, as_json: bool) -> None:
    """The register, open deadlines first (soonest first); ``*`` marks a provisional deadline."""
    from sentinel.disclosure import service

    rows = _run(obj, service.list_requests, state=None if state == "all" else state, unit=unit,
                applicant_type=applicant_type, outcome=outcome, year=year, search=search)
    data = [service.request_json(row) for row in rows]
    if as_json:
        _echo_json(data)
        return
    click.echo(f"{'ID':>5}  {'REFERENCE':12}  {'RECEIVED':10}  {'DUE':11}  {'STATE':21}  CONTENT")
    for item in data:
        click.echo(f"{item['id']:>5}  {(item['reference'] or '-')[:12]:12}  {item['received_on'] or '-':10}  "
                   f"{_due(obj, item['deadline']):11}  {item['state']:21}  {item['content'][:40]}")
    if any(item["deadline"] and item["deadline"].get("provisional") for item in data):
        click.echo("* provisional: counted without next year's holiday notice (see `sentinel calendar show`)")


@requests.command("show")
@click.argument("request_id", type=int)
@_json
@pass_ctx
def requests_show(obj: Context, request_id: int, as_json: bool) -> None:
    """One request with its clock history."""
    from sentinel.disclosure import service

    data = service.detail_json(_run(obj, service.get_request, request_id))
    if as_json:
        _echo_json(data)
        return
    click.echo(f"#{data['id']} {data['content']}")
    click.echo(f"  {data['applicant_type_zh']} {data['applicant'] or ''} · {data['channel_zh']} · "
               f"received {data['received_on'] or '(awaiting confirmation)'} · {data['state_zh']}")
    for deadline in data["deadlines"]:
        mark = f"  * {deadline['provisional']}" if deadline.get("provisional") else ""
        click.echo(f"  deadline #{deadline['sequence']}: {_due(obj, deadline)} {deadline['state']}"
                   f"{' — ' + deadline['reason'] if deadline['reason'] else ''}{mark}")
    for event in data["timeline"]:
        click.echo(f"  {event['at'][:16]}  {event['kind']:22} {event['actor']}  {event['reason'] or ''}")


@requests.command("confirm")
@click.argument("request_id", type=int)
@click.option("--on", "on", default=None, help="The confirmation day (default today).")
@_by
@pass_ctx
def requests_confirm(obj: Context, request_id: int, on: str | None, by: str) -> None:
    """第三十一条: receipt confirmed (ordinary post, online, fax); the clock starts."""
    from sentinel.disclosure import flows

    _run(obj, flows.confirm_receipt, _rules(obj.settings), request_id, on=_date(on, "--on", obj), by=by,
         now=SystemClock().now())
    _say(obj, request_id, "receipt confirmed")


@requests.command("correction")
@click.argument("request_id", type=int)
@click.option("--until", required=True, help="The last day of the correction period.")
@click.option("--on", "on", default=None, help="The notice's day (default today).")
@click.option("--note", default=None, help="What is to be corrected.")
@_by
@pass_ctx
def requests_correction(obj: Context, request_id: int, until: str, on: str | None, note: str | None, by: str) -> None:
    """第三十条: a 补正 notice (once, within 7 working days); the clock is discarded."""
    from sentinel.disclosure import flows

    _run(obj, flows.ask_correction, _rules(obj.settings), request_id, on=_date(on, "--on", obj),
         until=_date(until, "--until", obj), by=by, now=SystemClock().now(), note=note)
    _say(obj, request_id, f"correction asked, due by {until}")


@requests.command("corrected")
@click.argument("request_id", type=int)
@click.option("--on", "on", default=None, help="The day the corrected request arrived (default today).")
@_by
@pass_ctx
def requests_corrected(obj: Context, request_id: int, on: str | None, by: str) -> None:
    """The corrected request arrived: the clock starts again from its day."""
    from sentinel.disclosure import flows

    _run(obj, flows.receive_correction, _rules(obj.settings), request_id, on=_date(on, "--on", obj), by=by,
         now=SystemClock().now())
    _say(obj, request_id, "correction received")


@requests.command("consult")
@click.argument("request_id", type=int)
@click.option("--party", required=True, type=click.Choice(["third_party", "agency"]))
@click.option("--on", "on", default=None, help="The day the letter went out (default today).")
@click.option("--note", default=None)
@_by
@pass_ctx
def requests_consult(obj: Context, request_id: int, party: str, on: str | None, note: str | None, by: str) -> None:
    """第三十二条/第三十四条: a consultation; its days are not counted (at most 15 working days)."""
    from sentinel.disclosure import flows

    _run(obj, flows.start_consultation, _rules(obj.settings), request_id, party=party, on=_date(on, "--on", obj),
         by=by, now=SystemClock().now(), note=note)
    _say(obj, request_id, f"consulting ({party})")


@requests.command("consulted")
@click.argument("request_id", type=int)
@click.option("--on", "on", default=None, help="The day the opinion came back (default today).")
@_by
@pass_ctx
def requests_consulted(obj: Context, request_id: int, on: str | None, by: str) -> None:
    """The opinion came back: the clock runs again."""
    from sentinel.disclosure import flows

    _run(obj, flows.end_consultation, _rules(obj.settings), request_id, on=_date(on, "--on", obj), by=by,
         now=SystemClock().now())
    _say(obj, request_id, "opinion received")


@requests.command("extend")
@click.argument("request_id", type=int)
@click.option("--approver", required=True, help="The head of the 政府信息公开工作机构 who approved it.")
@click.option("--days", type=int, default=None, help="Working days added (default and most: the policy's 20).")
@click.option("--reason", default=None)
@_by
@pass_ctx
def requests_extend(obj: Context, request_id: int, approver: str, days: int | None, reason: str | None,
                    by: str) -> None:
    """第三十三条: extend once, before the deadline runs out."""
    from sentinel.disclosure import flows

    _run(obj, flows.extend, _rules(obj.settings), request_id, approver=approver, days=days, reason=reason, by=by,
         now=SystemClock().now())
    _say(obj, request_id, "extended")


@requests.command("delay")
@click.argument("request_id", type=int)
@click.option("--until", required=True, help="The delayed deadline's day.")
@click.option("--reason", required=True)
@_by
@pass_ctx
def requests_delay(obj: Context, request_id: int, until: str, reason: str, by: str) -> None:
    """第三十五条: a later deadline set by the office, with its reason."""
    from sentinel.disclosure import flows

    _run(obj, flows.delay, _rules(obj.settings), request_id, until=_date(until, "--until", obj), reason=reason,
         by=by, now=SystemClock().now())
    _say(obj, request_id, "deadline delayed")


@requests.command("reply")
@click.argument("request_id", type=int)
@click.option("--outcome", required=True, help="The annual report's row: granted, partial, denied.third_party, …")
@click.option("--reply-type", default=None, help="第三十六条's type when the row takes several (not_exist, not_ours, …).")
@click.option("--at", "at", default=None, help="When it was replied (ISO 8601; default now).")
@click.option("--channel", default=None, help="How the reply went out.")
@click.option("--note", default=None)
@_by
@pass_ctx
def requests_reply(obj: Context, request_id: int, outcome: str, reply_type: str | None, at: str | None,
                   channel: str | None, note: str | None, by: str) -> None:
    """答复: record the reply and its outcome; the request is concluded."""
    from sentinel.disclosure import flows

    settings = obj.settings
    _run(obj, flows.reply, _rules(settings), request_id, outcome=outcome, reply_type=reply_type,
         at=_time(at, settings, option="--at") if at else None, channel=channel, note=note, by=by,
         now=SystemClock().now())
    _say(obj, request_id, f"replied ({outcome})")


@requests.command("appeal")
@click.option("--kind", required=True, type=click.Choice(["review", "lawsuit_direct", "lawsuit_after_review"]))
@click.option("--filed", required=True, help="The day it was filed.")
@click.option("--request", "request_id", type=int, default=None, help="The request it is over.")
@click.option("--result", default="pending", show_default=True,
              type=click.Choice(["pending", "upheld", "corrected", "other"]))
@click.option("--decided", default=None, help="The day it was decided (with a result).")
@click.option("--reference", default=None)
@_by
@pass_ctx
def requests_appeal(obj: Context, kind: str, filed: str, request_id: int | None, result: str, decided: str | None,
                    reference: str | None, by: str) -> None:
    """A 行政复议 or 行政诉讼 over a request (the annual report's section 四)."""
    from sentinel.disclosure import entries

    row = _run(obj, entries.add_appeal, kind=kind, filed_on=_date(filed, "--filed", obj), result=result,
               decided_on=_date(decided, "--decided", obj) if decided else None, request_id=request_id,
               reference=reference, by=by, now=SystemClock().now())
    click.echo(f"appeal {row.id}: {kind}, {result}")


@requests.command("decide")
@click.argument("appeal_id", type=int)
@click.option("--result", required=True, type=click.Choice(["upheld", "corrected", "other"]))
@click.option("--decided", default=None, help="The day it was decided (default today).")
@_by
@pass_ctx
def requests_decide(obj: Context, appeal_id: int, result: str, decided: str | None, by: str) -> None:
    """A review or lawsuit was decided."""
    from sentinel.disclosure import entries

    _run(obj, entries.decide_appeal, appeal_id, result=result, decided_on=_date(decided, "--decided", obj), by=by,
         now=SystemClock().now())
    click.echo(f"appeal {appeal_id}: {result}")


@requests.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_by
@pass_ctx
def requests_import(obj: Context, path: Path, by: str) -> None:
    """An existing register from CSV (columns in `sentinel.disclosure.importer`): every row or none;
    each bad row is reported by its number."""
    from sentinel.disclosure.importer import import_csv

    count = _run(obj, import_csv, _rules(obj.settings), path.read_bytes(), by=by, now=SystemClock().now())
    click.echo(f"imported {count} requests from {path}")


@main.group()
def calendar() -> None:
    """The working-day calendar (工作日): what is known of each year, and from where."""


@calendar.command("show")
@click.argument("year", type=int)
@_json
@pass_ctx
def calendar_show(obj: Context, year: int, as_json: bool) -> None:
    """The year's days off and adjusted working weekends, and where they come from."""
    from sentinel.escalation.calendar_view import year_view

    data = year_view(year, obj.settings_or_defaults().policy.calendar)
    if as_json:
        _echo_json(data)
        return
    click.echo(f"{year}: {data['source_zh']} ({data['source']})")
    if data["note"]:
        click.echo(f"  {data['note']}")
    click.echo("  days off Monday–Friday: " + (", ".join(d["day"] + (f" {d['name']}" if d["name"] else "")
                                                         for d in data["holidays"]) or "-"))
    click.echo("  weekend days worked (调休): " + (", ".join(data["workdays"]) or "-"))
