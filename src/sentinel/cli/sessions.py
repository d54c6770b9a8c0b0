"""``sentinel sessions``: the web console's login sessions."""

from __future__ import annotations

import click

from sentinel.cli import Context, _echo_json, main, pass_ctx, store
from sentinel.clock import SystemClock


@main.group()
def sessions() -> None:
    """The web console's login sessions."""


@sessions.command("end-all")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_ctx
def sessions_end_all(obj: Context, as_json: bool) -> None:
    """End every open console session: everyone logs in again (after a leaked cookie or token)."""
    from sentinel.store.sessions import end_all

    with store(obj.settings) as database:
        ended = end_all(database.engine, now=SystemClock().now())
    if as_json:
        _echo_json({"ended": ended})
        return
    click.echo(f"ended {ended} console session{'s' if ended != 1 else ''}")
