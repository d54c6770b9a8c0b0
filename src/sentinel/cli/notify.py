"""Commands about who is told and through what: ``roster now`` and ``notify test``."""

from __future__ import annotations

import asyncio
import sys

import click

from sentinel.cli import Context, _echo_json, main, pass_ctx
from sentinel.clock import SystemClock


@main.group()
def roster() -> None:
    """The duty roster (值班表)."""


@roster.command("now")
@click.option("--at", "at", default=None, help="Another moment (ISO 8601; no offset = local time).")
@click.option("--department", default=None, help="Also list this department's contacts.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_ctx
def roster_now(obj: Context, at: str | None, department: str | None, as_json: bool) -> None:
    """Who is on duty now (or --at), and who hears each step of the escalation chain."""
    from sentinel.escalation.policy import EscalationRole
    from sentinel.escalation.roster import Roster

    settings = obj.settings
    moment = SystemClock().now()
    if at is not None:
        from sentinel.normalise.times import parse_iso

        try:
            moment = parse_iso(at, zone=settings.zone)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--at") from None
    people = Roster(settings.roster, settings.zone)
    chain = {role.value: [r.as_dict() for r in people.recipients(role, department, moment)] for role in EscalationRole}
    on_duty = [r.as_dict() for r in people.on_duty(moment)]
    if as_json:
        _echo_json({"at": moment.isoformat(), "on_duty": on_duty, "chain": chain})
        return
    click.echo(f"{moment.astimezone(settings.zone):%Y-%m-%d %H:%M %Z}")
    if not on_duty:
        click.echo("  值班员: nobody on the roster for this moment: alerts go to every channel under a placeholder")
    for person in on_duty:
        click.echo(f"  值班员 {person['name']}  {person.get('phone') or ''}  channels: "
                   f"{', '.join(person.get('channels') or []) or 'all'}")
    for role in EscalationRole:
        names = "、".join(r["name"] for r in chain[role.value]) or "-"
        click.echo(f"  {role.name_zh:6} ({role.value}): {names}")


@main.group()
def notify() -> None:
    """Notification channels."""


@notify.command("test")
@click.argument("channel_id")
@click.option("--to", "to", multiple=True, help="A phone number to text or call (SMS and voice channels; repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_ctx
def notify_test(obj: Context, channel_id: str, to: tuple[str, ...], as_json: bool) -> None:
    """Send a test message through one configured channel; exit 1 with the service's error if refused
    (for an SMS or voice channel, to the numbers given with --to)."""
    import dataclasses

    from sentinel.errors import ConfigError
    from sentinel.notify.base import send_client
    from sentinel.notify.compose import compose
    from sentinel.notify.registry import build_sender

    settings = obj.settings
    channel = next((c for c in settings.effective_channels if c.id == channel_id), None)
    if channel is None:
        known = ", ".join(c.id for c in settings.effective_channels)
        raise ConfigError(f"no channel {channel_id!r} (configured: {known})", key="channels")
    now = SystemClock().now()
    message = compose("test", {"now": now, "channel": channel_id, "idempotency_key": f"test:{channel_id}:{now:%s}"},
                      zone=settings.zone, link_base=settings.http.public_url)
    if to:
        try:
            message = dataclasses.replace(message, mentions=tuple(to))
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--to") from None

    async def send() -> object:
        async with send_client(timeout=15.0) as client:
            sender = build_sender(channel, client)
            return await sender.send(message, now=now)

    delivery = asyncio.run(send())
    ok = getattr(delivery, "ok", False)
    if as_json:
        _echo_json({"channel": channel_id, "kind": channel.kind, "outcome": getattr(delivery, "outcome", None),
                    "reason": getattr(delivery, "reason", None), "retryable": getattr(delivery, "retryable", None),
                    "detail": getattr(delivery, "detail", "")})
    elif ok:
        click.echo(f"{channel_id} ({channel.kind}): sent")
    else:
        click.echo(f"{channel_id} ({channel.kind}): refused: {getattr(delivery, 'reason', None)}: "
                   f"{getattr(delivery, 'detail', '')}", err=True)
    if not ok:
        sys.exit(1)
